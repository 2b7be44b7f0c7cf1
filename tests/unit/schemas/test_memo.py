"""Decoding with a `DecodeMemo` gives exactly what decoding without one gives, errors included."""

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.errors import DecodeError
from hub.models import EventType
from schemas import serde
from schemas.catalogue import EVENT
from schemas.serde import DecodeMemo, default_serde
from tests.unit.models import samples

SERDE = default_serde()


def _outcome(data: bytes, memo: DecodeMemo | None, reader: int | None = None) -> tuple[Any, Any]:
    try:
        decoded = SERDE.decode(data, reader, memo)
    except DecodeError as exc:
        return type(exc), str(exc)
    record = decoded.record
    stamps = [(type(record[k]), record[k].tzinfo) for k in ("occurred_at", "recorded_at")]
    return decoded, stamps


def _same(data: bytes, memo: DecodeMemo, reader: int | None = None) -> None:
    assert _outcome(data, memo, reader) == _outcome(data, None, reader)


def _event(event_type: EventType, **subject: object) -> bytes:
    event = samples.sample_event(event_type)
    if subject:
        event = event.model_copy(update={"subject": event.subject.model_copy(update=subject)})
    return serde.encode_model(event)


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_every_event_type_reads_the_same_first_and_from_the_memo(event_type: EventType) -> None:
    memo = DecodeMemo()
    data = _event(event_type)
    for _ in range(2):  # the second time subject and tail come from the memo
        _same(data, memo)


def test_a_subject_that_shares_its_first_bytes_but_not_the_rest_is_not_taken() -> None:
    memo = DecodeMemo()
    first = _event(EventType.PupilLeft)
    moved = _event(EventType.PupilLeft, postcode="ZZ9 9ZZ", address="Elsewhere")
    _same(first, memo)
    _same(moved, memo)
    assert SERDE.decode(moved, None, memo).record["subject"]["postcode"] == "ZZ9 9ZZ"


def test_records_from_the_memo_are_separate_dicts() -> None:
    memo = DecodeMemo()
    data = _event(EventType.EHCNARequested)
    one, two = (SERDE.decode(data, None, memo).record for _ in range(2))
    assert one["subject"] is not two["subject"] and one["payload"] is not two["payload"]


def test_broken_bytes_raise_the_same_errors_after_the_memo_saw_good_ones() -> None:
    memo = DecodeMemo()
    good = _event(EventType.PupilEnrolled)
    _same(good, memo)
    event_type_at = 10 + 1 + len(samples.sample_event(EventType.PupilEnrolled).event_id)
    other_type = good[:event_type_at] + b"\x02" + good[event_type_at + 1 :]  # PupilLeft
    for broken in (good[:-1], good + b"\x00", good[:40], other_type, b"\xc3\x02" + good[2:]):
        _same(broken, memo)
        assert isinstance(_outcome(broken, memo)[0], type)  # each of them is an error


@pytest.mark.parametrize("version", [1, 2])
def test_older_versions_and_other_readers_read_the_same(version: int) -> None:
    memo = DecodeMemo()
    event = samples.sample_event(EventType.PupilEnrolled).model_copy(
        update={"schema_version": version}
    )
    data = serde.encode(EVENT, serde.to_avro(event), version)
    for reader in (None, version):
        _same(data, memo, reader)
        _same(data, memo, reader)


@pytest.mark.parametrize(
    "at",
    [
        datetime(1969, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),
        datetime(1990, 1, 1, tzinfo=UTC),
        datetime(2026, 9, 1, 12, 0, 0, 1_000, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),
    ],
)
def test_timestamps_are_the_datetimes_fastavro_makes(at: datetime) -> None:
    event = samples.sample_event(EventType.PupilLeft, occurred_at=at, recorded_at=at)
    _same(serde.encode_model(event), DecodeMemo())


def test_a_full_memo_starts_again_and_stays_right() -> None:
    memo = DecodeMemo(limit=2)
    data = [_event(EventType.PupilLeft, source_person_id=f"p{i}") for i in range(5)]
    for value in data * 2:
        _same(value, memo)
