"""The nickname table (data, not code): which given names are variants of each other.

``data/nicknames-en-GB.csv`` lists a formal name and its variants (``Alfred`` →
``Alfie;Alf;Fred;Freddie;Al``). A name may sit in several groups (``Alex`` belongs to
Alexander and Alexandra); two names are nickname-related when their groups intersect.
"""

import csv
import io
from functools import lru_cache
from importlib import resources

__all__ = ["DEFAULT_TABLE", "load_nicknames", "nickname_groups", "related"]

DEFAULT_TABLE = "nicknames-en-GB"
_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=4)
def load_nicknames(table: str = DEFAULT_TABLE) -> dict[str, frozenset[str]]:
    """Map each upper-case name to the formal names of the groups it belongs to."""
    text = resources.files("hub.identity").joinpath("data", f"{table}.csv").read_text("utf-8")
    groups: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        formal = row["name"].strip().upper()
        for name in [formal, *row["variants"].split(";")]:
            groups.setdefault(name.strip().upper(), set()).add(formal)
    return {name: frozenset(formals) for name, formals in groups.items() if name}


def nickname_groups(name: str) -> frozenset[str]:
    """The groups of an upper-case, accent-free name; empty when it is in no group."""
    return load_nicknames().get(name, _EMPTY)


def related(a: str, b: str) -> bool:
    """True when two different upper-case names are variants of each other."""
    return a != b and bool(nickname_groups(a) & nickname_groups(b))
