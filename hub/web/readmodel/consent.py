"""The consent side of the web read model: consent records, relationship marks per entry and
the access log, projected from ``send.consent``, ``send.timeline`` and ``send.audit``.

* A consent record is stored with the keys that tie it to a child (its source person key,
  NHS number, UPN); a read finds a child's records through the identity links of the child
  and everything merged into it, so records follow merges and unmerges.
* Each timeline entry's relationship marks (`hub.consent.marks`) are stored beside it, so a
  read folds a child's relationships from small rows instead of every entry's JSON.
* Each audit record of a read of a child goes to ``access_log``, which the access-log page
  and API serve.
"""

import sqlite3
from collections.abc import Iterator
from datetime import date

from hub.consent import ConsentState, Relationships
from hub.consent.marks import mark_from_row, mark_row, marks_of
from hub.identifiers import normalise_nhs_number, normalise_upn
from hub.models import AuditRecord, ConsentRecord, TimelineEntry, source_person_key

__all__ = [
    "SCHEMA",
    "access_log",
    "apply_audit",
    "apply_consent",
    "apply_marks",
    "backfill_marks",
    "break_glass_records",
    "consent_state",
    "relationships",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS consent_records (
    consent_id  TEXT NOT NULL,
    recorded_ms INTEGER NOT NULL,
    action      TEXT NOT NULL,
    src_key     TEXT NOT NULL,
    nhs         TEXT,
    upn         TEXT,
    body        TEXT NOT NULL,
    PRIMARY KEY (consent_id, recorded_ms, action)
);
CREATE INDEX IF NOT EXISTS consent_src ON consent_records (src_key);
CREATE INDEX IF NOT EXISTS consent_nhs ON consent_records (nhs) WHERE nhs IS NOT NULL;
CREATE INDEX IF NOT EXISTS consent_upn ON consent_records (upn) WHERE upn IS NOT NULL;
CREATE TABLE IF NOT EXISTS entry_marks (
    entry_id TEXT NOT NULL,
    child_id TEXT NOT NULL,
    kind     TEXT NOT NULL,
    org      TEXT NOT NULL,
    ref      TEXT NOT NULL,
    action   TEXT NOT NULL,
    day      TEXT NOT NULL,
    adviser  TEXT
);
CREATE INDEX IF NOT EXISTS entry_marks_entry ON entry_marks (entry_id);
CREATE INDEX IF NOT EXISTS entry_marks_child ON entry_marks (child_id, kind, org, ref, day);
CREATE TABLE IF NOT EXISTS access_log (
    audit_id TEXT PRIMARY KEY,
    child_id TEXT NOT NULL,
    at_ms    INTEGER NOT NULL,
    body     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_log_child ON access_log (child_id, at_ms);
CREATE INDEX IF NOT EXISTS entries_child_keys ON entries (child_id, src_key, dob);
CREATE TABLE IF NOT EXISTS read_model_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _in(values: list[str]) -> str:
    return ",".join("?" * len(values))


def apply_consent(conn: sqlite3.Connection, record: ConsentRecord) -> None:
    """Store one consent record (a redelivery is a no-op)."""
    src, subject = record.source, record.subject
    key = source_person_key(src.agency_kind, src.org_code, src.system, subject.source_person_id)
    conn.execute(
        "INSERT OR IGNORE INTO consent_records VALUES (?, ?, ?, ?, ?, ?, ?)",
        (record.consent_id, int(record.recorded_at.timestamp() * 1000), record.action.value, key,
         normalise_nhs_number(subject.nhs_number), normalise_upn(subject.upn),
         record.model_dump_json()),
    )  # fmt: skip


def apply_marks(conn: sqlite3.Connection, entry: TimelineEntry) -> None:
    """Store the relationship marks an entry makes, under its child (call when the entry row
    was written: a re-published entry, e.g. after an unmerge, moves its marks with it)."""
    conn.execute("DELETE FROM entry_marks WHERE entry_id = ?", (entry.entry_id,))
    rows = [(entry.entry_id, entry.child_id, *mark_row(m)) for m in marks_of(entry.event)]
    if rows:
        conn.executemany("INSERT INTO entry_marks VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def backfill_marks(conn: sqlite3.Connection) -> int:
    """Once per read model: marks for entries projected before marks were stored."""
    if conn.execute("SELECT 1 FROM read_model_meta WHERE name = 'entry_marks'").fetchone():
        return 0
    rows = conn.execute("SELECT body FROM entries").fetchall()
    for row in rows:
        apply_marks(conn, TimelineEntry.model_validate_json(row["body"]))
    conn.execute("INSERT INTO read_model_meta VALUES ('entry_marks', 'v1')")
    return len(rows)


def apply_audit(conn: sqlite3.Connection, record: AuditRecord) -> None:
    """Keep an audit record of a read of a child in that child's access log."""
    if record.child_id:
        conn.execute("INSERT OR IGNORE INTO access_log VALUES (?, ?, ?, ?)",
                     (record.audit_id, record.child_id, int(record.at.timestamp() * 1000),
                      record.model_dump_json()))  # fmt: skip


_MARKS = """
SELECT DISTINCT kind, org, ref, action, day, adviser FROM entry_marks
WHERE child_id IN ({members})
ORDER BY kind, org, ref, day, action = 'END'
"""


def _run_marks(rows: list[sqlite3.Row]) -> Iterator[list[str | None]]:
    """The marks that shape runs: every END, PLAN and ADVISER mark, and only the START that
    opens each run (a school's weekly returns repeat the START of one roll thousands of
    times; the fold's answer is the same without the repeats)."""
    key, open_run = None, False
    for row in rows:
        mark = list(row)
        this = (mark[0], mark[1], mark[2])
        if this != key:
            key, open_run = this, False
        if mark[3] == "END":
            open_run = False
        elif mark[3] == "START":
            if open_run:
                continue
            open_run = True
        yield mark


def relationships(conn: sqlite3.Connection, members: list[str]) -> Relationships:
    """The child's relationships, folded from the stored marks and dates of birth."""
    state = Relationships()
    rows = conn.execute(_MARKS.format(members=_in(members)), members).fetchall()
    for mark in _run_marks(rows):
        state.add_mark(mark_from_row(mark))
    births = f"SELECT dob, COUNT(*) FROM entries WHERE child_id IN ({_in(members)}) " \
        "AND dob IS NOT NULL GROUP BY dob"  # fmt: skip
    for row in conn.execute(births, members):
        state.add_birth(date.fromisoformat(row[0]), int(row[1]))
    return state


def _child_keys(conn: sqlite3.Connection, members: list[str]) -> Iterator[tuple[str, str]]:
    rows = conn.execute(
        f"SELECT key FROM links WHERE child_id IN ({_in(members)}) AND kind != 'MERGE' "
        f"UNION SELECT src_key FROM entries WHERE child_id IN ({_in(members)})",
        [*members, *members],
    )  # fmt: skip
    for row in rows:
        kind, _, value = str(row[0]).partition(":")
        yield kind, (row[0] if kind == "src" else value)


def consent_state(conn: sqlite3.Connection, members: list[str]) -> ConsentState:
    """Every consent record tied to the child by a source key, NHS number or UPN."""
    keys: dict[str, list[str]] = {"src": [], "nhs": [], "upn": []}
    for kind, value in _child_keys(conn, members):
        keys.setdefault(kind, []).append(value)
    state = ConsentState()
    for column in ("src_key", "nhs", "upn"):
        values = keys[column.split("_")[0]]
        if values:
            sql = f"SELECT body FROM consent_records WHERE {column} IN ({_in(values)})"
            for row in conn.execute(sql, values):
                state.add(ConsentRecord.model_validate_json(row["body"]))
    return state


def break_glass_records(
    conn: sqlite3.Connection, members: list[str], since_ms: int
) -> list[AuditRecord]:
    """BREAK_GLASS audit records of the child since ``since_ms``: the durable record of every
    break-glass (written only after its alert), shared by every web process."""
    rows = conn.execute(
        f"SELECT body FROM access_log WHERE child_id IN ({_in(members)}) AND at_ms >= ? "
        f"AND body LIKE '%\"action\":\"BREAK_GLASS\"%'", [*members, since_ms],
    )  # fmt: skip
    found = [AuditRecord.model_validate_json(row["body"]) for row in rows]
    return [r for r in found if r.action == "BREAK_GLASS"]


def access_log(conn: sqlite3.Connection, members: list[str], limit: int) -> list[AuditRecord]:
    """The most recent reads of the child (and of children merged into it), newest first."""
    rows = conn.execute(
        f"SELECT body FROM access_log WHERE child_id IN ({_in(members)}) "
        f"ORDER BY at_ms DESC LIMIT ?", [*members, limit],
    )  # fmt: skip
    return [AuditRecord.model_validate_json(row["body"]) for row in rows]
