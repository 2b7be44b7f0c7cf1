"""Package data: data for identity matching (see README.md / the files here)."""
