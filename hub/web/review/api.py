"""The identity review API: the queue, one item, a decision, and unmerging a child.

``GET /api/review`` and ``GET /api/review/{review_id}`` show queued items (both records side
by side, score, probability, explanation); ``POST /api/review/{review_id}`` sends a link or
not-a-match decision; ``POST /api/children/{child_id}/unmerge`` asks for source records to be
split off a child. Both POSTs answer 202 with the decision once the broker has it: the worker
applies it, and the read model shows the outcome when the worker publishes it. Reviewer roles
only (`hub.web.review.rules.REVIEWER_ROLES`); every read and decision is audited.
"""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from hub.models import IdentityReviewDecision
from hub.web.children.filters import MAX_LIMIT
from hub.web.children.views import ErrorBody
from hub.web.context import ApiCaller, Db, State, api_caller
from hub.web.review import actions
from hub.web.review.views import DecisionRequest, ReviewPage, ReviewView, UnmergeRequest

__all__ = ["router"]


def _error(text: str) -> dict[str, object]:
    return {"model": ErrorBody, "description": text}


_ERRORS = {
    400: _error("The request cannot be answered as asked."),
    401: _error("No token, or the token is not valid."),
    403: _error("The caller's role may not review identities."),
}
_DECIDE = {
    404: _error("No such review item (or child)."),
    409: _error("Decided already, or the records are not on this child."),
    503: _error("The decision could not be written to Kafka; nothing was decided."),
}
# Authentication is a dependency of the router: no route under it answers without a caller.
router = APIRouter(prefix="/api", tags=["identity review"], responses=_ERRORS,  # type: ignore[arg-type]
                   dependencies=[Depends(api_caller)])  # fmt: skip

ReviewId = Annotated[str, Path(description="R + 16 hex digits.", max_length=64)]


@router.get("/review", response_model=ReviewPage, summary="The identity review queue")
def list_reviews(
    db: Db, caller: ApiCaller, state: State,
    status: Annotated[str, Query(description="open (default), decided or all.")] = "open",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
) -> ReviewPage:  # fmt: skip
    """Review items oldest first, each with the incoming record and the candidate child's
    record side by side, the score (bits), probability and the explanation of the score."""
    return actions.queue(db, state, caller, status=status, limit=limit, cursor=cursor)


@router.get("/review/{review_id}", response_model=ReviewView, summary="One review item",
            responses={404: _error("No such review item.")})  # fmt: skip
def get_review(review_id: ReviewId, db: Db, caller: ApiCaller, state: State) -> ReviewView:
    """One review item, decided or not."""
    return actions.one(db, state, caller, review_id)


@router.post("/review/{review_id}", status_code=202, response_model=IdentityReviewDecision,
             summary="Decide a review item", responses=_DECIDE)  # type: ignore[arg-type]  # fmt: skip
def decide(
    review_id: ReviewId,
    db: Db,
    caller: ApiCaller,
    state: State,
    body: Annotated[DecisionRequest, Body()],
) -> IdentityReviewDecision:
    """Link the two records, or record that they are not the same child. The decision goes to
    ``send.identity.decisions`` (decided_by = the caller); a not-a-match pair is never asked
    again nor linked automatically."""
    return actions.decide(db, state, caller, review_id, body)


@router.post("/children/{child_id}/unmerge", status_code=202,
             response_model=IdentityReviewDecision, summary="Split records off a child",
             responses=_DECIDE)  # type: ignore[arg-type]  # fmt: skip
def unmerge(
    child_id: Annotated[str, Path(description="Hub child id: C + 12 hex digits.")],
    db: Db, caller: ApiCaller, state: State, body: Annotated[UnmergeRequest, Body()],
) -> IdentityReviewDecision:  # fmt: skip
    """Move the listed source records (and the identifiers only they hold) to a new child; the
    timeline entries follow them. Sent as an UNMERGE decision on ``send.identity.decisions``."""
    return actions.unmerge(db, state, caller, child_id, body)
