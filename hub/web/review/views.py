"""Request and response models of the identity review API (OpenAPI is generated from these).

A `ReviewView` puts the incoming record and the candidate child's best-matching record side
by side with the score (total match weight in bits), the probability and the explanation: the
prior, one item per comparison (level, weight, plain-English sentence), the term-frequency
adjustment and the total.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from hub.models import LinkDecision, MatchExplanation, PersonSnapshot
from hub.web.readmodel.review_queue import ReviewRow

__all__ = [
    "DecisionRequest",
    "PendingDecision",
    "ReviewPage",
    "ReviewView",
    "UnmergeRequest",
    "review_view",
]

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class DecisionRequest(BaseModel):
    """A reviewer's decision on one review item."""

    decision: Annotated[Literal["link", "not_a_match"], BeforeValidator(_lower)]
    reason: Reason = Field(description="Why: kept with the decision on send.identity.decisions.")

    def link_decision(self) -> LinkDecision:
        """The decision as the contract's enum."""
        return LinkDecision.LINK if self.decision == "link" else LinkDecision.NOT_A_MATCH


class UnmergeRequest(BaseModel):
    """Source records to split off a child onto a new child of their own."""

    source_keys: list[str] = Field(
        min_length=1, max_length=50,
        description="src:<agency_kind>:<org_code>:<system>:<source_person_id>, as on the record.",
    )  # fmt: skip
    reason: Reason


class PendingDecision(BaseModel):
    """A decision already sent for an item the worker has not closed yet."""

    decision: LinkDecision
    decided_by: str
    decided_at: datetime


class ReviewView(BaseModel):
    """One review item: both records side by side, the score and why."""

    review_id: str
    status: Literal["OPEN", "DECIDED"]
    created_at: datetime
    age_seconds: int
    record: PersonSnapshot = Field(description="The incoming record.")
    provisional_child_id: str = Field(description="The child the record sits on meanwhile.")
    candidate: PersonSnapshot = Field(description="The candidate child's best-matching record.")
    candidate_child_id: str
    score: float = Field(description="Total match weight in bits (prior + items + tf).")
    probability: float
    explanation: MatchExplanation
    decision: Literal["LINK", "NOT_A_MATCH"] | None
    decided_by: str | None
    decided_at: datetime | None
    pending: PendingDecision | None = Field(description="Sent, not yet applied by the worker.")


class ReviewPage(BaseModel):
    """A page of the queue, oldest first; follow ``next_cursor`` for more."""

    items: list[ReviewView]
    limit: int
    next_cursor: str | None


def review_view(row: ReviewRow, now: datetime) -> ReviewView:
    """The API view of a queued item as of ``now``."""
    item, sent = row.item, row.pending
    pending = None
    if sent is not None and item.status == "OPEN":
        pending = PendingDecision(decision=sent.decision, decided_by=sent.decided_by,
                                  decided_at=sent.decided_at)  # fmt: skip
    return ReviewView(
        review_id=item.review_id, status=item.status, created_at=item.created_at,
        age_seconds=max(0, int((now - item.created_at).total_seconds())),
        record=item.record, provisional_child_id=item.provisional_child_id,
        candidate=item.candidate, candidate_child_id=item.candidate_child_id,
        score=item.explanation.total, probability=item.explanation.probability,
        explanation=item.explanation, decision=item.decision, decided_by=item.decided_by,
        decided_at=item.decided_at, pending=pending,
    )  # fmt: skip
