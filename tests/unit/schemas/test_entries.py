"""`TimelineWriter` writes exactly the bytes of the generic serde path for every kind of entry.

The reference is what the pipeline did before the writer existed: a ``TimelineEntry`` built
with ``model_construct``, ``timeline_entry_avro`` with the event's bytes, ``Serde.encode``.
"""

from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO

import pytest
from fastavro import schemaless_writer

from hub.models import (
    ExplanationItem,
    MatchExplanation,
    MatchInfo,
    Provenance,
    TimelineEntry,
)
from hub.models.timeline import EntryFlag
from schemas.catalogue import TIMELINE_ENTRY
from schemas.entries import _long
from schemas.serde import TimelineWriter, decode, default_serde, timeline_entry_avro

EXPLAINED = MatchExplanation(
    prior=-9.5, items=(
        ExplanationItem(comparison="dob", level="exact", weight=7.25, sentence="Same date."),
        ExplanationItem(comparison="name", level="jaro≥0.9", weight=-1.0, sentence="Zoë ≈ Zoe"),
    ), tf_adjustment=0.125, total=12.0, probability=0.999, model_version="m-2",
)  # fmt: skip
MATCHES = [
    MatchInfo(outcome="LINK_IDENTIFIER", rule="source_person"),
    MatchInfo(outcome="NEW_CHILD", rule="new"),
    MatchInfo(outcome="LINK_SCORE", rule="score", score=14.5, model_version="m-1"),
    MatchInfo(outcome="REVIEW", rule="score", score=-0.5, explanation=EXPLAINED),
    MatchInfo(
        outcome="REVIEW",
        rule="score",
        score=3.0,
        model_version="m",
        explanation=EXPLAINED.model_copy(update={"items": ()}),
    ),
]
FLAGS = [
    (),
    (EntryFlag.NHS_NUMBER_INVALID,),
    (EntryFlag.UPN_INVALID, EntryFlag.IDENTIFIER_CONFLICT),
]
WHEN = [
    datetime(2026, 9, 1, 12, 30, 15, 999_999, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500_500, tzinfo=UTC),  # before the epoch
    datetime(2025, 3, 30, 1, 0, 0, 1_000, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2025, 3, 30, 1, 0, 0, 1_000),  # naive: the generic path's local time
]


def _reference(values: tuple, event: bytes) -> bytes:
    entry_id, child_id, summary, where, match, flags, at = values
    event_id, topic, partition, offset = where
    provenance = Provenance.model_construct(
        event_id=event_id, topic=topic, partition=partition, offset=offset, match=match
    )
    entry = TimelineEntry.model_construct(
        entry_id=entry_id, child_id=child_id, event=None, summary=summary,
        provenance=provenance, flags=flags, published_at=at,
    )  # fmt: skip
    return default_serde().encode(TIMELINE_ENTRY, timeline_entry_avro(entry, event))


def _cases() -> list[tuple]:
    cases = []
    for i, match in enumerate(MATCHES):
        for j, flags in enumerate(FLAGS):
            for k, at in enumerate(WHEN):
                where = (f"ev-{i}", f"send.ingest.é{j}", k, 10 ** (i + j + k) - 1)
                summary = "Joined a school roll (6)" if k % 2 else "Zoë's review — held"
                cases.append((f"e-{i}-{j}-{k}", f"C{i:012x}", summary, where, match, flags, at))
    return cases


@pytest.mark.parametrize("values", _cases())
def test_same_bytes_as_the_generic_serde(values: tuple) -> None:
    writer = TimelineWriter(default_serde())
    entry_id, child_id, summary, where, match, flags, at = values
    event = bytes(range(256)) * 3  # long enough for a two-byte length
    got = writer.encode(entry_id, child_id, event, summary, where, match, flags, at)
    assert got == _reference(values, event)
    again = writer.encode(entry_id, child_id, event, summary, where, match, flags, at)
    assert again == got  # from the caches this time
    assert decode(got).record["event"] == event


def test_an_unpinned_schema_version_uses_the_generic_writer() -> None:
    writer = TimelineWriter(default_serde())
    writer.fast = False
    values = _cases()[7]
    entry_id, child_id, summary, where, match, flags, at = values
    got = writer.encode(entry_id, child_id, b"ev", summary, where, match, flags, at)
    assert got == _reference(values, b"ev")


def test_the_pinned_version_is_the_current_one() -> None:
    assert TimelineWriter(default_serde()).fast, "timeline_entry changed: update schemas.entries"


def test_longs_are_fastavros_varints() -> None:
    values = [*range(-20_000, 20_000, 7), 2**40, -(2**40), 2**63 - 1, -(2**63)]
    for n in values:
        out = BytesIO()
        schemaless_writer(out, "long", n)
        assert _long(n) == out.getvalue(), n
