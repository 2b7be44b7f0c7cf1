"""Read-model queries: merge redirects, child search, and the ordered, filtered timeline.

Plain SQL over a connection from `hub.web.readmodel.store`; the caller-aware read path
(`hub.web.children.reads`) builds on these. A child id that was merged away resolves to its
survivor; a survivor's timeline includes every entry of every child merged into it.
"""

import base64
import binascii
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hub.errors import HubError

__all__ = [
    "CursorKey",
    "QueryError",
    "TimelineFilter",
    "agencies_of",
    "children_by_identifier",
    "children_by_name",
    "decode_cursor",
    "encode_cursor",
    "exists",
    "links_of",
    "members_of",
    "survivor_of",
    "timeline_rows",
]

CursorKey = tuple[int, int, str]
"""Timeline position: (occurred ms, recorded ms, entry id) of the last entry seen."""

_MAX_HOPS = 64  # a redirect chain longer than this is a loop in bad data; stop there

_MEMBERS = """
WITH RECURSIVE m(id) AS (
    SELECT ?
    UNION
    SELECT substr(l.key, 7) FROM links l JOIN m ON l.merged_into = m.id
    WHERE l.kind = 'MERGE' AND l.key LIKE 'child:%'
)
SELECT id FROM m
"""


_INT64 = range(-(2**63), 2**63)
_NOT_OURS = "cursor is not one this service issued"


class QueryError(HubError):
    """A request the read model cannot answer as asked (bad filter, cursor or search)."""


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """Optional timeline filters; dates are inclusive and apply to when the event occurred."""

    agencies: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None


def survivor_of(conn: sqlite3.Connection, child_id: str) -> str:
    """The child ``child_id`` now lives on as (itself unless merged away)."""
    seen: set[str] = set()
    while child_id not in seen and len(seen) < _MAX_HOPS:
        seen.add(child_id)
        row = conn.execute(
            "SELECT merged_into FROM links WHERE key = ? AND kind = 'MERGE'", (f"child:{child_id}",)
        ).fetchone()
        if row is None or not row["merged_into"]:
            return child_id
        child_id = row["merged_into"]
    return child_id


def members_of(conn: sqlite3.Connection, survivor: str) -> list[str]:
    """``survivor`` and every child id merged into it, directly or through others."""
    return [row["id"] for row in conn.execute(_MEMBERS, (survivor,))]


def exists(conn: sqlite3.Connection, child_id: str) -> bool:
    """Whether the read model knows this child id at all (entries or links)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM entries WHERE child_id = ?)"
        " OR EXISTS (SELECT 1 FROM links WHERE child_id = ? OR key = ?)",
        (child_id, child_id, f"child:{child_id}"),
    ).fetchone()
    return bool(row[0])


def _in(ids: Sequence[str]) -> str:
    return ",".join("?" * len(ids))


def children_by_identifier(conn: sqlite3.Connection, column: str, value: str) -> set[str]:
    """Child ids (before redirects) holding a normalised NHS number or UPN."""
    if column not in ("nhs", "upn"):
        raise QueryError(f"cannot search by {column}")
    rows = conn.execute(
        f"SELECT child_id FROM entries WHERE {column} = ?"  # column is one of two names
        " UNION SELECT child_id FROM links WHERE key = ?",
        (value, f"{column}:{value}"),
    )
    return {row["child_id"] for row in rows}


def children_by_name(
    conn: sqlite3.Connection, family: str, dob: date, given: str | None
) -> set[str]:
    """Child ids (before redirects) with this folded family name and date of birth."""
    sql = "SELECT DISTINCT child_id FROM entries WHERE family_norm = ? AND dob = ?"
    args: list[str] = [family, dob.isoformat()]
    if given:
        sql += " AND given_norm LIKE ? ESCAPE '\\'"
        args.append(given.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    return {row["child_id"] for row in conn.execute(sql, args)}


def agencies_of(conn: sqlite3.Connection, members: Sequence[str]) -> list[str]:
    """Agency kinds with entries for these child ids, sorted."""
    rows = conn.execute(
        f"SELECT DISTINCT agency FROM entries WHERE child_id IN ({_in(members)}) ORDER BY agency",
        list(members),
    )
    return [row["agency"] for row in rows]


def links_of(conn: sqlite3.Connection, members: Sequence[str]) -> list[sqlite3.Row]:
    """Link rows that tie keys to these child ids, or merge others into them."""
    marks = _in(members)
    return list(
        conn.execute(
            f"SELECT key, child_id, kind, merged_into, at_ms, body FROM links"
            f" WHERE child_id IN ({marks}) OR merged_into IN ({marks}) ORDER BY at_ms, key",
            [*members, *members],
        )
    )


def _day_ms(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp() * 1000)


def _filter_sql(flt: TimelineFilter) -> tuple[str, list[object]]:
    parts: list[str] = []
    args: list[object] = []
    if flt.agencies:
        parts.append(f"agency IN ({_in(flt.agencies)})")
        args.extend(flt.agencies)
    if flt.categories:
        parts.append(f"category IN ({_in(flt.categories)})")
        args.extend(flt.categories)
    if flt.date_from is not None:
        parts.append("occurred_ms >= ?")
        args.append(_day_ms(flt.date_from))
    if flt.date_to is not None:
        parts.append("occurred_ms < ?")
        args.append(_day_ms(flt.date_to + timedelta(days=1)))
    return "".join(f" AND {p}" for p in parts), args


def timeline_rows(
    conn: sqlite3.Connection,
    members: Sequence[str],
    flt: TimelineFilter,
    after: CursorKey | None,
    limit: int,
) -> list[sqlite3.Row]:
    """Up to ``limit`` entry rows of these children after ``after``, in timeline order."""
    where, args = _filter_sql(flt)
    if after is not None:
        where += " AND (occurred_ms, recorded_ms, entry_id) > (?, ?, ?)"
        args.extend(after)
    sql = (
        "SELECT entry_id, occurred_ms, recorded_ms, body FROM entries"
        f" WHERE child_id IN ({_in(members)}){where}"
        " ORDER BY occurred_ms, recorded_ms, entry_id LIMIT ?"
    )
    return list(conn.execute(sql, [*members, *args, limit]))


def encode_cursor(key: tuple[int | str, ...]) -> str:
    """An opaque, URL-safe cursor for the position after ``key`` (a query's sort key)."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fits(value: object, kind: type) -> bool:
    if kind is int:  # a bool is an int to Python, never to a cursor; SQLite ints are 64-bit
        return type(value) is int and value in _INT64
    return isinstance(value, kind)


def decode_cursor(cursor: str, shape: tuple[type, ...] = (int, int, str)) -> tuple[Any, ...]:
    """The position a cursor from `encode_cursor` stands for, its items of types ``shape``.

    The wrong shape or type, or an integer outside SQLite's signed 64-bit range, is a
    `QueryError` (answered 400), never a server error.
    """
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise QueryError(_NOT_OURS) from exc
    if not isinstance(values, list) or len(values) != len(shape):
        raise QueryError(_NOT_OURS)
    if not all(_fits(v, kind) for v, kind in zip(values, shape, strict=True)):
        raise QueryError(_NOT_OURS)
    return tuple(values)
