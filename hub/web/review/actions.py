"""The identity review use cases shared by the API and the pages: read, decide, unmerge.

Each checks the caller's role and that the caller's organisation is involved with both
children concerned (`hub.web.review.involvement`: an uninvolved reviewer does not even see
the item), shows a pair only where the consent policy lets the caller see both children (any
other item answers as an unknown one), reads the read model, audits what it showed (one
REVIEW_READ
audit per child an item shows, detail "queue" or "item"; a decision is audited as
REVIEW_DECISION on both children, detail the decision; an unmerge as UNMERGE on the surviving
child, entries = records split off) and, to decide, sends an `IdentityReviewDecision` and waits
for the broker's ack.

An item counts as decided once a decision for it is on ``send.identity.decisions`` (the read
model keeps the first one) or this process has just sent one: a second decision is a 409, not
a second event. Sending is serialised, so two clicks cannot both pass that check; two web
instances can, and then the worker applies the first decision only. An unmerge is sent as a
request and applied once a second reviewer approves it (`approve_unmerge`).
"""

import sqlite3
import threading
from datetime import datetime

from hub.auth import Caller
from hub.models import AuditAction, IdentityReviewDecision, ReviewItem
from hub.web.children import reads
from hub.web.context import WebState
from hub.web.readmodel import review_queue, unmerge_requests
from hub.web.readmodel.queries import QueryError
from hub.web.review.involvement import involved_with_all
from hub.web.review.rules import (
    DecisionUnavailable,
    NotAllowed,
    ReviewConflict,
    ReviewNotFound,
    approved_unmerge,
    check_reviewer,
    review_decision,
    unmerge_decision,
)
from hub.web.review.views import (
    DecisionRequest,
    PendingDecision,
    ReviewPage,
    ReviewView,
    UnmergeRequest,
    review_view,
)
from hub.web.sinks.audit import audit_record

__all__ = ["approve_unmerge", "decide", "one", "pending_unmerges", "queue", "unmerge"]

_SEND_LOCK = threading.Lock()


def _audit(state: WebState, caller: Caller, view: ReviewView, now: datetime,
           action: AuditAction, detail: str, channel: str) -> None:  # fmt: skip
    for child in dict.fromkeys((view.provisional_child_id, view.candidate_child_id)):
        state.audit.record(audit_record(caller, child, action, now=now,
                                        detail=detail, entries=1, channel=channel))  # fmt: skip


def _visible(db: sqlite3.Connection, state: WebState, caller: Caller, view: ReviewView,
             now: datetime) -> bool:  # fmt: skip
    """A reviewer sees a pair only where the consent policy lets them see both children."""
    children = (view.provisional_child_id, view.candidate_child_id)
    return all(reads.may_see_child(db, c, caller, now, state.access) for c in children)


def _sent_here(state: WebState, view: ReviewView) -> ReviewView:
    if view.status == "OPEN" and view.pending is None and view.review_id in state.sent:
        return view.model_copy(update={"pending": state.sent[view.review_id]})
    return view


def _involved(db: sqlite3.Connection, state: WebState, caller: Caller, item: ReviewItem) -> bool:
    children = ((item.provisional_child_id, {item.record.org_code}),
                (item.candidate_child_id, {item.candidate.org_code}))  # fmt: skip
    return involved_with_all(db, state.partnership, caller, children)


def queue(
    db: sqlite3.Connection, state: WebState, caller: Caller, *, status: str = "open",
    limit: int = 50, cursor: str | None = None, channel: str = "api",
) -> ReviewPage:  # fmt: skip
    """A page of the review queue, oldest first: the items the caller is involved with."""
    check_reviewer(caller)
    now = state.clock()
    rows, next_cursor = review_queue.list_reviews(db, status, limit, cursor)
    rows = [row for row in rows if _involved(db, state, caller, row.item)]
    views = [_sent_here(state, review_view(row, now)) for row in rows]
    views = [view for view in views if _visible(db, state, caller, view, now)]
    for view in views:
        _audit(state, caller, view, now, AuditAction.REVIEW_READ, "queue", channel)
    return ReviewPage(items=views, limit=limit, next_cursor=next_cursor)


def one(db: sqlite3.Connection, state: WebState, caller: Caller, review_id: str,
        channel: str = "api") -> ReviewView:  # fmt: skip
    """One item (ReviewNotFound if unknown), audited."""
    check_reviewer(caller)
    row = review_queue.get_review(db, review_id)
    if row is None or not _involved(db, state, caller, row.item):
        raise ReviewNotFound(f"no review item {review_id!r}")
    now = state.clock()
    view = _sent_here(state, review_view(row, now))
    if not _visible(db, state, caller, view, now):
        raise ReviewNotFound(f"no review item {review_id!r}")  # as for an unknown item
    _audit(state, caller, view, now, AuditAction.REVIEW_READ, "item", channel)
    return view


def _send(state: WebState, decision: IdentityReviewDecision) -> None:
    if state.decisions is None:
        raise DecisionUnavailable("this service cannot send identity decisions (no broker)")
    state.decisions.send(decision)


def decide(
    db: sqlite3.Connection, state: WebState, caller: Caller, review_id: str,
    request: DecisionRequest, channel: str = "api",
) -> IdentityReviewDecision:  # fmt: skip
    """Send the decision on an OPEN, undecided item; 404 / 409 otherwise."""
    check_reviewer(caller)
    with _SEND_LOCK:
        row = review_queue.get_review(db, review_id)
        if row is None or not _involved(db, state, caller, row.item):
            raise ReviewNotFound(f"no review item {review_id!r}")
        now = state.clock()
        view = _sent_here(state, review_view(row, now))
        if not _visible(db, state, caller, view, now):
            raise ReviewNotFound(f"no review item {review_id!r}")
        if view.status != "OPEN" or view.pending is not None:
            raise ReviewConflict(f"review item {review_id} has been decided already")
        decision = review_decision(row.item, request.link_decision(), request.reason, caller, now)
        _send(state, decision)
        state.sent[review_id] = _pending(decision)
    _audit(state, caller, view, now, AuditAction.REVIEW_DECISION, decision.decision.value,
           channel)  # fmt: skip
    return decision


def _pending(decision: IdentityReviewDecision) -> PendingDecision:
    return PendingDecision(decision=decision.decision, decided_by=decision.decided_by,
                           decided_at=decision.decided_at)  # fmt: skip


def _on_child(db: sqlite3.Connection, members: list[str], key: str) -> bool:
    marks = ",".join("?" * len(members))
    row = db.execute(
        f"SELECT EXISTS (SELECT 1 FROM entries WHERE src_key = ? AND child_id IN ({marks}))"
        f" OR EXISTS (SELECT 1 FROM links WHERE key = ? AND child_id IN ({marks}))",
        [key, *members, key, *members],
    ).fetchone()
    return bool(row[0])


def unmerge(
    db: sqlite3.Connection, state: WebState, caller: Caller, child_id: str,
    request: UnmergeRequest, channel: str = "api",
) -> IdentityReviewDecision:  # fmt: skip
    """Ask for source records to be split off a child (each must be on that child); a second
    reviewer approves the request with `approve_unmerge` before the worker acts on it."""
    check_reviewer(caller)
    if not involved_with_all(db, state.partnership, caller, [(child_id, ())]):
        raise NotAllowed(f"organisation {caller.org} is not involved with this child")
    keys = list(dict.fromkeys(request.source_keys))
    now = state.clock()
    try:
        decision = unmerge_decision(child_id, keys, request.reason, caller, now)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc
    survivor, members, _ = reads.open_child(db, child_id, caller, now, state.access)
    for key in keys:
        if not _on_child(db, members, key):
            raise ReviewConflict(f"source record {key} is not on child {survivor}")
    if not set(_source_keys(db, members)) - set(keys):
        raise ReviewConflict("an unmerge must leave at least one source record on the child")
    decision = decision.model_copy(update={"child_id": survivor})
    _send(state, decision)
    state.audit.record(audit_record(caller, survivor, AuditAction.UNMERGE, now=now,
                                    detail="source records", entries=len(keys),
                                    channel=channel))  # fmt: skip
    return decision


def approve_unmerge(
    db: sqlite3.Connection, state: WebState, caller: Caller, request_id: str,
    channel: str = "api",
) -> IdentityReviewDecision:  # fmt: skip
    """Approve another reviewer's unmerge request: the worker then applies it."""
    check_reviewer(caller)
    with _SEND_LOCK:
        found = unmerge_requests.get_request(db, request_id)
        child = found[0].child_id if found else None
        if (
            found is None
            or child is None
            or not involved_with_all(db, state.partnership, caller, [(child, ())])
        ):
            raise ReviewNotFound(f"no unmerge request {request_id!r}")
        if found[1] or request_id in state.sent:
            raise ReviewConflict(f"unmerge request {request_id} has been approved already")
        decision = approved_unmerge(found[0], caller)
        _send(state, decision)
        state.sent[request_id] = _pending(decision)
    state.audit.record(audit_record(caller, child, AuditAction.UNMERGE, now=state.clock(),
                                    detail="approved", entries=len(decision.records),
                                    channel=channel))  # fmt: skip
    return decision


def pending_unmerges(
    db: sqlite3.Connection, state: WebState, caller: Caller, limit: int = 50
) -> list[IdentityReviewDecision]:
    """Unmerge requests waiting for a second reviewer, for children the caller is involved with."""
    check_reviewer(caller)
    waiting = unmerge_requests.pending_requests(db, limit)
    return [r for r in waiting if r.review_id not in state.sent and r.child_id
            and involved_with_all(db, state.partnership, caller, [(r.child_id, ())])]  # fmt: skip


def _source_keys(db: sqlite3.Connection, members: list[str]) -> list[str]:
    marks = ",".join("?" * len(members))
    rows = db.execute(f"SELECT DISTINCT src_key FROM entries WHERE child_id IN ({marks})", members)
    return [row["src_key"] for row in rows]
