"""The identity review queue in the read model: projection and queries (plain SQL, no Kafka).

``reviews`` holds the latest `ReviewItem` per review id. Items are upserted by review id and a
DECIDED item is final: a late or replayed OPEN copy never re-opens it. ``review_decisions``
keeps the first `IdentityReviewDecision` seen per review id (UNMERGE requests are not about a
queued item and are not kept), so an item someone has decided but the worker has not yet
closed shows its pending decision and cannot be decided twice.

The queue is read oldest first, by (created, review id), with an opaque cursor.
"""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.models import IdentityReviewDecision, LinkDecision, ReviewItem
from hub.web.readmodel import unmerge_requests
from hub.web.readmodel.projection import millis
from hub.web.readmodel.queries import QueryError, decode_cursor, encode_cursor

__all__ = [
    "STATUSES",
    "QueueStats",
    "ReviewRow",
    "apply_review_decision",
    "apply_review_item",
    "get_review",
    "list_reviews",
    "queue_stats",
]

STATUSES = ("open", "decided", "all")

_UPSERT_ITEM = """
INSERT INTO reviews (review_id, status, created_ms, body)
VALUES (:review_id, :status, :created_ms, :body)
ON CONFLICT (review_id) DO UPDATE SET
    status = excluded.status, created_ms = excluded.created_ms, body = excluded.body
WHERE NOT (reviews.status = 'DECIDED' AND excluded.status = 'OPEN')
"""

_SELECT = """
SELECT r.review_id, r.created_ms, r.body, d.body AS decision
FROM reviews r LEFT JOIN review_decisions d ON d.review_id = r.review_id
"""


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """A queued item and the decision already sent for it, if any."""

    item: ReviewItem
    pending: IdentityReviewDecision | None


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Items waiting for a decision and when the oldest of them was created."""

    waiting: int
    oldest: datetime | None


def apply_review_item(conn: sqlite3.Connection, item: ReviewItem) -> None:
    """Upsert one review item by review id (DECIDED is final)."""
    conn.execute(_UPSERT_ITEM, {
        "review_id": item.review_id, "status": item.status,
        "created_ms": millis(item.created_at), "body": item.model_dump_json(),
    })  # fmt: skip


def apply_review_decision(conn: sqlite3.Connection, decision: IdentityReviewDecision) -> None:
    """Remember the first decision on a queued item; unmerges go to their own table."""
    if decision.decision is LinkDecision.UNMERGE:
        unmerge_requests.apply(conn, decision)
        return
    conn.execute(
        "INSERT OR IGNORE INTO review_decisions (review_id, decided_ms, body) VALUES (?, ?, ?)",
        (decision.review_id, millis(decision.decided_at), decision.model_dump_json()),
    )


def _row(row: sqlite3.Row) -> ReviewRow:
    pending = row["decision"]
    return ReviewRow(
        item=ReviewItem.model_validate_json(row["body"]),
        pending=IdentityReviewDecision.model_validate_json(pending) if pending else None,
    )


def get_review(conn: sqlite3.Connection, review_id: str) -> ReviewRow | None:
    """One item by review id, or None."""
    row = conn.execute(_SELECT + " WHERE r.review_id = ?", (review_id,)).fetchone()
    return _row(row) if row else None


def list_reviews(
    conn: sqlite3.Connection, status: str, limit: int, cursor: str | None
) -> tuple[list[ReviewRow], str | None]:
    """A page of items with ``status`` (open, decided or all), oldest first, and the next cursor."""
    if status not in STATUSES:
        raise QueryError("status must be open, decided or all")
    where: list[str] = []
    args: list[object] = []
    if status != "all":
        where.append("r.status = ?")
        args.append(status.upper())
    if cursor:
        where.append("(r.created_ms, r.review_id) > (?, ?)")
        args.extend(decode_cursor(cursor, (int, str)))
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    rows = list(
        conn.execute(sql + " ORDER BY r.created_ms, r.review_id LIMIT ?", [*args, limit + 1])
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = encode_cursor((last["created_ms"], last["review_id"])) if more and last else None
    return [_row(r) for r in rows], next_cursor


def queue_stats(conn: sqlite3.Connection) -> QueueStats:
    """Open items nobody has decided yet, and the creation time of the oldest."""
    row = conn.execute(
        "SELECT COUNT(*) AS n, MIN(r.created_ms) AS oldest FROM reviews r"
        " WHERE r.status = 'OPEN'"
        " AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.review_id = r.review_id)"
    ).fetchone()
    oldest = datetime.fromtimestamp(row["oldest"] / 1000, tz=UTC) if row["oldest"] else None
    return QueueStats(waiting=int(row["n"]), oldest=oldest)
