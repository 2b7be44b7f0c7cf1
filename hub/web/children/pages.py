"""The caseworker pages of children: search, and a child's record with its timeline.

Reads go through the same caller-aware read path as the API (`hub.web.children.reads`) and
are audited the same way, with channel "page". The child page shows each entry's basis, the
withheld counts by reason class and, for the roles the policy names, the access log.
"""

import sqlite3
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth import Caller
from hub.models import AuditAction
from hub.web.children import reads
from hub.web.children.access import Tally
from hub.web.children.access_api import AccessLog, access_log_for
from hub.web.children.api import audit_search
from hub.web.children.filters import MAX_LIMIT, timeline_filter
from hub.web.children.journey import summarise
from hub.web.children.views import TimelineItem
from hub.web.context import Db, PageCaller, State, WebState, dev_mode
from hub.web.demo.suggestions import suggest_children
from hub.web.readmodel import queries
from hub.web.security.ratelimit import RateLimited
from hub.web.sinks.audit import audit_record
from hub.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_JOURNEY_LIMIT = 5000  # entries on one page; about 25 years of weekly attendance plus events
_FIELDS = ("nhs_number", "upn", "given_name", "family_name", "date_of_birth")


def _audit(
    state: WebState, caller: Caller, child_id: str, action: AuditAction, now: datetime,
    detail: str, entries: int = 0, tally: Tally | None = None,
) -> None:  # fmt: skip
    rec = audit_record(caller, child_id, action, now=now, detail=detail, entries=entries,
                       channel="page", tally=tally)  # fmt: skip
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
    # Query parameters still work (old bookmarks) but the form posts: identifiers stay out of URLs.
    params = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
    return _search_page(request, db, caller, state, params)


@router.post("/search")
async def search_form(request: Request, db: Db, caller: PageCaller, state: State) -> HTMLResponse:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    params = {k: v[0].strip()[:100] for k, v in form.items() if k in _FIELDS and v[0].strip()}
    return _search_page(request, db, caller, state, params)


def _search_page(request: Request, db: sqlite3.Connection, caller: Caller, state: WebState,
                 params: dict[str, str]) -> HTMLResponse:  # fmt: skip
    result, problem, status = None, None, 200
    if params:
        try:
            query = _search_query(params)
            now = state.clock()
            state.search_limit.take(caller, now, "page")
            result, hidden = reads.search(db, query, caller, now, state.access)
        except queries.QueryError as exc:
            problem, status = str(exc), 400
        except RateLimited as exc:
            problem, status = str(exc), 429
        else:
            audit_search(state, caller, now, query, result, hidden, "page")
    examples = _examples(db, caller, state) if not params and dev_mode(state) else []
    return render(request, "search.html", status, caller=caller, params=params,
                   result=result, error=problem, examples=examples)  # fmt: skip


_EXAMPLES = 3
_LOOK_AT = 12  # visible candidates described before choosing (each is a whole-timeline read)
_CANDIDATES = 80  # ranked over the whole read model, before the caller's access is applied


def _examples(db: sqlite3.Connection, caller: Caller, state: WebState) -> list[dict[str, Any]]:
    """The demo's suggested children among those the caller may see, ranked and described by
    what the caller may see (never by entries withheld from them); each offered one is audited
    as a search hit."""
    now = state.clock()
    seen: list[dict[str, Any]] = []
    for hint in suggest_children(db, count=_CANDIDATES):
        if len(seen) == _LOOK_AT:
            break
        if reads.may_see_child(db, hint.child_id, caller, now, state.access):
            example = _example(db, hint.child_id, caller, now, state)
            seen += [example] if example else []
    seen.sort(key=lambda e: (e["agencies"], e["years"] >= 2, e["entries"]), reverse=True)
    for example in seen[:_EXAMPLES]:
        _audit(state, caller, example["child_id"], AuditAction.SEARCH, now, "demo suggestion",
               example["entries"], example.pop("tally"))  # fmt: skip
    return seen[:_EXAMPLES]


def _example(
    db: sqlite3.Connection, child_id: str, caller: Caller, now: datetime, state: WebState
) -> dict[str, Any] | None:
    record, _ = reads.child_record(db, child_id, caller, now, state.access)
    items, tally, _ = _whole_timeline(db, child_id, timeline_filter([], [], None, None),
                                      caller, now, state)  # fmt: skip
    if not items or not record.sources:
        return None
    lead, summary = record.sources[0], summarise(items).summary
    name = f"{lead.given_name or ''} {lead.family_name or ''}".strip()
    return {"child_id": record.child_id, "name": name, "agencies": len(summary.agencies),
            "years": summary.years, "entries": summary.entries, "tally": tally}  # fmt: skip


def _whole_timeline(
    db: sqlite3.Connection, child_id: str, flt: queries.TimelineFilter, caller: Caller,
    now: datetime, state: WebState,
) -> tuple[list[TimelineItem], Tally, bool]:  # fmt: skip
    """Every entry the caller may see (up to the page's limit), what was shown and withheld,
    and whether more entries were left."""
    items: list[TimelineItem] = []
    total, cursor = Tally(), None
    while len(items) < _JOURNEY_LIMIT:
        page, tally = reads.timeline(db, child_id, flt, MAX_LIMIT, cursor, caller, now,
                                     state.access)  # fmt: skip
        items += page.items
        total.shown += tally.shown
        total.withheld += tally.withheld
        total.by_reason.update(tally.by_reason)
        total.by_basis.update(tally.by_basis)
        cursor = page.next_cursor
        if cursor is None:
            return items, total, False
    return items[:_JOURNEY_LIMIT], total, True


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
    record, rtally = reads.child_record(db, child_id, caller, now, state.access)
    items, tally, truncated = _whole_timeline(db, child_id, flt, caller, now, state)
    # The summary band describes the whole journey, whatever the filters show below it.
    everything, withheld = items, tally
    if flt.agencies or flt.categories or flt.date_from or flt.date_to:
        everything, withheld, _ = _whole_timeline(
            db, child_id, timeline_filter([], [], None, None), caller, now, state
        )
    _audit(state, caller, record.child_id, AuditAction.RECORD, now, "page", len(record.sources),
           rtally)  # fmt: skip
    _audit(state, caller, record.child_id, AuditAction.TIMELINE, now, "page", len(items),
           tally)  # fmt: skip
    filters = {k: v for k, v in qp.multi_items() if v}
    return {"record": record, "journey": summarise(everything, items), "flt": flt,
            "truncated": truncated, "filters": filters, "filtered": bool(filters),
            "limit": _JOURNEY_LIMIT, "withheld": dict(withheld.by_reason),
            "access_log": _access_log(state, db, child_id, caller)}  # fmt: skip


def _access_log(
    state: WebState, db: sqlite3.Connection, child_id: str, caller: Caller
) -> AccessLog | None:
    """The page's access-log section, for the roles the policy lets read it."""
    if caller.role.value not in state.access.policy.access_log_roles:
        return None
    return access_log_for(state, db, child_id, caller, "page", limit=20)


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
