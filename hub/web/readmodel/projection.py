"""Project timeline entries and identity links into the read model (plain functions, no Kafka).

Both projections are idempotent and independent of arrival order, because the topics give
no order across partitions and a rebuild replays everything:

* an entry is upserted by ``entry_id``; a copy with an older ``published_at`` never replaces
  a newer one (an unmerge re-publishes entries with a new child id and a later time);
* a link is upserted by key, the later ``at`` wins; a tombstone (no value) deletes the key;
* a merge is not copied into the entries: the ``child:<loser>`` MERGE row redirects reads
  of the loser (and of anything merged into it) to the survivor at query time, so a MERGE
  arriving before or after the loser's entries gives the same result, and an UNMERGE of the
  same key simply stops the redirect.
"""

import sqlite3
from datetime import datetime
from functools import lru_cache
from typing import Any

from hub.identifiers import normalise_nhs_number, normalise_upn
from hub.identity.normalise import fold
from hub.models import Alert, IdentityLink, Subject, TimelineEntry, source_person_key
from hub.web.readmodel.consent import apply_marks

__all__ = [
    "apply_alert",
    "apply_entry",
    "apply_link",
    "apply_link_tombstone",
    "entry_row",
    "family_key",
    "given_key",
    "millis",
    "source_key",
]

_UPSERT_ENTRY = """
INSERT INTO entries (entry_id, child_id, occurred_ms, recorded_ms, published_ms, agency,
    category, event_type, src_key, nhs, upn, given_norm, family_norm, dob, body)
VALUES (:entry_id, :child_id, :occurred_ms, :recorded_ms, :published_ms, :agency, :category,
    :event_type, :src_key, :nhs, :upn, :given_norm, :family_norm, :dob, :body)
ON CONFLICT (entry_id) DO UPDATE SET
    child_id = excluded.child_id, occurred_ms = excluded.occurred_ms,
    recorded_ms = excluded.recorded_ms, published_ms = excluded.published_ms,
    agency = excluded.agency, category = excluded.category, event_type = excluded.event_type,
    src_key = excluded.src_key, nhs = excluded.nhs, upn = excluded.upn,
    given_norm = excluded.given_norm, family_norm = excluded.family_norm, dob = excluded.dob,
    body = excluded.body
WHERE excluded.published_ms >= entries.published_ms
"""

_UPSERT_LINK = """
INSERT INTO links (key, child_id, kind, merged_into, at_ms, body)
VALUES (:key, :child_id, :kind, :merged_into, :at_ms, :body)
ON CONFLICT (key) DO UPDATE SET
    child_id = excluded.child_id, kind = excluded.kind, merged_into = excluded.merged_into,
    at_ms = excluded.at_ms, body = excluded.body
WHERE excluded.at_ms >= links.at_ms
"""


def millis(value: datetime) -> int:
    """Milliseconds since the epoch (the read model's time columns)."""
    return int(value.timestamp() * 1000)


def family_key(raw: str | None) -> str | None:
    """Family name folded for search: upper case, no accents, spaces or punctuation."""
    folded = fold(raw).replace(" ", "") if raw else ""
    return folded or None


def given_key(raw: str | None) -> str | None:
    """First given name folded for search."""
    folded = fold(raw).split() if raw else []
    return folded[0] if folded else None


def source_key(entry: TimelineEntry) -> str:
    """The source person key of an entry's event: the person in their source."""
    src, subject = entry.event.source, entry.event.subject
    return source_person_key(src.agency_kind, src.org_code, src.system, subject.source_person_id)


# A child's entries repeat the same identifiers: checking each once keeps projection fast.
_nhs = lru_cache(maxsize=65536)(normalise_nhs_number)
_upn = lru_cache(maxsize=65536)(normalise_upn)


def _subject_columns(subject: Subject) -> dict[str, Any]:
    dob = subject.date_of_birth
    return {
        "nhs": _nhs(subject.nhs_number),
        "upn": _upn(subject.upn),
        "given_norm": given_key(subject.given_name),
        "family_norm": family_key(subject.family_name),
        "dob": dob.isoformat() if dob else None,
    }


def entry_row(entry: TimelineEntry) -> dict[str, Any]:
    """The ``entries`` row of an entry: order, filter and search columns, and its JSON."""
    event = entry.event
    return {
        "entry_id": entry.entry_id,
        "child_id": entry.child_id,
        "occurred_ms": millis(event.occurred_at),
        "recorded_ms": millis(event.recorded_at),
        "published_ms": millis(entry.published_at),
        "agency": event.source.agency_kind.value,
        "category": event.category.value,
        "event_type": event.event_type.value,
        "src_key": source_key(entry),
        **_subject_columns(event.subject),
        "body": entry.model_dump_json(),
    }


def apply_entry(conn: sqlite3.Connection, entry: TimelineEntry) -> None:
    """Upsert one entry by ``entry_id`` (a newer ``published_at`` wins; replays are no-ops)."""
    if conn.execute(_UPSERT_ENTRY, entry_row(entry)).rowcount:  # an older copy changes nothing
        apply_marks(conn, entry)


def apply_link(conn: sqlite3.Connection, link: IdentityLink) -> None:
    """Upsert one identity link by key (the later ``at`` wins)."""
    conn.execute(
        _UPSERT_LINK,
        {
            "key": link.key, "child_id": link.child_id, "kind": link.kind,
            "merged_into": link.merged_into if link.kind == "MERGE" else None,
            "at_ms": millis(link.at), "body": link.model_dump_json(),
        },
    )  # fmt: skip


def apply_link_tombstone(conn: sqlite3.Connection, key: str) -> None:
    """A deleted key on the compacted links topic: forget it (and any redirect it made)."""
    conn.execute("DELETE FROM links WHERE key = ?", (key,))


def apply_alert(conn: sqlite3.Connection, alert: Alert) -> None:
    """Keep an alert once by ``alert_id`` (a re-sent alert is the same alert)."""
    conn.execute(
        "INSERT OR IGNORE INTO alerts (alert_id, child_id, kind, raised_ms, body)"
        " VALUES (?, ?, ?, ?, ?)",
        (alert.alert_id, alert.child_id, alert.kind.value, millis(alert.raised_at),
         alert.model_dump_json()),
    )  # fmt: skip
