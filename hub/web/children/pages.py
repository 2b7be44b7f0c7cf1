"""The caseworker pages of children: search, and a child's record with its timeline.

Reads go through the same caller-aware read path as the API (`hub.web.children.reads`) and
are audited the same way, with channel "page".
"""

import sqlite3
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth import Caller
from hub.models import AuditAction
from hub.web.children import reads
from hub.web.children.filters import MAX_LIMIT, timeline_filter
from hub.web.children.journey import summarise
from hub.web.children.views import TimelineItem
from hub.web.context import Db, PageCaller, State, WebState, dev_mode
from hub.web.demo.suggestions import suggest_children
from hub.web.readmodel import queries
from hub.web.sinks.audit import audit_record
from hub.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_JOURNEY_LIMIT = 5000  # entries on one page; about 25 years of weekly attendance plus events


def _audit(
    state: WebState, caller: Caller, child_id: str, action: AuditAction, now: datetime,
    detail: str, entries: int = 0,
) -> None:  # fmt: skip
    rec = audit_record(caller, child_id, action, now=now, detail=detail, entries=entries,
                       channel="page")  # fmt: skip
    state.audit.record(rec)


def _search_query(params: dict[str, str]) -> reads.SearchQuery:
    dob_text = params.get("date_of_birth", "").strip()
    try:
        dob = date.fromisoformat(dob_text) if dob_text else None
    except ValueError as exc:
        raise queries.QueryError("date of birth must be a date like 2019-03-01") from exc
    return reads.SearchQuery(
        nhs_number=params.get("nhs_number") or None, upn=params.get("upn") or None,
        given_name=params.get("given_name") or None,
        family_name=params.get("family_name") or None, date_of_birth=dob,
    )  # fmt: skip


@router.get("/search")
def search_page(request: Request, db: Db, caller: PageCaller, state: State) -> HTMLResponse:
    params = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
    result, problem = None, None
    if params:
        try:
            query = _search_query(params)
            now = state.clock()
            result = reads.search(db, query, caller, now)
        except queries.QueryError as exc:
            problem = str(exc)
        else:
            detail = "by " + ",".join(query.kinds())
            for hit in result.results:
                _audit(state, caller, hit.child_id, AuditAction.SEARCH, now, detail)
    status = 400 if problem else 200
    examples = _examples(db, caller, state) if not params and dev_mode(state) else []
    return render(request, "search.html", status, caller=caller, params=params,
                   result=result, error=problem, examples=examples)  # fmt: skip


def _examples(db: sqlite3.Connection, caller: Caller, state: WebState) -> list[dict[str, Any]]:
    """The demo's suggested children, named as the caller may see them (and audited)."""
    now = state.clock()
    out = []
    for hint in suggest_children(db):
        record = reads.child_record(db, hint.child_id, caller, now)
        if not record.sources:
            continue  # nothing of this child is visible to the caller
        lead = record.sources[0]
        _audit(state, caller, record.child_id, AuditAction.SEARCH, now, "demo suggestion")
        name = f"{lead.given_name or ''} {lead.family_name or ''}".strip()
        out.append({"child_id": record.child_id, "hint": hint, "name": name})
    return out


def _whole_timeline(
    db: sqlite3.Connection, child_id: str, flt: queries.TimelineFilter, caller: Caller,
    now: datetime,
) -> tuple[list[TimelineItem], bool]:  # fmt: skip
    """Every entry the caller may see (up to the page's limit), and whether more were left."""
    items: list[TimelineItem] = []
    cursor: str | None = None
    while len(items) < _JOURNEY_LIMIT:
        page = reads.timeline(db, child_id, flt, MAX_LIMIT, cursor, caller, now)
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items, False
    return items[:_JOURNEY_LIMIT], True


def _child_view(
    request: Request, db: sqlite3.Connection, child_id: str, caller: Caller, state: WebState,
) -> dict[str, Any]:  # fmt: skip
    qp = request.query_params
    date_from, date_to = (qp.get(name) or None for name in ("from", "to"))
    flt = timeline_filter(
        qp.getlist("agency"), qp.getlist("category"),
        date.fromisoformat(date_from) if date_from else None,
        date.fromisoformat(date_to) if date_to else None,
    )  # fmt: skip
    now = state.clock()
    record = reads.child_record(db, child_id, caller, now)
    items, truncated = _whole_timeline(db, child_id, flt, caller, now)
    # The summary band describes the whole journey, whatever the filters show below it.
    everything = items
    if flt.agencies or flt.categories or flt.date_from or flt.date_to:
        everything, _ = _whole_timeline(db, child_id, timeline_filter([], [], None, None),
                                        caller, now)  # fmt: skip
    _audit(state, caller, record.child_id, AuditAction.RECORD, now, "page", len(record.sources))
    _audit(state, caller, record.child_id, AuditAction.TIMELINE, now, "page", len(items))
    filters = {k: v for k, v in qp.multi_items() if v}
    return {"record": record, "journey": summarise(everything, items), "flt": flt,
            "truncated": truncated, "filters": filters, "filtered": bool(filters),
            "limit": _JOURNEY_LIMIT}  # fmt: skip


@router.get("/children/{child_id}")
def child_page(
    child_id: str, request: Request, db: Db, caller: PageCaller, state: State
) -> Response:
    try:
        survivor, _ = reads.resolve_child(db, child_id)
        if survivor != child_id:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/children/{survivor}{query}", status_code=303)
        view = _child_view(request, db, child_id, caller, state)
    except reads.ChildNotFound:
        return render(request, "error.html", 404, caller=caller, title="No such child",
                       message=f"There is no child with id {child_id}.")  # fmt: skip
    except (queries.QueryError, ValueError) as exc:
        return render(request, "error.html", 400, caller=caller, title="Cannot show that",
                       message=str(exc))  # fmt: skip
    return render(request, "child.html", caller=caller, **view)
