"""Round trips through the single-object encoding compare exact bytes.

Every event type (so every agency kind), the consent record and the review decision are
built from pydantic models, encoded, decoded, and re-encoded to identical bytes; a golden
hex pins the encoding of one event so an accidental change to the wire format fails.
"""

from datetime import UTC, datetime

import pytest

from hub.models import (
    EVENT_TYPES,
    AgencyKind,
    ConsentRecord,
    Event,
    EventType,
    IdentityReviewDecision,
)
from schemas import serde
from schemas.catalogue import CONSENT_RECORD, EVENT, IDENTITY_REVIEW_DECISION, default_catalogue
from tests.unit.models import samples

GOLDEN_PUPIL_ENROLLED = (
    "c3015574e627c08a558d4863353561333535642d663366372d356234332d393532632d653336343635646336"
    "3437390006a4f59aaf8765a4f59aaf8765000c3131393030300853494d530c7265632d3432060c502d313030"
    "310214393433343736353931390200021a42383031323030303035303031021a413830313230303030353030"
    "320214393237363330383638360206416461020e4578616d706c65040a477261636510546573746361736500"
    "02c898020202020e50523120324142022c312054657374205374726565742c2050726573746f6e020200020c"
    "434153452d37020e434c4f434b2d37000c313139303030fcb9020202520202"
)


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_every_event_type_round_trips_to_identical_bytes(event_type: EventType) -> None:
    event = samples.sample_event(event_type)
    data = serde.encode_model(event)
    decoded = serde.decode_model(data)
    assert decoded == event
    assert serde.encode_model(decoded) == data


@pytest.mark.parametrize("kind", list(samples.SOURCES), ids=str)
def test_each_agency_kind_round_trips_via_plain_dicts(kind: AgencyKind) -> None:
    (event_type, *_) = [t for t in EventType if EVENT_TYPES[t].agency_kind is kind]
    data = serde.encode_model(samples.sample_event(event_type))
    subject, version, record = serde.decode(data)
    assert (subject, version) == (EVENT, default_catalogue().current(EVENT).version)
    assert record["event_type"] == event_type.value
    assert record["source"]["agency_kind"] == kind
    assert serde.encode(subject, record) == data


@pytest.mark.parametrize(
    ("build", "subject"),
    [(samples.consent_record, CONSENT_RECORD), (samples.review_decision, IDENTITY_REVIEW_DECISION)],
)
def test_consent_and_review_records_round_trip(build: object, subject: str) -> None:
    model = build()  # type: ignore[operator]
    data = serde.encode_model(model)
    assert serde.peek(data).subject == subject
    decoded = serde.decode_model(data)
    assert isinstance(decoded, ConsentRecord | IdentityReviewDecision)
    assert decoded == model
    assert serde.encode_model(decoded) == data


def test_golden_bytes_of_one_event() -> None:
    data = serde.encode_model(samples.sample_event(EventType.PupilEnrolled))
    assert data.hex() == GOLDEN_PUPIL_ENROLLED
    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == default_catalogue().current(EVENT).fingerprint


def test_decode_event_returns_the_event_model() -> None:
    event = samples.sample_event(EventType.CPPlanStarted)
    assert serde.decode_event(serde.encode_model(event)) == event


def test_v1_bytes_are_read_as_the_current_version() -> None:
    event = samples.sample_event(EventType.AttendanceSummary)
    v1_bytes = serde.encode_model(event.model_copy(update={"schema_version": 1}), version=1)
    assert serde.peek(v1_bytes).version == 1
    subject, version, record = serde.decode(v1_bytes)
    assert (subject, version) == (EVENT, 3)
    # v1 had no late_sessions: the current reader fills in its default.
    assert record["payload"]["late_sessions"] is None
    assert record["payload"]["attended_sessions"] == 7


def test_current_bytes_can_be_read_at_v1() -> None:
    data = serde.encode_model(samples.sample_event(EventType.AttendanceSummary))
    subject, version, record = serde.decode(data, reader_version=1)
    assert (subject, version) == (EVENT, 1)
    assert "late_sessions" not in record["payload"]


def test_timestamps_keep_milliseconds_in_utc() -> None:
    event = samples.sample_event(EventType.PupilLeft)
    decoded = serde.decode_event(serde.encode_model(event))
    assert decoded.recorded_at == datetime(2025, 1, 6, 9, 30, 15, 250_000, tzinfo=UTC)
    assert decoded.recorded_at.utcoffset() is not None


def test_to_avro_and_from_avro_are_inverse() -> None:
    event = samples.sample_event(EventType.EHCFinalIssued)
    record = serde.to_avro(event)
    assert isinstance(record["payload"], dict)
    assert serde.from_avro(record) == event
    assert isinstance(serde.from_avro(record, EVENT), Event)
