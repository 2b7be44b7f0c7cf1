"""Shell helpers that read the core's data files from disk (package data included)."""
