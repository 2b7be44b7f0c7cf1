"""Consumed records into the read model, the audit record's schema, and the CLI commands."""

import sqlite3

import pytest
from kafka.consumer.fetcher import ConsumerRecord

from hub.auth import Caller
from hub.cli.main import main
from hub.models import AuditAction, AuditRecord
from hub.web.readmodel import queries as q
from hub.web.readmodel import store
from hub.web.readmodel.feeder import apply_record
from hub.web.sinks.audit import audit_record
from schemas.catalogue import AUDIT as AUDIT_SUBJECT
from schemas.catalogue import default_catalogue
from schemas.serde import decode, encode, encode_model, peek
from tests.unit.web.conftest import NOW
from tests.unit.web.factory import Person, entry, merge

TIMELINE, LINKS = "send.timeline", "send.identity.links"
A, B = "C00000000000a", "C00000000000b"


def _record(topic: str, value: bytes | None, key: bytes | None = None, offset: int = 0):
    return ConsumerRecord(topic, 0, -1, offset, 0, 0, key, value, [], None, 0, 0, 0)


def test_records_from_both_topics_are_applied(conn: sqlite3.Connection) -> None:
    e = entry(B, Person("P-1"))
    assert apply_record(conn, _record(TIMELINE, encode_model(e), B.encode()), TIMELINE)
    assert apply_record(conn, _record(LINKS, encode_model(merge(B, A))), TIMELINE)
    members = q.members_of(conn, q.survivor_of(conn, B))
    assert [r["entry_id"] for r in q.timeline_rows(conn, members, q.TimelineFilter(), None, 9)] == [
        e.entry_id
    ]
    tombstone = _record(LINKS, None, f"child:{B}".encode())
    assert apply_record(conn, tombstone, TIMELINE)
    assert q.survivor_of(conn, B) == B


@pytest.mark.parametrize(
    ("topic", "value"),
    [(TIMELINE, b"not avro"), (TIMELINE, b"\xc3\x01" + b"\x00" * 8), (LINKS, None)],
)
def test_undecodable_records_are_skipped_and_reported(
    conn: sqlite3.Connection, topic: str, value: bytes | None
) -> None:
    ok = apply_record(conn, _record(topic, value), TIMELINE)
    assert ok is (value is None)  # a keyless tombstone is harmless; bad bytes are not
    assert store.status(conn)["entries"] == 0


def test_a_link_on_the_timeline_topic_is_refused(conn: sqlite3.Connection) -> None:
    assert not apply_record(conn, _record(TIMELINE, encode_model(merge(B, A))), TIMELINE)


def test_offsets_are_stored_with_the_rows(conn: sqlite3.Connection) -> None:
    with store.transaction(conn):
        store.save_offsets(conn, {(TIMELINE, 0): 5, (LINKS, 3): 2})
    with store.transaction(conn):
        store.save_offsets(conn, {(TIMELINE, 0): 9})
    assert store.load_offsets(conn) == {(TIMELINE, 0): 9, (LINKS, 3): 2}


def test_the_audit_model_matches_its_schema(caller: Caller) -> None:
    schema = default_catalogue().current(AUDIT_SUBJECT).schema
    assert [f["name"] for f in schema["fields"]] == list(AuditRecord.model_fields)
    rec = audit_record(caller, A, AuditAction.TIMELINE, now=NOW, detail="first page", entries=3)
    decoded = decode(encode(AUDIT_SUBJECT, rec.model_dump()))
    assert decoded.subject == AUDIT_SUBJECT
    assert AuditRecord.model_validate(decoded.record) == rec


def test_review_actions_are_written_as_current_audit_and_older_records_still_read(
    caller: Caller,
) -> None:
    # v4 (the consent fields, break-glass and access-log actions) extends v3 (the worker's
    # DECISION_REFUSED records), which extends the web's v2 records.
    assert default_catalogue().current(AUDIT_SUBJECT).version == 4
    actions = (AuditAction.REVIEW_READ, AuditAction.REVIEW_DECISION, AuditAction.UNMERGE,
               AuditAction.BREAK_GLASS, AuditAction.ACCESS_LOG)  # fmt: skip
    for action in actions:
        rec = audit_record(caller, A, action, now=NOW, detail="queue", entries=1)
        decoded = decode(encode(AUDIT_SUBJECT, rec.model_dump()))
        assert decoded.version == 4 and AuditRecord.model_validate(decoded.record) == rec
    old = audit_record(caller, A, AuditAction.RECORD, now=NOW, detail="page", entries=2)
    for version in (1, 2, 3):
        old_bytes = encode(AUDIT_SUBJECT, old.model_dump(exclude={"shown", "withheld",
                                                                   "withheld_by", "bases"}),
                           version=version)  # fmt: skip
        assert peek(old_bytes).version == version
        read = decode(old_bytes)
        assert read.version == 4 and AuditRecord.model_validate(read.record) == old


def test_send_hub_web_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--help"]) == 0
    assert "--rebuild" in capsys.readouterr().out
