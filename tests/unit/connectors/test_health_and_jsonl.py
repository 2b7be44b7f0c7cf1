"""FHIR Bundles from health systems and JSON lines of contract events."""

import pytest

from connectors import make_adapter
from connectors.records import FileRejected
from tests.unit.connectors.helpers import FIXTURES, read


def test_fhir_bundle_events_and_rejects() -> None:
    result = read("health", "health_bundle.json", system="SystmOne")
    assert result.types() == [
        "HealthReferralMade",
        "HealthReferralAccepted",
        "AppointmentAttended",
        "AppointmentWasNotBrought",
        "Diagnosis",
        "HealthReview2Year",
        "HealthAdviceForEHC",
    ]
    assert result.rejects() == [
        (2, "Patient.identifier"),  # invalid NHS number on the Patient itself
        (9, "Encounter.serviceType"),  # unknown treatment function code
        (11, "Condition.code"),  # ICD-10, not SNOMED CT
        (12, "Patient.identifier"),  # refers to the Patient with the bad NHS number
        (14, "Observation.interpretation"),  # ASQ-3 score above 60
        (16, "Appointment.subject"),  # patient not in the bundle
    ]
    assert [s.row for s in result.skipped] == [1, 3, 8]  # patient, organisation, booked


def test_fhir_subject_comes_from_the_uk_core_patient() -> None:
    event = read("health", "health_bundle.json").events[0]
    subject = event.subject
    assert subject.nhs_number == "9993395633"
    assert subject.nhs_number_is_verified
    assert (subject.given_name, subject.family_name) == ("Alfred", "Wells")
    assert subject.other_names == ("Alfie",)
    assert subject.postcode == "LA3 9UU"
    assert event.source.org_code == "RW5"
    assert event.payload.service.value == "SALT"


def test_fhir_review_and_advice_payloads() -> None:
    events = {e.event_type.value: e for e in read("health", "health_bundle.json").events}
    review = events["HealthReview2Year"].payload
    assert review.asq3.communication == 20 and review.outcome.value == "MONITOR"
    assert review.age_months == 26
    advice = events["HealthAdviceForEHC"]
    assert advice.clock_id == "R000001"
    assert advice.payload.provided_date.isoformat() == "2025-12-15"
    assert events["Diagnosis"].payload.snomed_code == "35919005"


def test_broken_json_bundle_is_rejected_whole() -> None:
    with pytest.raises(FileRejected) as caught:
        list(make_adapter("health").read(FIXTURES / "health_broken.json"))
    assert caught.value.error.reason.startswith("broken JSON")


def test_json_lines_of_contract_events() -> None:
    result = read("jsonl", "events.jsonl")
    assert result.types() == ["EHCNARequested", "EHCAssessDecision", "EHCNARequested"]
    assert result.rejects() == [
        (3, ""),  # broken JSON
        (4, "subject.nhs_number"),
        (6, "event_id"),  # not the deterministic id of its source record
        (7, "event_type"),
        (9, ""),  # not an object
    ]
    # A line without an event_id gets the deterministic one: the same as line 1.
    assert result.events[2].event_id == result.events[0].event_id
