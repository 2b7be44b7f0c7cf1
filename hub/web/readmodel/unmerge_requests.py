"""Unmerge requests in the read model: asked for by one reviewer, waiting for a second.

An UNMERGE decision without an ``approver`` on ``send.identity.decisions`` is a request; the
same decision with an approver (same review id) is the approval the worker acts on. Both are
kept here so any web instance can list what waits and refuse a second approval.
"""

import sqlite3

from hub.models import IdentityReviewDecision
from hub.web.readmodel.projection import millis

__all__ = ["apply", "get_request", "pending_requests"]

_UPSERT = """
INSERT INTO unmerge_requests (review_id, child_id, requested_ms, approved, body)
VALUES (:review_id, :child_id, :requested_ms, :approved, :body)
ON CONFLICT (review_id) DO UPDATE SET approved = MAX(approved, excluded.approved),
    body = CASE WHEN unmerge_requests.approved = 1 THEN body ELSE excluded.body END
"""


def apply(conn: sqlite3.Connection, decision: IdentityReviewDecision) -> None:
    """Record an unmerge request, or its approval (an approval is final)."""
    conn.execute(_UPSERT, {
        "review_id": decision.review_id, "child_id": decision.child_id or "",
        "requested_ms": millis(decision.decided_at), "approved": int(decision.approver is not None),
        "body": decision.model_dump_json(),
    })  # fmt: skip


def get_request(
    conn: sqlite3.Connection, review_id: str
) -> tuple[IdentityReviewDecision, bool] | None:
    """(the request, approved?) by its review id, or None."""
    row = conn.execute(
        "SELECT approved, body FROM unmerge_requests WHERE review_id = ?", (review_id,)
    ).fetchone()
    if row is None:
        return None
    return IdentityReviewDecision.model_validate_json(row["body"]), bool(row["approved"])


def pending_requests(conn: sqlite3.Connection, limit: int) -> list[IdentityReviewDecision]:
    """Unmerges waiting for a second reviewer, oldest first."""
    rows = conn.execute(
        "SELECT body FROM unmerge_requests WHERE approved = 0"
        " ORDER BY requested_ms, review_id LIMIT ?", (limit,),
    )  # fmt: skip
    return [IdentityReviewDecision.model_validate_json(row["body"]) for row in rows]
