"""The identity review page: open items side by side with their explanation, and the decision.

``GET /review`` lists open items oldest first; each shows the incoming record and the
candidate child's record side by side, the explanation as a waterfall (prior, one bar per
comparison, term-frequency adjustment, total) and a form with Link / Not a match buttons.
``POST /review/{review_id}`` sends the decision and redirects back (303) with a confirmation.

The form is protected against cross-site requests by the sign-in cookie (SameSite=Strict: a
browser does not send it with another site's POST) and, where the browser sends an Origin
header, by refusing any origin other than this service. Reviewer roles only, audited like
the API (channel "page").
"""

import sqlite3
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from hub.auth import Caller
from hub.errors import HubError
from hub.web.context import Db, PageCaller, State, WebState
from hub.web.review import actions
from hub.web.review.rules import NotAllowed, ReviewConflict, ReviewNotFound
from hub.web.review.views import DecisionRequest
from hub.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_PAGE_SIZE = 20
_SENT = {"link": "Link", "not_a_match": "Not a match"}


def _problem(request: Request, caller: Caller, status: int, title: str, message: str) -> Response:
    return render(request, "error.html", status, caller=caller, title=title, message=message)


@router.get("/review")
def review_page(request: Request, db: Db, caller: PageCaller, state: State) -> Response:
    cursor = request.query_params.get("cursor") or None
    try:
        page = actions.queue(db, state, caller, limit=_PAGE_SIZE, cursor=cursor,
                               channel="page")  # fmt: skip
    except NotAllowed as exc:
        return _problem(request, caller, 403, "Not available to your role", str(exc))
    except HubError as exc:
        return _problem(request, caller, 400, "Cannot show that", str(exc))
    sent = _SENT.get(request.query_params.get("sent", ""))
    next_url = f"?{urlencode({'cursor': page.next_cursor})}" if page.next_cursor else None
    return render(request, "review.html", caller=caller, page=page, sent=sent,
                   next_url=next_url, error=request.query_params.get("error"))  # fmt: skip


def _same_origin(request: Request) -> bool:
    # Browsers say where a request comes from in Sec-Fetch-Site; with Referrer-Policy
    # no-referrer their Origin header on a form post is "null", so it cannot be compared.
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True  # SameSite=Strict already kept the cookie off any cross-site request
    here = urlsplit(str(request.base_url))
    there = urlsplit(origin)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


@router.post("/review/{review_id}")
async def decide_form(
    review_id: str, request: Request, db: Db, caller: PageCaller, state: State
) -> Response:
    if not _same_origin(request):
        return _problem(request, caller, 403, "Refused", "that form came from another site")
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    try:
        body = DecisionRequest.model_validate(form)
    except ValidationError:
        back = urlencode({"error": "Choose Link or Not a match and give a reason."})
        return RedirectResponse(f"/review?{back}", status_code=303)
    # Sending waits for the broker's ack: do it off the event loop.
    return await run_in_threadpool(_decide, request, db, review_id, body, caller, state)


def _decide(
    request: Request, db: sqlite3.Connection, review_id: str, body: DecisionRequest,
    caller: Caller, state: WebState,
) -> Response:  # fmt: skip
    try:
        actions.decide(db, state, caller, review_id, body, channel="page")
    except NotAllowed as exc:
        return _problem(request, caller, 403, "Not available to your role", str(exc))
    except ReviewNotFound as exc:
        return _problem(request, caller, 404, "No such review", str(exc))
    except ReviewConflict as exc:
        return RedirectResponse(f"/review?{urlencode({'error': str(exc)})}", status_code=303)
    except HubError as exc:
        return _problem(request, caller, 503, "Decision not recorded", str(exc))
    return RedirectResponse(f"/review?{urlencode({'sent': body.decision})}", status_code=303)
