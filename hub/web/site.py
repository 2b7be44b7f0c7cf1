"""Site-wide pages: home, sign in and out (with the demo's one-click sign-in) and the API docs.

Pages use a sign-in cookie (HttpOnly, SameSite=Strict, Secure unless the browser talks to a
loopback address over plain HTTP, for local development) holding the caller's token: the
sign-in form checks the token and sets it until the token expires; every page verifies it
again (`hub.web.context`). Sign-out revokes the token (`WebState.sign_out`), on every web
instance, not just drops the cookie. With the generated development key (`dev_mode`), the
sign-in page also lists demo people: choosing one posts only the person's key, and the
server mints their token. No external assets: stylesheets come from ``/static`` and
``/vendor``.
"""

from contextlib import suppress
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth import AuthError, Session
from hub.authn import is_loopback
from hub.web.context import (
    COOKIE,
    State,
    WebState,
    api_session,
    dev_mode,
)
from hub.web.demo.people import find_person, sign_in_as
from hub.web.templating import render

__all__ = [
    "redirect_to_sign_in",
    "router",
    "safe_next",
    "secure_cookie",
    "set_session_cookie",
    "signed_in",
]

R = TypeVar("R", bound=Response)

router = APIRouter(include_in_schema=False)
_PAGE_SIZE = 50


def safe_next(target: str | None) -> str:
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


_DEMO_FORM_LIMIT = 4 * 1024  # a person's key and a path; refuse anything far larger unread


def _sign_in_page(request: Request, status: int, target: str, error: str | None) -> HTMLResponse:
    state: WebState = request.app.state.web
    people: list[Any] = state.demo_people if dev_mode(state) else []
    return render(request, "signin.html", status, next=target, error=error, login=state.login,
                  people=people)  # fmt: skip


@router.get("/signin")
def sign_in_form(request: Request, next: str = "/search") -> HTMLResponse:
    return _sign_in_page(request, 200, safe_next(next), None)


def secure_cookie(request: Request) -> bool:
    """Secure, unless this is plain HTTP between loopback addresses (local development).

    Behind a TLS proxy the request reaches us over HTTP, but the browser's host is not
    loopback, so the cookie is Secure there too.
    """
    client = request.client.host if request.client else ""
    local = is_loopback(request.url.hostname or "") and is_loopback(client)
    return request.url.scheme != "http" or not local


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    target = safe_next((form.get("next") or [""])[0])
    state: WebState = request.app.state.web
    try:
        session = state.session(token)
    except AuthError as exc:
        return _sign_in_page(request, 401, target, str(exc))
    return signed_in(request, state, token, session, target)


@router.post("/signin/demo")
async def sign_in_demo(request: Request) -> Response:
    """One click signs in as a demo person: the server mints their token (dev key only)."""
    state: WebState = request.app.state.web
    if not dev_mode(state) or state.auth is None or state.auth.local_key is None:
        # Not a demo: behave as if the route did not exist, so it reveals nothing.
        return render(request, "error.html", 404, caller=None, title="Page not found",
                      message="there is no such page")  # fmt: skip
    body = await request.body()
    if len(body) > _DEMO_FORM_LIMIT:
        return _sign_in_page(request, 413, "/search", "that sign-in request is too large")
    form = parse_qs(body.decode("utf-8", "replace"))
    person = find_person(state.demo_people, (form.get("person") or [""])[0])
    target = safe_next((form.get("next") or [""])[0])
    if person is None:
        return _sign_in_page(request, 400, target, "choose one of the demo people listed")
    rules = state.auth.local_rules
    token = sign_in_as(person, secret=state.auth.local_key, rules=rules, now=state.clock())
    session = state.session(token)
    return signed_in(request, state, token, session, person.home if target == "/search" else target)


def signed_in(request: Request, state: WebState, token: str, session: Session,
              target: str) -> RedirectResponse:  # fmt: skip
    """Go to ``target`` with the sign-in cookie holding ``token`` until it expires."""
    return set_session_cookie(RedirectResponse(target, status_code=303), request, state, token,
                              session)  # fmt: skip


def set_session_cookie(response: R, request: Request, state: WebState, token: str,
                       session: Session) -> R:  # fmt: skip
    """``response`` with the sign-in cookie holding ``token`` until the token expires."""
    lifetime = int((session.expires_at - state.clock()).total_seconds())
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", path="/",
        secure=secure_cookie(request), max_age=max(1, lifetime),
    )  # fmt: skip
    return response


@router.post("/signout")
def sign_out(request: Request, state: State) -> RedirectResponse:
    token = request.cookies.get(COOKIE)
    if token:
        with suppress(AuthError):  # expired or revoked already: nothing left to revoke
            state.sign_out(state.session(token))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=secure_cookie(request), httponly=True,
                           samesite="strict")  # fmt: skip
    return response


@router.post("/api/signout", status_code=204, include_in_schema=True, tags=["session"],
             summary="Revoke the bearer token")  # fmt: skip
def api_sign_out(session: Annotated[Session, Depends(api_session)], state: State) -> Response:
    """Revoke the token sent in ``Authorization: Bearer`` on every web instance: it is
    refused from now on, until it would have expired anyway."""
    state.sign_out(session)
    return Response(status_code=204)


@router.get("/docs")
def docs_page(request: Request, tag: Annotated[str | None, Query()] = None) -> HTMLResponse:
    spec = request.app.openapi()
    ops = [
        (path, method.upper(), op)
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
        if tag is None or tag in op.get("tags", [])
    ]
    return render(request, "docs.html", caller=None, spec=spec, ops=ops)
