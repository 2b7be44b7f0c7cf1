"""The second reviewer of an unmerge: the requests waiting, and approving one.

``POST /api/children/{child_id}/unmerge`` only asks; ``GET /api/unmerge-requests`` lists the
requests waiting for a second reviewer (for children the caller is involved with), and
``POST /api/unmerge-requests/{request_id}/approve`` approves one. The approver must be another
person than the requester; the worker checks that again before it splits anything.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from hub.models import IdentityReviewDecision
from hub.web.children.filters import MAX_LIMIT
from hub.web.children.views import ErrorBody
from hub.web.context import ApiCaller, Db, State, api_caller
from hub.web.review import actions

__all__ = ["router"]


def _error(text: str) -> dict[str, object]:
    return {"model": ErrorBody, "description": text}


_ERRORS = {
    400: _error("The request cannot be answered as asked."),
    401: _error("No token, or the token is not valid."),
    403: _error("The caller may not review identities, or asked for this unmerge."),
}
router = APIRouter(prefix="/api", tags=["identity review"], responses=_ERRORS,  # type: ignore[arg-type]
                   dependencies=[Depends(api_caller)])  # fmt: skip

RequestId = Annotated[str, Path(description="U + 32 hex digits.", max_length=64)]


@router.get("/unmerge-requests", response_model=list[IdentityReviewDecision],
            summary="Unmerges waiting for a second reviewer")  # fmt: skip
def list_unmerge_requests(
    db: Db, caller: ApiCaller, state: State,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many.")] = 50,
) -> list[IdentityReviewDecision]:  # fmt: skip
    """Unmerge requests nobody has approved yet, oldest first."""
    return actions.pending_unmerges(db, state, caller, limit)


@router.post("/unmerge-requests/{request_id}/approve", status_code=202,
             response_model=IdentityReviewDecision, summary="Approve an unmerge",
             responses={404: _error("No such request."),
                        409: _error("Approved already."),
                        503: _error("The approval could not be written to Kafka.")})  # fmt: skip
def approve_unmerge(
    request_id: RequestId, db: Db, caller: ApiCaller, state: State
) -> IdentityReviewDecision:
    """Approve another reviewer's unmerge request: it goes to ``send.identity.decisions``
    with the caller as approver, and the worker splits the records."""
    return actions.approve_unmerge(db, state, caller, request_id)
