"""Site-wide pages: home, sign in and out (with the demo's one-click sign-in) and the API docs.

Pages use a sign-in cookie (HttpOnly, SameSite=Strict) holding the caller's token: the
sign-in form checks the token and sets it; every page verifies it again (`hub.web.context`).
No external assets: the stylesheet is served from ``/static``.
"""

from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth import AuthError
from hub.web.context import (
    COOKIE,
    WebState,
    dev_mode,
)
from hub.web.demo.people import find_person, sign_in_as
from hub.web.templating import render

__all__ = ["redirect_to_sign_in", "router"]

router = APIRouter(include_in_schema=False)
_PAGE_SIZE = 50


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


_FORM_LIMIT = 16 * 1024  # a token is well under 2 KB; refuse anything far larger unread


def _people(state: WebState) -> list[Any]:
    return state.demo_people if dev_mode(state) else []


def _sign_in_page(request: Request, status: int, target: str, error: str | None) -> HTMLResponse:
    people = _people(request.app.state.web)
    return render(request, "signin.html", status, next=target, error=error, people=people)


async def _form(request: Request) -> dict[str, list[str]] | None:
    body = await request.body()
    if len(body) > _FORM_LIMIT:
        return None
    return parse_qs(body.decode("utf-8", "replace"))


def _signed_in(request: Request, token: str, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", path="/",
        secure=request.url.scheme == "https", max_age=8 * 3600,
    )  # fmt: skip
    return response


@router.get("/signin")
def sign_in_form(request: Request, next: str = "/search") -> HTMLResponse:
    return _sign_in_page(request, 200, _safe_next(next), None)


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    form = await _form(request)
    if form is None:
        return _sign_in_page(request, 413, "/search", "that sign-in request is too large")
    token = (form.get("token") or [""])[0].strip()
    target = _safe_next((form.get("next") or [""])[0])
    state: WebState = request.app.state.web
    try:
        state.authenticate(token)
    except AuthError as exc:
        return _sign_in_page(request, 401, target, str(exc))
    return _signed_in(request, token, target)


@router.post("/signin/demo")
async def sign_in_demo(request: Request) -> Response:
    """One click signs in as a demo person: the server mints their token (dev key only)."""
    state: WebState = request.app.state.web
    if not dev_mode(state):
        # Not a demo: behave as if the route did not exist, so it reveals nothing.
        return render(request, "error.html", 404, caller=None, title="Page not found",
                       message="there is no such page")  # fmt: skip
    form = await _form(request)
    if form is None:
        return _sign_in_page(request, 413, "/search", "that sign-in request is too large")
    person = find_person(state.demo_people, (form.get("person") or [""])[0])
    target = _safe_next((form.get("next") or [""])[0])
    if person is None:
        return _sign_in_page(request, 400, target, "choose one of the demo people listed")
    token = sign_in_as(person, secret=state.secret, issuer=state.issuer, now=state.clock())
    return _signed_in(request, token, person.home if target == "/search" else target)


@router.post("/signout")
def sign_out() -> RedirectResponse:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


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
