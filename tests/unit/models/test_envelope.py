"""Envelope behaviour producers and consumers rely on: deterministic ids, catalogue
defaults, payload/type agreement, UTC millisecond timestamps, JSON input."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from hub import models as m
from hub.models import EventType as T
from tests.unit.models import samples


def test_event_id_is_deterministic_uuid5() -> None:
    first = m.make_event_id("119000/SIMS", "rec-42", 3)
    assert first == m.make_event_id("119000/SIMS", "rec-42", 3)
    assert uuid.UUID(first).version == 5
    assert first == "c55a355d-f3f7-5b43-952c-e36465dc6479"  # pinned: ids must never change


@pytest.mark.parametrize(
    "other",
    [
        ("119000/SIMS", "rec-42", 4),
        ("119000/SIMS", "rec-43", 3),
        ("119001/SIMS", "rec-42", 3),
        ("119000/SIMS\x1frec-42", "", 3),
    ],
)
def test_event_id_changes_with_any_part(other: tuple[str, str, int]) -> None:
    assert m.make_event_id(*other) != m.make_event_id("119000/SIMS", "rec-42", 3)


def test_resent_record_gets_the_same_event_id() -> None:
    first = samples.sample_event(T.PupilEnrolled)
    again = m.build_event(
        samples.PAYLOADS[T.PupilEnrolled],
        source=first.source,
        subject=first.subject,
        occurred_at=samples.AT,
        recorded_at=samples.AT + timedelta(days=1),
    )
    assert again.event_id == first.event_id == first.source.event_id()


@pytest.mark.parametrize("event_type", list(T), ids=str)
def test_build_event_applies_catalogue_defaults(event_type: T) -> None:
    event, info = samples.sample_event(event_type), m.EVENT_TYPES[event_type]
    assert event.event_type is event_type
    assert (event.sensitivity, event.category, event.purpose) == (
        info.sensitivity,
        info.category,
        info.purpose,
    )
    assert event.schema_version == m.EVENT_SCHEMA_VERSION


def test_social_care_and_safeguarding_are_tier_4() -> None:
    assert m.EVENT_TYPES[T.CPPlanStarted].category is m.DataCategory.SAFEGUARDING
    assert all(
        i.sensitivity is m.Sensitivity.T4_SOCIAL_CARE
        for i in m.EVENT_TYPES.values()
        if i.agency_kind is m.AgencyKind.SOCIAL_CARE
    )


def test_build_event_overrides() -> None:
    event = m.build_event(
        samples.PAYLOADS[T.EHCNARequested],
        source=samples.SOURCES[m.AgencyKind.LOCAL_AUTHORITY],
        subject=samples.subject(),
        occurred_at=samples.AT,
        recorded_at=samples.AT,
        purpose=m.Purpose.STATUTORY_RETURN,
    )
    assert event.purpose is m.Purpose.STATUTORY_RETURN


def test_payload_must_match_event_type() -> None:
    record = samples.sample_event(T.PupilLeft).model_dump()
    with pytest.raises(ValidationError, match="does not match"):
        m.Event.model_validate(
            {**record, "payload": samples.PAYLOADS[T.Exclusion], "event_type": T.PupilLeft}
        )


def test_payload_dict_is_typed_by_event_type() -> None:
    record = samples.sample_event(T.Diagnosis).model_dump()
    event = m.Event.model_validate(record)
    assert isinstance(event.payload, m.Diagnosis)
    with pytest.raises(ValidationError):
        m.Event.model_validate({**record, "event_type": "NoSuchEvent"})
    with pytest.raises(ValidationError, match=r"payload\.Diagnosis\.snomed_code"):
        m.Event.model_validate({**record, "payload": {**record["payload"], "snomed_code": "x"}})


def test_event_type_is_derived_from_a_payload_instance() -> None:
    record = samples.sample_event(T.CINPlanStarted).model_dump()
    del record["event_type"]
    record["payload"] = samples.PAYLOADS[T.CINPlanStarted]
    assert m.Event.model_validate(record).event_type is T.CINPlanStarted


def test_timestamps_are_utc_milliseconds_and_must_be_aware() -> None:
    record = samples.sample_event(T.PupilLeft).model_dump()
    plus_one = timezone(timedelta(hours=1))
    event = m.Event.model_validate(
        {**record, "occurred_at": datetime(2025, 6, 1, 10, 0, 0, 123_987, tzinfo=plus_one)}
    )
    assert event.occurred_at == datetime(2025, 6, 1, 9, 0, 0, 123_000, tzinfo=UTC)
    assert event.occurred_at.tzinfo is UTC
    with pytest.raises(ValidationError):
        m.Event.model_validate({**record, "occurred_at": datetime(2025, 6, 1, 10, 0)})


def test_json_round_trip_for_the_http_api() -> None:
    event = samples.sample_event(T.HealthReview2Year)
    assert m.Event.model_validate_json(event.model_dump_json()) == event


def test_events_are_immutable() -> None:
    event = samples.sample_event(T.PupilLeft)
    with pytest.raises(ValidationError):
        event.case_id = "other"  # type: ignore[misc]


def test_subject_verification_flag() -> None:
    assert samples.subject().nhs_number_is_verified
    assert not m.Subject(source_person_id="x").nhs_number_is_verified
    assert m.NHS_NUMBER_STATUS_CODES["01"] is m.NhsNumberStatus.NUMBER_PRESENT_AND_VERIFIED
    assert m.NHS_NUMBER_STATUS_CODES["08"] is m.NhsNumberStatus.TRACE_POSTPONED_BABY_UNDER_SIX_WEEKS
