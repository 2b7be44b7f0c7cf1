"""`IndexMatcher` plugs the matcher into resolve.py's Matcher protocol."""

from datetime import date

from hub.identity.matcher import IndexMatcher, person_from_event

SOURCE = {"agency_kind": "HEALTH", "org_code": "RW5", "system": "SystmOne"}


def event(person_id: str, **subject: object) -> dict:
    base = {
        "source_person_id": person_id,
        "given_name": "Oliver",
        "family_name": "Hartley",
        "date_of_birth": date(2015, 3, 7),
        "sex": "MALE",
        "postcode": "PR1 2AB",
    }
    return {"source": SOURCE, "subject": base | subject}


def test_subject_becomes_a_record_keyed_by_source() -> None:
    record = person_from_event(event("p1", sex="UNKNOWN"))
    assert record.record_id == "src:HEALTH:RW5:SystmOne:p1"
    assert record.local_id == "p1" and record.date_of_birth == date(2015, 3, 7)


def test_propose_after_observe() -> None:
    matcher = IndexMatcher()
    assert matcher.propose(event("p1"), keys=None) is None  # type: ignore[arg-type]
    matcher.observe("child-1", event("p1"))
    proposal = matcher.propose(event("p2", family_name="Hartely"), keys=None)  # type: ignore[arg-type]
    assert proposal is not None
    assert proposal.outcome == "LINK_SCORE" and proposal.child_id == "child-1"
    assert proposal.model_version and proposal.score is not None
    review = matcher.propose(event("p3", given_name=None), keys=None)  # type: ignore[arg-type]
    assert review is not None and review.outcome == "REVIEW"
    assert matcher.decide(event("p2")).explanation
