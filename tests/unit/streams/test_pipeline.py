"""The batch pipeline without Kafka: entries, duplicates, dead letters, restart from state."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from hub.config import Settings
from hub.models import (
    AgencyKind,
    DeadLetter,
    PupilEnrolled,
    Source,
    Subject,
    TimelineEntry,
    build_event,
)
from hub.timeline.buckets import TimelineItem
from schemas.serde import decode_model, encode_model
from streams.pipeline import BatchResult, Pipeline, Raw
from streams.topics import hub_topics

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
TOPICS = hub_topics(Settings(topic_prefix="t"))
EDU = "t.ingest.education"


class MemoryLoader:
    """State saved from earlier batches (what the worker's tables would hold)."""

    def __init__(self) -> None:
        self.dedupe: dict[int, dict[int, list[str]]] = {}
        self.buckets: dict[tuple[int, str], list[TimelineItem]] = {}

    def dedupe_buckets(self, partition: int) -> Iterable[tuple[int, list[str]]]:
        return sorted(self.dedupe.get(partition, {}).items())

    def timeline_bucket(self, partition: int, key: str) -> list[TimelineItem] | None:
        return self.buckets.get((partition, key))

    def save(self, result: BatchResult) -> None:
        for partition, changes in result.changes.items():
            held = self.dedupe.setdefault(partition, {})
            held.update(changes.dedupe)
            for number in changes.dedupe_evicted:
                held.pop(number, None)
            for key, items in changes.timeline.items():
                self.buckets[(partition, key)] = list(items)


def _event(record: str, person: str, days_ago: int, nhs: str | None = None) -> bytes:
    occurred = NOW - timedelta(days=days_ago)
    event = build_event(
        PupilEnrolled(urn="100001", entry_date=date(2024, 9, 1)),
        source=Source(
            agency_kind=AgencyKind.EDUCATION, org_code="ORG1", system="SIMS",
            source_record_id=record, record_version=1,
        ),
        subject=Subject(source_person_id=person, nhs_number=nhs),
        occurred_at=occurred,
        recorded_at=occurred + timedelta(hours=1),
    )  # fmt: skip
    return encode_model(event)


def _raws(values: list[bytes], start: int = 0) -> list[Raw]:
    return [Raw(EDU, 0, start + i, 1_700_000_000_000, b"k", v) for i, v in enumerate(values)]


def _entries(result: BatchResult) -> list[TimelineEntry]:
    out = [decode_model(value) for _, value in result.timeline]
    assert all(isinstance(e, TimelineEntry) for e in out)
    return out  # type: ignore[return-value]


def test_events_become_entries_with_provenance_and_duplicates_are_dropped() -> None:
    pipeline = Pipeline(TOPICS, MemoryLoader())
    values = [_event("r1", "p1", 5), _event("r2", "p1", 9), _event("r1", "p1", 5)]
    result = pipeline.process(_raws(values), NOW)
    entries = _entries(result)
    assert len(entries) == 2 and result.counts[("duplicate", "EDUCATION")] == 1
    assert entries[0].child_id == entries[1].child_id
    assert entries[0].provenance.topic == EDU and entries[0].provenance.offset == 0
    assert entries[0].summary == "Joined a school roll"
    assert {k for k, _ in result.links} == {b"src:EDUCATION:ORG1:SIMS:p1"}


def test_bad_bytes_and_implausible_dates_are_dead_lettered_with_origin() -> None:
    pipeline = Pipeline(TOPICS, MemoryLoader())
    values = [b"\x00\x01garbage", _event("r9", "p2", -30), _event("r3", "p2", 1)]
    result = pipeline.process(_raws(values, start=40), NOW)
    letters = [DeadLetter.model_validate(decode_model(v)) for _, v in result.deadletters]
    reasons = {(d.reason, d.source_offset) for d in letters}
    assert reasons == {("decode", 40), ("future_date", 41)}
    assert letters[0].original_value == values[0]
    assert len(result.timeline) == 1


def test_restart_from_persisted_state_duplicates_nothing() -> None:
    loader = MemoryLoader()
    first = Pipeline(TOPICS, loader)
    values = [_event(f"r{i}", f"p{i % 3}", i) for i in range(10)]
    loader.save(first.process(_raws(values), NOW))
    second = Pipeline(TOPICS, loader)  # restarted: same loader, empty memory
    again = second.process(_raws(values), NOW)
    assert again.timeline == [] and again.counts[("duplicate", "EDUCATION")] == 10


def test_timeline_catches_duplicates_beyond_the_dedupe_window() -> None:
    loader = MemoryLoader()
    pipeline = Pipeline(TOPICS, loader, dedupe_bucket_size=1, dedupe_buckets=1)
    values = [_event("r1", "p1", 3), _event("r2", "p1", 4), _event("r1", "p1", 3)]
    result = pipeline.process(_raws(values), NOW)
    assert len(result.timeline) == 2 and result.counts[("duplicate", "EDUCATION")] == 1


def _bucket_after_trim(keep_pending: bool) -> list[str]:
    """A child's bucket as the second batch persists it, after a trim between the batches."""
    loader = MemoryLoader()
    pipeline = Pipeline(TOPICS, loader)
    first = pipeline.process(_raws([_event("r1", "p1", 3)]), NOW)  # committing, not stored
    pending = {0: set(first.changes[0].timeline)}
    pipeline.trim(0, pending if keep_pending else None)  # a cache of no buckets at all
    second = pipeline.process(_raws([_event("r2", "p1", 2)], start=1), NOW)
    (items,) = second.changes[0].timeline.values()
    return [item.entry_id for item in items]


def test_a_trim_keeps_buckets_whose_batch_is_not_stored_yet() -> None:
    # Evicted while batch 1's transaction was still committing, the bucket would reload from
    # the store without batch 1's entry, and batch 2's changelog record would drop it.
    assert len(_bucket_after_trim(keep_pending=True)) == 2
    assert len(_bucket_after_trim(keep_pending=False)) == 1  # what the pending set prevents


def test_revoked_partition_state_is_reloaded_not_trusted() -> None:
    loader = MemoryLoader()
    pipeline = Pipeline(TOPICS, loader)
    pipeline.process(_raws([_event("r1", "p1", 3)]), NOW)  # processed, state not saved
    pipeline.forget([0])
    assert 0 not in pipeline.windows and 0 not in pipeline.timelines
    again = pipeline.process(_raws([_event("r1", "p1", 3)]), NOW)
    assert len(again.timeline) == 1  # reloaded from the (empty) tables: republished, same id
