"""Package data: models for identity matching (see README.md / the files here)."""
