"""Shell helpers that read the project's files (keys, rules, configuration) from disk.

The pure core parses already-read text; the functions that touch the file system live here.
"""
