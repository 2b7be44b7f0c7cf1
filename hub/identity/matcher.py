"""The probabilistic stage for the identity pipeline: resolve.py's `Matcher` over an index.

`IndexMatcher` adapts a `CandidateIndex` to the ``Matcher`` protocol of
`hub.identity.resolve`: ``propose`` turns an event's subject into a `PersonRecord`
(record id = the source person key, so a re-sent person replaces its earlier record)
and asks the index; ``observe`` files the record under the child it was resolved to.
``decide`` returns the full `MatchDecision` (with its explanation) for callers that
store it. Child ids in the index may be merged-away ids: resolve maps them to roots.
"""

from collections.abc import Mapping
from typing import Any

from hub.identity.index import CandidateIndex
from hub.identity.match_decision import MatchDecision, Outcome
from hub.identity.model import MatchModel
from hub.identity.records import PersonRecord
from hub.identity.resolve import MatchProposal
from hub.intake.validate import SubjectKeys, source_key

__all__ = ["IndexMatcher", "person_from_event"]


def person_from_event(event: Mapping[str, Any]) -> PersonRecord:
    """The subject of an event as a person record keyed by its source person key."""
    subject = event["subject"]
    return PersonRecord(
        record_id=source_key(event["source"], subject),
        given_name=subject.get("given_name"),
        family_name=subject.get("family_name"),
        date_of_birth=subject.get("date_of_birth"),
        sex=subject.get("sex"),
        postcode=subject.get("postcode"),
        address=subject.get("address"),
        nhs_number=subject.get("nhs_number"),
        upn=subject.get("upn"),
        local_id=subject.get("source_person_id"),
    )


class IndexMatcher:
    """Proposes a child by score (link or review) and learns every resolved record."""

    def __init__(self, model: MatchModel | None = None, index: CandidateIndex | None = None):
        self.index = index or CandidateIndex(model)

    def decide(self, event: Mapping[str, Any]) -> MatchDecision:
        """The explained decision for an event's subject against the children seen so far."""
        return self.index.match(person_from_event(event))

    def propose(self, event: Mapping[str, Any], keys: SubjectKeys) -> MatchProposal | None:
        """``LINK_SCORE`` or ``REVIEW`` with the candidate child; None for no match."""
        decision = self.decide(event)
        if decision.outcome is Outcome.NO_MATCH:
            return None
        child, weight, version = (
            decision.candidate_child_id, decision.match_weight, decision.model_version
        )  # fmt: skip
        if decision.outcome is Outcome.REVIEW:
            return MatchProposal("REVIEW", child, weight, version)
        return MatchProposal("LINK_SCORE", child, weight, version)

    def observe(self, child_id: str, event: Mapping[str, Any]) -> None:
        """File (or refresh) the event's subject under the child it was resolved to."""
        self.index.add(child_id, person_from_event(event))
