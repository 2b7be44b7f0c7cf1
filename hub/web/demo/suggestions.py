"""Example children for the demo's search page, chosen from the read model, not hard-coded.

A newcomer to a demo knows no NHS number or date of birth, so the search page offers the
children with the longest multi-agency histories: most agencies first, then those whose
entries span at least two years, then the most entries (a year of weekly attendance beats
three entries years apart). Offered only in dev mode.
"""

import sqlite3
from dataclasses import dataclass

from hub.web.readmodel import queries

__all__ = ["Suggestion", "suggest_children"]

_DAY_MS = 86_400_000
_TWO_YEARS_MS = 730 * _DAY_MS


@dataclass(frozen=True)
class Suggestion:
    """A child worth opening, and why (never their identifiers)."""

    child_id: str
    agencies: int
    entries: int
    years: float


def suggest_children(conn: sqlite3.Connection, count: int = 3) -> list[Suggestion]:
    """Up to ``count`` children (survivors of merges) with the richest multi-agency histories."""
    rows = conn.execute(
        "SELECT child_id, COUNT(DISTINCT agency) AS agencies, COUNT(*) AS entries,"
        " MAX(occurred_ms) - MIN(occurred_ms) AS span FROM entries GROUP BY child_id"
        " ORDER BY agencies DESC, span >= ? DESC, entries DESC, span DESC LIMIT ?",
        (_TWO_YEARS_MS, count * 4),  # a few spare: merged children fold into their survivor
    ).fetchall()
    seen: set[str] = set()
    out: list[Suggestion] = []
    for row in rows:
        survivor = queries.survivor_of(conn, row["child_id"])
        if survivor in seen:
            continue
        seen.add(survivor)
        years = row["span"] / _DAY_MS / 365.25
        out.append(Suggestion(survivor, row["agencies"], row["entries"], years))
    return out[:count]
