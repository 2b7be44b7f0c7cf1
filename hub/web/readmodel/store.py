"""The web service's read model: a local SQLite database projected from the hub's topics.

Tables: ``entries`` (one row per timeline entry, keyed by ``entry_id``, with the columns the
searches and the timeline order need, plus the entry itself as JSON), ``links`` (the latest
identity link per key; a MERGE row ``child:<loser>`` is how a merged child redirects to its
survivor), ``reviews`` (the latest `ReviewItem` per review id) and ``review_decisions`` (the
first decision seen per review id, so an item the worker has not closed yet shows as decided),
``unmerge_requests`` (unmerges asked for, and whether a second reviewer approved them),
``alerts`` (each clock-stage alert from ``send.alerts`` once, by ``alert_id``) and ``offsets``
(the next offset per topic partition, written in the same transaction as the rows it covers,
so a restart resumes exactly where it stopped); plus the consent tables of
`hub.web.readmodel.consent` (consent records, relationship marks per entry, the access log).

Connections are cheap: the feeder thread keeps one for writing, every request opens its own
for reading (WAL mode lets readers run while the writer commits).
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.web.readmodel import consent

__all__ = [
    "DB_FILE",
    "StoreStatus",
    "connect",
    "load_offsets",
    "save_offsets",
    "status",
    "transaction",
    "wipe",
]

DB_FILE = "web-read-model.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    entry_id     TEXT PRIMARY KEY,
    child_id     TEXT NOT NULL,
    occurred_ms  INTEGER NOT NULL,
    recorded_ms  INTEGER NOT NULL,
    published_ms INTEGER NOT NULL,
    agency       TEXT NOT NULL,
    category     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    src_key      TEXT NOT NULL,
    nhs          TEXT,
    upn          TEXT,
    given_norm   TEXT,
    family_norm  TEXT,
    dob          TEXT,
    body         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_timeline
    ON entries (child_id, occurred_ms, recorded_ms, entry_id);
CREATE INDEX IF NOT EXISTS entries_nhs ON entries (nhs) WHERE nhs IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_upn ON entries (upn) WHERE upn IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_name ON entries (family_norm, dob);
CREATE TABLE IF NOT EXISTS links (
    key         TEXT PRIMARY KEY,
    child_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    merged_into TEXT,
    at_ms       INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS links_child ON links (child_id);
CREATE INDEX IF NOT EXISTS links_merged ON links (merged_into) WHERE merged_into IS NOT NULL;
CREATE TABLE IF NOT EXISTS reviews (
    review_id   TEXT PRIMARY KEY,
    status      TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_queue ON reviews (status, created_ms, review_id);
CREATE TABLE IF NOT EXISTS review_decisions (
    review_id   TEXT PRIMARY KEY,
    decided_ms  INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unmerge_requests (
    review_id    TEXT PRIMARY KEY,
    child_id     TEXT NOT NULL,
    requested_ms INTEGER NOT NULL,
    approved     INTEGER NOT NULL,
    body         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    alert_id    TEXT PRIMARY KEY,
    child_id    TEXT,
    kind        TEXT NOT NULL,
    raised_ms   INTEGER NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_child ON alerts (child_id, raised_ms) WHERE child_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS offsets (
    topic       TEXT NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
);
"""


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection to the read model at ``path``; a writer creates the file and tables."""
    if read_only:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA query_only = ON")
        return conn
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(_SCHEMA)
    conn.executescript(consent.SCHEMA)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: everything in it lands together or not at all."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def wipe(path: Path) -> None:
    """Delete the read model (it is rebuilt from the topics on the next start)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def load_offsets(conn: sqlite3.Connection) -> dict[tuple[str, int], int]:
    """Next offset to read per (topic, partition), as last committed."""
    rows = conn.execute("SELECT topic, partition, next_offset FROM offsets")
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


def save_offsets(conn: sqlite3.Connection, offsets: dict[tuple[str, int], int]) -> None:
    """Record the next offsets (call inside the transaction that applied the records)."""
    conn.executemany(
        "INSERT INTO offsets (topic, partition, next_offset) VALUES (?, ?, ?) "
        "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
        [(topic, part, off) for (topic, part), off in offsets.items()],
    )


class StoreStatus(dict[str, int]):
    """Counts for the ops page: entries, children (before merges), links, merges, open reviews."""


def status(conn: sqlite3.Connection) -> StoreStatus:
    """How much the read model holds (no personal data)."""
    one = conn.execute(
        "SELECT (SELECT COUNT(*) FROM entries) AS entries,"
        " (SELECT COUNT(DISTINCT child_id) FROM entries) AS children,"
        " (SELECT COUNT(*) FROM links) AS links,"
        " (SELECT COUNT(*) FROM links WHERE kind = 'MERGE') AS merges,"
        " (SELECT COUNT(*) FROM reviews WHERE status = 'OPEN') AS open_reviews"
    ).fetchone()
    return StoreStatus({k: int(one[k]) for k in one.keys()})  # noqa: SIM118 - sqlite3.Row
