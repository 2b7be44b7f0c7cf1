"""Web hardening kept apart from the pages: request limits and security headers, the search
rate limit, and sign-outs shared between web instances."""
