"""The worker applies only decisions it can trust: every attack of the issue, refused.

A real pipeline raises a real review item; decisions go through `DecisionApplier.apply`, the
worker's own entry point, with a sender that keeps what would go to Kafka. A refusal must
change nothing, be counted on ``send_hub_identity_decisions_refused_total`` and be audited.
"""

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from hub.identity.involvement import Partnership, PartnershipGroup
from hub.identity.review import ReviewItem, apply_decision
from hub.models import AgencyKind, IdentityReviewDecision, LinkDecision, RecordRef
from hub.models.caller import CallerRole, Reviewer
from schemas.serde import decode, encode_model
from streams.identity import ReviewMatcher
from streams.pipeline import Pipeline
from streams.review_decisions import DecisionApplier
from tests.unit.streams.test_identity_review import NOW, TOPICS, _ambiguous, _decision

PILOT = PartnershipGroup(name="pilot", organisations=frozenset({"888", "ORG1", "ORG2"}))
PARTNERSHIP = Partnership(groups=(PILOT,))
ALICE = Reviewer(subject="alice", org="888", org_kind=AgencyKind.LOCAL_AUTHORITY,
                 role=CallerRole.EHC_COORD)  # fmt: skip
BOB = ALICE.model_copy(update={"subject": "bob", "role": CallerRole.DSCO})
STRANGER = Reviewer(subject="eve", org="999", org_kind=AgencyKind.SOCIAL_CARE, role=CallerRole.SW)


class KeptSender:
    """What the applier would produce, by topic (acknowledged at once)."""

    def __init__(self) -> None:
        self.sent: dict[str, list[tuple[bytes, bytes]]] = defaultdict(list)

    async def send(self, topic: str, messages: Sequence[tuple[bytes, bytes]]) -> list[Any]:
        self.sent[topic].extend(messages)
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return [done]


def _applier(pipeline: Pipeline, matcher: ReviewMatcher) -> tuple[DecisionApplier, KeptSender]:
    sender = KeptSender()
    applier = DecisionApplier(
        "unused:9092",
        TOPICS,
        "g",
        pipeline,
        matcher,
        sender,
        PARTNERSHIP,  # type: ignore[arg-type]
    )
    return applier, sender


def _signed(item: ReviewItem, decision: LinkDecision, who: Reviewer = ALICE,
            **changes: Any) -> IdentityReviewDecision:  # fmt: skip
    base = _decision(item, decision)
    return base.model_copy(update={"reviewer": who, "decided_by": who.subject, **changes})


def _refused(reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "send_hub_identity_decisions_refused_total", {"reason": reason}
    )
    return value or 0.0


def _apply(applier: DecisionApplier, decision: IdentityReviewDecision) -> None:
    asyncio.run(applier.apply(encode_model(decision)))


def _audited(sender: KeptSender) -> list[dict[str, Any]]:
    return [decode(value).record for _, value in sender.sent[TOPICS.audit]]


def _joined(pipeline: Pipeline, item: ReviewItem) -> bool:
    cw = pipeline.crosswalk
    return cw.root(item.provisional_child_id) == cw.root(item.candidate_child_id)


def _expect_refused(applier: DecisionApplier, sender: KeptSender, decision: IdentityReviewDecision,
                    reason: str) -> None:  # fmt: skip
    before, links = _refused(reason), len(sender.sent[TOPICS.links])
    _apply(applier, decision)
    assert _refused(reason) == before + 1
    assert len(sender.sent[TOPICS.links]) == links  # nothing published
    record = _audited(sender)[-1]
    assert record["action"] == "DECISION_REFUSED" and reason in record["detail"]
    assert record["channel"] == "worker"


def test_a_signed_link_by_an_involved_reviewer_is_applied() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    _apply(applier, _signed(item, LinkDecision.LINK))
    assert _joined(pipeline, item) and applier.applied == 1 and applier.refused == 0
    assert [r for _, r in sender.sent[TOPICS.review]]  # the DECIDED item is published


def test_a_forged_link_on_an_unknown_review_id_is_refused() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    forged = _signed(item, LinkDecision.LINK, review_id="R" + "f" * 16)
    _expect_refused(applier, sender, forged, "unknown_item")
    assert not _joined(pipeline, item)


def test_a_link_naming_another_child_under_a_real_item_is_refused() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    other = _signed(item, LinkDecision.LINK, child_id="c-someone-else")
    _expect_refused(applier, sender, other, "wrong_pair")
    assert not _joined(pipeline, item)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"reviewer": None}, "unsigned"), ({"decided_by": "mallory"}, "unsigned"),
     ({"reviewer": ALICE.model_copy(update={"role": CallerRole.HV})}, "role")],
)  # fmt: skip
def test_an_unsigned_or_unauthorised_link_is_refused(changes: dict[str, Any], reason: str) -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    _expect_refused(applier, sender, _signed(item, LinkDecision.LINK, **changes), reason)
    assert not _joined(pipeline, item)


def test_a_link_after_not_a_match_is_refused() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    _apply(applier, _signed(item, LinkDecision.NOT_A_MATCH))
    _expect_refused(applier, sender, _signed(item, LinkDecision.LINK, who=BOB), "already_decided")
    assert not _joined(pipeline, item)
    assert matcher.reviews[item.review_id].decision == "NOT_A_MATCH"


def test_two_web_instances_deciding_one_item_only_the_first_wins() -> None:
    # Both instances accepted their request and produced a decision keyed by the review id,
    # so both land, in order, on one partition: the worker applies the first only.
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    _apply(applier, _signed(item, LinkDecision.LINK))
    _expect_refused(applier, sender, _signed(item, LinkDecision.NOT_A_MATCH, who=BOB),
                    "already_decided")  # fmt: skip
    assert _joined(pipeline, item) and matcher.reviews[item.review_id].decided_by == "alice"
    assert item.review_id not in matcher.not_a_match


def test_a_link_replayed_after_an_unmerge_changes_nothing() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    link = _signed(item, LinkDecision.LINK)
    _apply(applier, link)
    ref = RecordRef(agency_kind=AgencyKind.EDUCATION, org_code="ORG2", system="SIMS",
                    source_person_id="q1")  # fmt: skip
    unmerge = IdentityReviewDecision(
        review_id="U" + "1" * 32, records=(ref,), child_id=pipeline.crosswalk.root(
            item.candidate_child_id), decision=LinkDecision.UNMERGE, decided_by="alice",
        decided_at=NOW + timedelta(hours=1), reason="wrong child", reviewer=ALICE, approver=BOB,
    )  # fmt: skip
    apply_decision(pipeline.crosswalk, unmerge, None, matcher.people, NOW)
    cw = pipeline.crosswalk
    assert cw.lookup(item.record.source_key) != cw.lookup(item.candidate.source_key)
    _expect_refused(applier, sender, link, "already_decided")  # the same bytes, again
    assert cw.lookup(item.record.source_key) != cw.lookup(item.candidate.source_key)


def test_an_uninvolved_reviewer_cannot_link() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    _expect_refused(applier, sender, _signed(item, LinkDecision.LINK, who=STRANGER), "uninvolved")
    assert not _joined(pipeline, item)
    assert _audited(sender)[-1]["org"] == "999"


def test_an_unsigned_refusal_is_still_audited_under_the_name_it_gave() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    _apply(applier, _signed(item, LinkDecision.LINK, reviewer=None, decided_by="mallory"))
    record = _audited(sender)[-1]
    assert (record["subject"], record["role"], record["org_kind"]) == ("mallory", None, None)
    assert {record["child_id"]} <= {item.provisional_child_id, item.candidate_child_id, ""}


def test_an_unmerge_request_waits_and_a_self_approved_one_is_refused() -> None:
    pipeline, matcher, item = _ambiguous()
    applier, sender = _applier(pipeline, matcher)
    _apply(applier, _signed(item, LinkDecision.LINK))
    ref = RecordRef(agency_kind=AgencyKind.EDUCATION, org_code="ORG2", system="SIMS",
                    source_person_id="q1")  # fmt: skip
    request = IdentityReviewDecision(
        review_id="U" + "3" * 32, records=(ref,), child_id=pipeline.crosswalk.root(
            item.candidate_child_id), decision=LinkDecision.UNMERGE, decided_by="alice",
        decided_at=NOW, reason="two people", reviewer=ALICE,
    )  # fmt: skip
    before = _refused("unapproved")
    _apply(applier, request)  # waits for a second reviewer: nothing happens, nothing audited
    assert _refused("unapproved") == before and not sender.sent[TOPICS.audit]
    assert _joined(pipeline, item)
    _expect_refused(applier, sender, request.model_copy(update={"approver": ALICE}), "unapproved")
    stranger = STRANGER.model_copy(update={"subject": "eve"})
    _expect_refused(applier, sender, request.model_copy(update={"approver": stranger}),
                    "uninvolved")  # fmt: skip
    cw = pipeline.crosswalk
    assert cw.lookup(item.record.source_key) == cw.lookup(item.candidate.source_key)
