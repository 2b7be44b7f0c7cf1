"""`judge` and `involved`: who may re-link children, and the unmerge's second reviewer."""

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.identity.involvement import Partnership, PartnershipGroup, involved, org_of_key
from hub.identity.trust import Refusal, judge
from hub.models import AgencyKind, IdentityReviewDecision, LinkDecision, RecordRef
from hub.models.caller import CallerRole, Reviewer

NOW = datetime(2026, 2, 1, 10, tzinfo=UTC)
ALICE = Reviewer(subject="alice", org="888", org_kind=AgencyKind.LOCAL_AUTHORITY,
                 role=CallerRole.EHC_COORD)  # fmt: skip
BOB = ALICE.model_copy(update={"subject": "bob"})
GROUP = PartnershipGroup(name="pilot", organisations=frozenset({"888", "RW5"}))
PILOT = Partnership(groups=(GROUP,))


def _unmerge(**changes: Any) -> IdentityReviewDecision:
    ref = RecordRef(agency_kind=AgencyKind.HEALTH, org_code="RW5", system="SystmOne",
                    source_person_id="p9")  # fmt: skip
    fields = {"review_id": "U" + "2" * 32, "records": (ref,), "child_id": "c-1",
              "decision": LinkDecision.UNMERGE, "decided_by": "alice", "decided_at": NOW,
              "reason": "two people", "reviewer": ALICE, "approver": BOB}  # fmt: skip
    return IdentityReviewDecision(**(fields | changes))


def _everyone(person: Reviewer, child: str) -> bool:
    return True


def test_an_unmerge_approved_by_a_second_reviewer_is_accepted() -> None:
    verdict = judge(_unmerge(), None, None, _everyone)
    assert verdict.accepted and verdict.children == ("c-1",)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"approver": None}, Refusal.UNAPPROVED), ({"approver": ALICE}, Refusal.UNAPPROVED),
     ({"approver": BOB.model_copy(update={"role": CallerRole.OPS})}, Refusal.ROLE),
     ({"child_id": None}, Refusal.WRONG_PAIR), ({"reviewer": None}, Refusal.UNSIGNED)],
)  # fmt: skip
def test_an_unmerge_without_a_distinct_second_reviewer_is_refused(
    changes: dict[str, Any], reason: Refusal
) -> None:
    assert judge(_unmerge(**changes), None, None, _everyone).refusal is reason


def test_an_unmerge_needs_both_people_involved_with_the_child() -> None:
    def only_alice(person: Reviewer, child: str) -> bool:
        return person.subject == "alice"

    verdict = judge(_unmerge(), None, None, only_alice)
    assert verdict.refusal is Refusal.UNINVOLVED and "888" in verdict.why


def test_involvement_is_direct_or_through_a_partnership_group() -> None:
    assert involved(None, "888", {"888", "RXL"})  # holds a record of the child itself
    assert not involved(None, "888", {"RW5"})  # no membership file: direct only
    assert involved(PILOT, "888", {"RW5"})
    assert not involved(PILOT, "999", {"RW5"})  # another authority
    assert not involved(PILOT, "888", {"RXL"})  # a child known only outside the group
    assert not involved(PILOT, "888", set())
    demo = Partnership(groups=(PartnershipGroup(name="demo", organisations=frozenset({"*"})),))
    assert involved(demo, "999", {"RXL"})


@pytest.mark.parametrize(
    ("key", "org"),
    [("src:HEALTH:RW5:SystmOne:p1", "RW5"), ("src:EDUCATION:100001:SIMS:a:b", "100001"),
     ("nhs:9434765919", None), ("child:c-1", None), ("src:HEALTH:RW5", None)],
)  # fmt: skip
def test_the_organisation_of_a_source_key(key: str, org: str | None) -> None:
    assert org_of_key(key) == org
