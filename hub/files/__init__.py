"""Reading and writing the hub's data files: matching models, rules files, linkage CSVs.

A shell layer: the pure core parses already-read text or dicts; these functions do the file
I/O (package data included) and call the core's parsers.
"""

__all__: list[str] = []
