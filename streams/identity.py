"""The probabilistic identity stage as the worker runs it: matcher, review queue, decisions.

How identity scales
-------------------
Ingest topics are partitioned by the publisher's key and every worker takes a share of the
partitions (one consumer group). Identity cannot be partitioned that way — a child's records
arrive on four agency topics under unrelated keys — so the crosswalk is *replicated*: the
compacted ``send.identity.links`` topic is the shared crosswalk, and every worker follows
all of its partitions (`streams.links.LinksFollower`) into an in-memory `Crosswalk`. Each
``src:`` link carries a `PersonSnapshot` of the record, so the same follower also rebuilds
this worker's `CandidateIndex` (the probabilistic matcher's memory) after a restart, from
the topic alone: no local state to restore and no second store to keep in step.

Two workers can decide about one new child at once (each sees nothing yet). Both publish
links; when a worker reads back a link whose key it already tied to another child, it
merges the two (survivor = smaller id) and publishes the MERGE — identifier links and score
links alike, because a score link is an ordinary ``src:`` LINK to the candidate child. Two
*new* records of one child that share no identifier and arrive together on different workers
each get a child of their own; when a worker reads back the other's NEW_CHILD link it scores
that record against its own (`ReviewMatcher.learn`) and, on a clear score link (never on a
mere review score, never for a NOT_A_MATCH pair), merges the two children and publishes the
MERGE — both workers derive the same one. A review-level pair in that race is not raised as
a review (the limit: it is raised when a further record of either arrives). A review pair is
keyed by a deterministic ``review_id``, so two workers raising the same review publish the
same item under the same key.

Decisions on ``send.identity.decisions`` are consumed by one worker of a consumer group
(`streams.review_decisions`), applied with `hub.identity.review.apply_decision` and committed
after their outputs are acknowledged: a redelivered decision finds nothing left to change.
NOT_A_MATCH pairs are remembered through the review topic (the DECIDED item), which every
worker follows, so no worker asks or auto-links them again.

Memory: a snapshot and an index entry per source record (~1 KB); a 1,000,000-record hub
needs about 1 GB per worker for identity. Beyond that, shard the index by blocking key.
"""

from collections.abc import Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any, Literal

from hub.identity.crosswalk import Crosswalk, merge_link
from hub.identity.match_decision import MatchDecision, Outcome
from hub.identity.matcher import IndexMatcher
from hub.identity.records import PersonRecord
from hub.identity.resolve import MatchProposal, Resolution
from hub.identity.review import review_id_for, snapshot_from_event
from hub.intake.validate import SubjectKeys, source_key
from hub.models import (
    ExplanationItem,
    IdentityLink,
    MatchExplanation,
    MatchInfo,
    PersonSnapshot,
    ReviewItem,
)

__all__ = ["ReviewMatcher", "explanation_of"]


def explanation_of(decision: MatchDecision) -> MatchExplanation:
    """The contract form of a matcher decision's explanation."""
    items = tuple(
        ExplanationItem(
            comparison=t.comparison, level=t.level, weight=t.weight, sentence=t.sentence
        )
        for t in decision.explanation
    )
    return MatchExplanation(
        prior=decision.prior, items=items, tf_adjustment=decision.tf_adjustment,
        total=decision.match_weight or 0.0, probability=decision.probability or 0.0,
        model_version=decision.model_version,
    )  # fmt: skip


_SNAPSHOT_FIELDS = (
    "given_name", "family_name", "date_of_birth", "sex", "postcode", "nhs_number", "upn",
)  # fmt: skip
_snapshot_values = itemgetter(*_SNAPSHOT_FIELDS)


def _record(person: PersonSnapshot) -> PersonRecord:
    return PersonRecord(
        record_id=person.source_key, given_name=person.given_name,
        family_name=person.family_name, date_of_birth=person.date_of_birth, sex=person.sex,
        postcode=person.postcode, nhs_number=person.nhs_number, upn=person.upn,
        local_id=person.source_person_id,
    )  # fmt: skip


class ReviewMatcher:
    """resolve.py's `Matcher` with explanations, snapshots, review items and remembered pairs."""

    def __init__(self, crosswalk: Crosswalk, inner: IndexMatcher | None = None) -> None:
        self.crosswalk = crosswalk
        self.inner = inner or IndexMatcher()
        self.people: dict[str, PersonSnapshot] = {}
        self.reviews: dict[str, ReviewItem] = {}  # review id -> latest item seen or raised
        self.not_a_match: set[str] = set()  # review ids decided NOT_A_MATCH
        self._seen: dict[str, tuple[Any, ...]] = {}

    def propose(self, event: Mapping[str, Any], keys: SubjectKeys) -> MatchProposal | None:
        decision = self.inner.decide(event)
        child = decision.candidate_child_id
        if decision.outcome is Outcome.NO_MATCH or child is None or keys.source is None:
            return None
        if self._refused(keys.source, child):
            return None  # a reviewer said these are different children: never ask or link
        outcome: Literal["LINK_SCORE", "REVIEW"] = (
            "REVIEW" if decision.outcome is Outcome.REVIEW else "LINK_SCORE"
        )
        return MatchProposal(
            outcome, child, decision.match_weight, decision.model_version,
            explanation_of(decision), decision.candidate_record_id,
        )  # fmt: skip

    def _refused(self, key: str, child: str) -> bool:
        return bool(self.not_a_match) and (
            review_id_for(key, child) in self.not_a_match
            or review_id_for(key, self.crosswalk.root(child)) in self.not_a_match
        )

    def observe(self, child_id: str, event: Mapping[str, Any]) -> None:
        subject = event["subject"]
        key = source_key(event["source"], subject)
        try:
            seen = _snapshot_values(subject)  # Avro records hold every field
        except KeyError:
            seen = tuple(subject.get(name) for name in _SNAPSHOT_FIELDS)
        if self._seen.get(key) == seen:
            return  # the same person again (most events): nothing to re-file
        self._seen[key] = seen
        person = snapshot_from_event(event, key)
        if self.people.get(key) != person:
            self.people[key] = person
            self.inner.index.add(child_id, _record(person))

    def learn(self, link: IdentityLink, live: bool = False) -> list[IdentityLink]:
        """File a snapshot read back from the links topic (any worker's, or after a restart).

        ``live`` (the follower has caught up): a record another worker put on a NEW child is
        first scored against this worker's records — two workers that each created a child
        for one person moments apart then merge them (the MERGE is returned to publish;
        each worker derives the same one). Not during catch-up: replay must stay cheap.
        """
        person = link.person
        if person is None or link.kind == "MERGE":
            return []
        if link.kind == "LINK" and self.people.get(link.key) == person:
            return []  # our own link read back: already filed
        merges = self._reconcile(link, person) if live else []
        self.people[link.key] = person
        self.inner.index.add(link.child_id, _record(person))
        return merges

    def _reconcile(self, link: IdentityLink, person: PersonSnapshot) -> list[IdentityLink]:
        if link.match.outcome != "NEW_CHILD" or link.key in self.people:
            return []
        decision = self.inner.index.match(_record(person))
        child = decision.candidate_child_id
        if decision.outcome is not Outcome.LINK_SCORE or child is None:
            return []  # precision first: only a clear score link reconciles
        if self._refused(link.key, child):
            return []
        done = self.crosswalk.union(link.child_id, child)
        if done is None:
            return []
        match = MatchInfo(
            outcome="LINK_SCORE", rule="reconcile_score", score=decision.match_weight,
            model_version=decision.model_version, explanation=explanation_of(decision),
        )  # fmt: skip
        return [merge_link(*done, at=link.at, match=match)]

    def remember(self, item: ReviewItem) -> None:
        """A review item read back from the review topic (raised or decided by any worker)."""
        held = self.reviews.get(item.review_id)
        if held is not None and held.status == "DECIDED" and item.status == "OPEN":
            return  # an older copy read back after the decision
        self.reviews[item.review_id] = item
        if item.decision == "NOT_A_MATCH":
            self.not_a_match.add(item.review_id)

    def queue_stats(self, now: datetime) -> tuple[int, float]:
        """(open review items, age in seconds of the oldest) for the queue gauges."""
        opened = [i.created_at for i in self.reviews.values() if i.status == "OPEN"]
        return len(opened), (now - min(opened)).total_seconds() if opened else 0.0

    def review_for(
        self, event: Mapping[str, Any], res: Resolution, now: datetime
    ) -> ReviewItem | None:
        """The item to publish for a REVIEW resolution; None when already raised or decided."""
        proposal = res.proposal
        if res.match.outcome != "REVIEW" or proposal is None or proposal.child_id is None:
            return None
        key = source_key(event["source"], event["subject"])
        candidate = self.crosswalk.root(proposal.child_id)
        review_id = review_id_for(key, candidate)
        known = self.people.get(proposal.candidate_record_id or "")
        if review_id in self.reviews or known is None or proposal.explanation is None:
            return None
        item = ReviewItem(
            review_id=review_id, record=self.people[key], provisional_child_id=res.child_id,
            candidate_child_id=candidate, candidate=known, explanation=proposal.explanation,
            created_at=now,
        )  # fmt: skip
        self.reviews[review_id] = item
        return item
