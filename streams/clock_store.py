"""The clock stage's state: one SQLite file, written once per batch with the offsets it covers.

Tables: ``children`` (each child's `ChildClocks` as JSON and the next day its timer matters),
``parents`` (a merged child -> the child it was merged into), ``owners`` (event id -> the child
whose facts hold it, so a re-published entry under a new child id moves its fact: an unmerge),
``offsets`` (next offset per topic partition) and ``meta`` (the feed-freshness state).
Offsets are saved in the same transaction as the state they produced, so a restarted worker
resumes exactly where its state stops: nothing is applied twice, no alert raised twice.
"""

import sqlite3
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from hub.clocks.fold import ChildClocks
from hub.clocks.freshness import Freshness

__all__ = ["ClockStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS children (
    child_id   TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    next_check TEXT
);
CREATE INDEX IF NOT EXISTS children_due ON children (next_check) WHERE next_check IS NOT NULL;
CREATE TABLE IF NOT EXISTS parents (child_id TEXT PRIMARY KEY, parent TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS owners (event_id TEXT PRIMARY KEY, child_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS offsets (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ClockStore:
    """Reads and batch-writes the clock stage's state."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def child(self, child_id: str) -> ChildClocks | None:
        row = self.conn.execute(
            "SELECT state FROM children WHERE child_id = ?", (child_id,)
        ).fetchone()
        return ChildClocks.model_validate_json(row[0]) if row else None

    def parent(self, child_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT parent FROM parents WHERE child_id = ?", (child_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def owner(self, event_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT child_id FROM owners WHERE event_id = ?", (event_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def due(self, today: date) -> list[str]:
        """Children whose next check day has come."""
        rows = self.conn.execute(
            "SELECT child_id FROM children WHERE next_check <= ?", (today.isoformat(),)
        )
        return [str(r[0]) for r in rows]

    def offsets(self) -> dict[tuple[str, int], int]:
        rows = self.conn.execute("SELECT topic, partition, next_offset FROM offsets")
        return {(str(t), int(p)): int(o) for t, p, o in rows}

    def freshness(self) -> Freshness:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'freshness'").fetchone()
        return Freshness.model_validate_json(row[0]) if row else Freshness()

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM children").fetchone()[0])

    def write(self, changes: "StoreChanges") -> None:
        """Apply one batch's changes and offsets in one transaction."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            c.executemany(
                "INSERT OR REPLACE INTO children (child_id, state, next_check) VALUES (?, ?, ?)",
                [(k, s.model_dump_json(), n.isoformat() if n else None)
                 for k, (s, n) in changes.children.items()],
            )  # fmt: skip
            c.executemany("DELETE FROM children WHERE child_id = ?", [(k,) for k in changes.gone])
            c.executemany("INSERT OR REPLACE INTO parents VALUES (?, ?)", changes.parents.items())
            c.executemany("INSERT OR REPLACE INTO owners VALUES (?, ?)", changes.owners.items())
            c.executemany(
                "INSERT OR REPLACE INTO offsets VALUES (?, ?, ?)",
                [(t, p, o) for (t, p), o in changes.offsets.items()],
            )
            if changes.freshness is not None:
                c.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('freshness', ?)",
                    (changes.freshness.model_dump_json(),),
                )
        except BaseException:
            c.execute("ROLLBACK")
            raise
        c.execute("COMMIT")


class StoreChanges:
    """What one batch (or one tick) changed, before it is written."""

    def __init__(self) -> None:
        self.children: dict[str, tuple[ChildClocks, date | None]] = {}
        self.gone: set[str] = set()
        self.parents: dict[str, str] = {}
        self.owners: dict[str, str] = {}
        self.offsets: dict[tuple[str, int], int] = {}
        self.freshness: Freshness | None = None

    def owned(self, event_ids: Iterable[str], child_id: str) -> None:
        for event_id in event_ids:
            self.owners[event_id] = child_id
