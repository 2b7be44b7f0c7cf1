"""Intake validation: implausible dates are rejected, bad identifiers are flagged, not trusted."""

from datetime import date, datetime, timedelta

from hub.intake.validate import Accepted, Rejected, validate
from hub.models.timeline import EntryFlag
from tests.unit.intake.events import NOW, VALID_NHS, VALID_UPN, event_dict


def test_a_clean_event_is_accepted_with_its_keys() -> None:
    result = validate(event_dict(nhs=VALID_NHS, upn=VALID_UPN), NOW)
    assert isinstance(result, Accepted)
    assert result.keys.source == "src:EDUCATION:ORG1:SIMS:p1"
    assert (result.keys.nhs_number, result.keys.upn) == (VALID_NHS, VALID_UPN)
    assert result.flags == ()


def test_nhs_number_with_spaces_is_normalised() -> None:
    result = validate(event_dict(nhs="943 476 5919"), NOW)
    assert isinstance(result, Accepted) and result.keys.nhs_number == VALID_NHS


def test_invalid_identifiers_are_flagged_and_dropped_from_matching() -> None:
    result = validate(event_dict(nhs="9434765918", upn="H801200001002"), NOW)
    assert isinstance(result, Accepted)
    assert result.keys.nhs_number is None and result.keys.upn is None
    assert set(result.flags) == {EntryFlag.NHS_NUMBER_INVALID, EntryFlag.UPN_INVALID}


def test_temporary_upn_is_valid_but_not_a_link_key() -> None:
    from hub.identifiers import make_upn

    temporary = make_upn(801, 2000, 24, 5, True)
    result = validate(event_dict(upn=temporary), NOW)
    assert isinstance(result, Accepted) and result.keys.upn is None and result.flags == ()


def test_future_event_is_rejected() -> None:
    result = validate(event_dict(occurred=NOW + timedelta(days=3)), NOW)
    assert isinstance(result, Rejected) and result.reason == "future_date"


def test_small_clock_skew_is_tolerated() -> None:
    occurred = NOW + timedelta(hours=2)
    assert isinstance(validate(event_dict(occurred=occurred, recorded=occurred), NOW), Accepted)


def test_event_before_1990_is_rejected() -> None:
    result = validate(event_dict(occurred=datetime(1985, 1, 1, tzinfo=NOW.tzinfo)), NOW)
    assert isinstance(result, Rejected) and result.reason == "date_too_early"


def test_event_occurring_long_after_it_was_recorded_is_rejected() -> None:
    occurred = NOW - timedelta(days=1)
    result = validate(event_dict(occurred=occurred, recorded=occurred - timedelta(days=30)), NOW)
    assert isinstance(result, Rejected) and result.reason == "occurred_after_recorded"


def test_nothing_identifying_the_subject_is_rejected() -> None:
    result = validate(event_dict(person=" ", nhs="123"), NOW)
    assert isinstance(result, Rejected) and result.reason == "no_identifier"


def test_blank_person_id_with_a_valid_nhs_number_is_accepted() -> None:
    result = validate(event_dict(person="", nhs=VALID_NHS), NOW)
    assert isinstance(result, Accepted)
    assert result.keys.source is None and result.keys.first_key() == f"nhs:{VALID_NHS}"


def test_implausible_date_of_birth_is_flagged() -> None:
    result = validate(event_dict(dob=date(1970, 1, 1)), NOW)
    assert isinstance(result, Accepted)
    assert result.flags == (EntryFlag.DATE_OF_BIRTH_IMPLAUSIBLE,)
