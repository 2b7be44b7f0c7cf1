"""The probabilistic identity stage in the batch pipeline: score links, reviews, decisions."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.config import Settings
from hub.identity.review import apply_decision
from hub.models import (
    AgencyKind,
    IdentityLink,
    IdentityReviewDecision,
    LinkDecision,
    PupilEnrolled,
    RecordRef,
    ReviewItem,
    Sex,
    Source,
    Subject,
    TimelineEntry,
    build_event,
)  # fmt: skip
from hub.timeline.buckets import TimelineItem
from schemas.serde import decode_model, encode_model
from streams.identity import ReviewMatcher
from streams.pipeline import BatchResult, Pipeline, Raw
from streams.topics import hub_topics

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
TOPICS = hub_topics(Settings(topic_prefix="t"))
EDU = "t.ingest.education"
NHS_A, NHS_B = "9434765919", "9434765870"
OLIVER = {
    "given_name": "Oliver", "family_name": "Hartley", "date_of_birth": date(2015, 3, 7),
    "sex": Sex.MALE, "postcode": "PR1 2AB",
}  # fmt: skip


class MemoryLoader:
    def __init__(self) -> None:
        self.buckets: dict[tuple[int, str], list[TimelineItem]] = {}

    def dedupe_buckets(self, partition: int) -> Iterable[tuple[int, list[str]]]:
        return []

    def timeline_bucket(self, partition: int, key: str) -> list[TimelineItem] | None:
        return self.buckets.get((partition, key))


def _event(record: str, org: str, person: str, **subject: Any) -> bytes:
    event = build_event(
        PupilEnrolled(urn="100001", entry_date=date(2024, 9, 1)),
        source=Source(
            agency_kind=AgencyKind.EDUCATION, org_code=org, system="SIMS",
            source_record_id=record, record_version=1,
        ),
        subject=Subject(source_person_id=person, **(OLIVER | subject)),
        occurred_at=NOW - timedelta(days=3),
        recorded_at=NOW - timedelta(days=2),
    )  # fmt: skip
    return encode_model(event)


def _pipeline() -> tuple[Pipeline, ReviewMatcher]:
    pipeline = Pipeline(TOPICS, MemoryLoader())
    matcher = ReviewMatcher(pipeline.crosswalk)
    pipeline.matcher = matcher
    return pipeline, matcher


def _run(pipeline: Pipeline, *values: bytes, start: int = 0) -> BatchResult:
    raws = [Raw(EDU, 0, start + i, None, b"k", v) for i, v in enumerate(values)]
    return pipeline.process(raws, NOW)


def _entries(result: BatchResult) -> list[TimelineEntry]:
    return [TimelineEntry.model_validate(decode_model(v)) for _, v in result.timeline]


def _reviews(result: BatchResult) -> list[ReviewItem]:
    return [ReviewItem.model_validate(decode_model(v)) for _, v in result.reviews]


def _links(result: BatchResult) -> list[IdentityLink]:
    return [IdentityLink.model_validate(decode_model(v)) for _, v in result.links]


def _decision(item: ReviewItem, decision: LinkDecision) -> IdentityReviewDecision:
    ref = RecordRef(
        agency_kind=AgencyKind.EDUCATION, org_code=item.record.org_code, system="SIMS",
        source_person_id=item.record.source_person_id,
    )  # fmt: skip
    return IdentityReviewDecision(
        review_id=item.review_id, records=(ref,), child_id=item.candidate_child_id,
        decision=decision, decided_by="caseworker-1", decided_at=NOW, reason="checked",
    )  # fmt: skip


def _ambiguous() -> tuple[Pipeline, ReviewMatcher, ReviewItem]:
    pipeline, matcher = _pipeline()
    _run(pipeline, _event("r1", "ORG1", "p1"))
    result = _run(pipeline, _event("r2", "ORG2", "q1", given_name=None), start=1)
    (item,) = _reviews(result)
    return pipeline, matcher, item


def test_typo_links_by_score_with_explanation_and_snapshot() -> None:
    pipeline, _ = _pipeline()
    first = _entries(_run(pipeline, _event("r1", "ORG1", "p1")))[0]
    result = _run(pipeline, _event("r2", "ORG2", "q1", family_name="Hartely"), start=1)
    (entry,) = _entries(result)
    assert entry.child_id == first.child_id
    match = entry.provenance.match
    assert match.outcome == "LINK_SCORE" and match.explanation is not None
    explanation = match.explanation
    assert explanation.items and all(i.sentence for i in explanation.items)
    assert abs(explanation.prior + sum(i.weight for i in explanation.items)
               + explanation.tf_adjustment - explanation.total) < 1e-6  # fmt: skip
    (link,) = _links(result)
    assert link.match.explanation == explanation
    assert link.person is not None and link.person.family_name == "Hartely"


def test_ambiguous_record_raises_one_review_on_a_provisional_child() -> None:
    pipeline, _, item = _ambiguous()
    assert item.status == "OPEN" and item.provisional_child_id != item.candidate_child_id
    assert item.record.source_person_id == "q1" and item.candidate.source_person_id == "p1"
    assert item.explanation.items
    again = _run(pipeline, _event("r3", "ORG2", "q1", given_name=None), start=2)
    assert _reviews(again) == []  # once per pair
    (entry,) = _entries(again)
    assert entry.child_id == item.provisional_child_id


def test_link_decision_merges_and_is_idempotent() -> None:
    pipeline, matcher, item = _ambiguous()
    cw = pipeline.crosswalk
    done = apply_decision(cw, _decision(item, LinkDecision.LINK), item, matcher.people, NOW)
    assert [link.kind for link in done.links] == ["MERGE"]
    assert cw.root(item.provisional_child_id) == cw.root(item.candidate_child_id)
    assert done.decided is not None and done.decided.status == "DECIDED"
    assert done.decided.decision == "LINK"
    again = apply_decision(
        cw, _decision(item, LinkDecision.LINK), done.decided, matcher.people, NOW
    )
    assert again.links == [] and again.decided is None


def test_not_a_match_is_remembered_and_never_asked_or_linked_again() -> None:
    pipeline, matcher, item = _ambiguous()
    done = apply_decision(
        pipeline.crosswalk, _decision(item, LinkDecision.NOT_A_MATCH), item, matcher.people, NOW
    )
    assert done.links == [] and done.not_a_match == item.review_id
    assert done.decided is not None
    restarted, again = _pipeline()  # a worker that never saw the record
    again.remember(done.decided)  # ... but follows the review topic
    _run(restarted, _event("r1", "ORG1", "p1"))
    result = _run(restarted, _event("r2", "ORG2", "q1", given_name=None), start=1)
    assert _reviews(result) == []
    (entry,) = _entries(result)
    assert entry.provenance.match.outcome == "NEW_CHILD"


def test_unmerge_splits_the_record_and_moves_exactly_its_entries() -> None:
    pipeline, matcher = _pipeline()
    _run(pipeline, _event("a1", "ORG1", "p1", nhs_number=NHS_A), _event("a2", "ORG1", "p1"))
    typo = _run(pipeline, _event("b1", "ORG2", "q1", family_name="Hartely", upn=None), start=2)
    child = _entries(typo)[0].child_id
    ref = RecordRef(agency_kind=AgencyKind.EDUCATION, org_code="ORG2", system="SIMS",
                    source_person_id="q1")  # fmt: skip
    unmerge = IdentityReviewDecision(
        review_id="U" + "0" * 32, records=(ref,), child_id=child,
        decision=LinkDecision.UNMERGE, decided_by="ops", decided_at=NOW, reason="wrong child",
    )  # fmt: skip
    cw = pipeline.crosswalk
    done = apply_decision(cw, unmerge, None, matcher.people, NOW)
    assert (
        done.new_child and done.old_child == child and done.moved == ["src:EDUCATION:ORG2:SIMS:q1"]
    )
    assert [(link.key, link.kind) for link in done.links] == [(done.moved[0], "UNMERGE")]
    assert cw.lookup(done.moved[0]) == done.new_child
    assert cw.lookup("src:EDUCATION:ORG1:SIMS:p1") == child and cw.lookup(f"nhs:{NHS_A}") == child
    again = apply_decision(cw, unmerge, None, matcher.people, NOW)  # redelivered
    assert again.links == [] and (again.new_child, again.moved) == (done.new_child, done.moved)
    b1 = _entries(typo)[0]
    occurred = int(b1.event.occurred_at.timestamp() * 1000)
    pipeline.schedule_move(0, (child, occurred, b1.entry_id, done.new_child))
    _run(pipeline, _event("c1", "ORG1", "p1"), start=3)  # next batch of partition 0
    state = pipeline.timeline(0)
    assert [i.entry_id for i in state.timeline([done.new_child])] == [b1.entry_id]
    assert b1.entry_id not in {i.entry_id for i in state.timeline([child])}
    assert len(list(state.timeline([child]))) == 3


def test_shared_nhs_number_with_different_person_goes_to_review() -> None:
    pipeline, _ = _pipeline()
    first = _entries(_run(pipeline, _event("r1", "ORG1", "p1", nhs_number=NHS_A)))[0]
    other = {"given_name": "Maisie", "family_name": "Okafor", "date_of_birth": date(2012, 11, 2),
             "sex": Sex.FEMALE, "postcode": "LS6 3QT"}  # fmt: skip
    result = _run(pipeline, _event("r2", "ORG2", "q1", nhs_number=NHS_A, **other), start=1)
    (entry,) = _entries(result)
    assert entry.child_id != first.child_id
    assert entry.provenance.match.outcome == "REVIEW"
    assert "IDENTIFIER_CONFLICT" in entry.flags
    assert len(_reviews(result)) == 1


def test_two_workers_creating_one_child_reconcile_by_score_to_the_same_merge() -> None:
    (one, m1), (two, m2) = _pipeline(), _pipeline()
    a = _links(_run(one, _event("r1", "ORG1", "p1")))
    b = _links(_run(two, _event("r2", "ORG2", "q1", family_name="Hartely")))
    assert a[0].match.outcome == b[0].match.outcome == "NEW_CHILD"  # each saw nothing yet
    merges = []
    for pipeline, matcher, remote in ((one, m1, b), (two, m2, a)):
        for link in remote:
            pipeline.crosswalk.apply(link)
            merges.append(matcher.learn(link, True))
    (first,), (second,) = merges
    assert first.kind == "MERGE" and (first.key, first.merged_into) == (
        second.key,
        second.merged_into,
    )
    assert first.match.rule == "reconcile_score" and first.match.explanation is not None
    three, m3 = _pipeline()
    _run(three, _event("r1", "ORG1", "p1"))
    three.crosswalk.apply(b[0])
    assert m3.learn(b[0], False) == []  # catch-up (replay) never scores


def test_a_score_link_to_a_child_with_another_nhs_number_becomes_a_review() -> None:
    pipeline, _ = _pipeline()
    first = _entries(_run(pipeline, _event("r1", "ORG1", "p1", nhs_number=NHS_A)))[0]
    typo = _event("r2", "ORG2", "q1", nhs_number=NHS_B, family_name="Hartely")
    (entry,) = _entries(_run(pipeline, typo, start=1))
    assert entry.child_id != first.child_id
    assert entry.provenance.match.outcome == "REVIEW"


def test_a_reviewer_link_between_two_nhs_numbers_is_refused() -> None:
    pipeline, matcher = _pipeline()
    _run(pipeline, _event("r1", "ORG1", "p1", nhs_number=NHS_A))
    result = _run(pipeline, _event("r2", "ORG2", "q1", nhs_number=NHS_B, given_name=None), start=1)
    (item,) = _reviews(result)
    done = apply_decision(
        pipeline.crosswalk, _decision(item, LinkDecision.LINK), item, matcher.people, NOW
    )
    assert done.refused and done.links == []
    assert pipeline.crosswalk.root(item.provisional_child_id) != item.candidate_child_id
