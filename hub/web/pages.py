"""Server-rendered pages for people: sign in, search, a child's timeline, ops, API docs.

Pages use a sign-in cookie (HttpOnly, SameSite=Strict) holding the caller's token: the
sign-in form checks the token and sets it; every page verifies it again. Reads go through
the same caller-aware read path as the API and are audited the same way (channel "page").
No external assets: the stylesheet is served from ``/static``.
"""

import sqlite3
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth import AuthError, Caller
from hub.models import AuditAction
from hub.web import queries, readpath, store
from hub.web.audit import audit_record
from hub.web.filters import timeline_filter
from hub.web.state import COOKIE, WebState, database, page_caller, web_state
from hub.web.templating import TEMPLATES

__all__ = ["redirect_to_sign_in", "router"]

router = APIRouter(include_in_schema=False)
Db = Annotated[sqlite3.Connection, Depends(database)]
Who = Annotated[Caller, Depends(page_caller)]
State = Annotated[WebState, Depends(web_state)]
_PAGE_SIZE = 50


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never redirect a signed-in caseworker to another site.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/search"


def redirect_to_sign_in(request: Request) -> RedirectResponse:
    """Send the browser to the sign-in page, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?{urlencode({'next': here})}", status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/search", status_code=303)


@router.get("/signin")
def sign_in_form(request: Request, next: str = "/search") -> HTMLResponse:
    return _render(request, "signin.html", next=_safe_next(next), error=None)


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    target = _safe_next((form.get("next") or [""])[0])
    state: WebState = request.app.state.web
    try:
        caller = state.authenticate(token)
    except AuthError as exc:
        return _render(request, "signin.html", 401, next=target, error=str(exc))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", path="/",
        secure=request.url.scheme == "https", max_age=8 * 3600,
    )  # fmt: skip
    del caller
    return response


@router.post("/signout")
def sign_out() -> RedirectResponse:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _audit(
    state: WebState, caller: Caller, child_id: str, action: AuditAction, now: datetime,
    detail: str, entries: int = 0,
) -> None:  # fmt: skip
    rec = audit_record(caller, child_id, action, now=now, detail=detail, entries=entries,
                       channel="page")  # fmt: skip
    state.audit.record(rec)


def _search_query(params: dict[str, str]) -> readpath.SearchQuery:
    dob_text = params.get("date_of_birth", "").strip()
    try:
        dob = date.fromisoformat(dob_text) if dob_text else None
    except ValueError as exc:
        raise queries.QueryError("date of birth must be a date like 2019-03-01") from exc
    return readpath.SearchQuery(
        nhs_number=params.get("nhs_number") or None, upn=params.get("upn") or None,
        given_name=params.get("given_name") or None,
        family_name=params.get("family_name") or None, date_of_birth=dob,
    )  # fmt: skip


@router.get("/search")
def search_page(request: Request, db: Db, caller: Who, state: State) -> HTMLResponse:
    params = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
    result, problem = None, None
    if params:
        try:
            query = _search_query(params)
            now = state.clock()
            result = readpath.search(db, query, caller, now)
        except queries.QueryError as exc:
            problem = str(exc)
        else:
            detail = "by " + ",".join(query.kinds())
            for hit in result.results:
                _audit(state, caller, hit.child_id, AuditAction.SEARCH, now, detail)
    status = 400 if problem else 200
    return _render(request, "search.html", status, caller=caller, params=params,
                   result=result, error=problem)  # fmt: skip


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
    record = readpath.child_record(db, child_id, caller, now)
    page = readpath.timeline(db, child_id, flt, _PAGE_SIZE, qp.get("cursor") or None, caller, now)
    _audit(state, caller, record.child_id, AuditAction.RECORD, now, "page", len(record.sources))
    _audit(state, caller, record.child_id, AuditAction.TIMELINE, now, "page", len(page.items))
    base = [(k, v) for k, v in qp.multi_items() if k != "cursor" and v]
    next_url = f"?{urlencode([*base, ('cursor', page.next_cursor)])}" if page.next_cursor else None
    first_url = f"?{urlencode(base)}" if qp.get("cursor") else None
    return {"record": record, "page": page, "flt": flt, "next_url": next_url,
            "first_url": first_url, "filters": dict(base)}  # fmt: skip


@router.get("/children/{child_id}")
def child_page(child_id: str, request: Request, db: Db, caller: Who, state: State) -> Response:
    try:
        survivor, _ = readpath.resolve_child(db, child_id)
        if survivor != child_id:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/children/{survivor}{query}", status_code=303)
        view = _child_view(request, db, child_id, caller, state)
    except readpath.ChildNotFound:
        return _render(request, "error.html", 404, caller=caller, title="No such child",
                       message=f"There is no child with id {child_id}.")  # fmt: skip
    except (queries.QueryError, ValueError) as exc:
        return _render(request, "error.html", 400, caller=caller, title="Cannot show that",
                       message=str(exc))  # fmt: skip
    return _render(request, "child.html", caller=caller, **view)


@router.get("/ops")
def ops_page(request: Request, db: Db, state: State) -> HTMLResponse:
    feeder = state.feeder.status if state.feeder else None
    return _render(request, "ops.html", caller=None, ready=state.ready(), feeder=feeder,
                   counts=store.status(db))  # fmt: skip


@router.get("/docs")
def docs_page(request: Request, tag: Annotated[str | None, Query()] = None) -> HTMLResponse:
    spec = request.app.openapi()
    ops = [
        (path, method.upper(), op)
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if tag is None or tag in op.get("tags", [])
    ]
    return _render(request, "docs.html", caller=None, spec=spec, ops=ops)
