"""Browser sign-in with the partnership's identity provider (OpenID Connect code flow + PKCE).

``GET /signin/provider`` sends the browser to the provider's authorisation endpoint with a
fresh ``state`` and a PKCE challenge; the pair (state, verifier) and where to go afterwards
ride in a short-lived HttpOnly cookie (SameSite=Lax, so it comes back on the provider's
redirect). ``GET /signin/callback`` accepts the code only with that cookie and the same
``state`` (a forged, foreign or replayed callback is refused: the cookie is used once),
exchanges it at the token endpoint with the verifier, verifies the access token exactly as an
API bearer token (`hub.authn`) and signs the browser in with it.
"""

import base64
import hmac
import html
import json
import secrets
import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.auth import AuthError
from hub.web.context import State
from hub.web.security.provider import challenge, exchange
from hub.web.site import safe_next, secure_cookie, set_session_cookie
from hub.web.templating import render

__all__ = ["LOGIN_COOKIE", "router"]

LOGIN_COOKIE = "send_hub_login"
_LOGIN_SECONDS = 600
router = APIRouter(include_in_schema=False)


@router.get("/signin/provider")
def start(request: Request, web: State,
          next: Annotated[str, Query(max_length=2000)] = "/search") -> Response:  # fmt: skip
    """Off to the identity provider, with a fresh state and PKCE challenge."""
    login = web.login
    if login is None:
        return render(request, "signin.html", 404, next=safe_next(next), login=None,
                      error="no identity provider is configured here")  # fmt: skip
    nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": login.client_id, "redirect_uri": login.redirect_url,
        "scope": login.scopes, "state": nonce, "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
    })  # fmt: skip
    response = RedirectResponse(f"{login.authorize_url}?{query}", status_code=303)
    value = json.dumps([nonce, verifier, safe_next(next)])
    response.set_cookie(LOGIN_COOKIE, base64.urlsafe_b64encode(value.encode()).decode(),
                        max_age=_LOGIN_SECONDS, httponly=True, samesite="lax",
                        secure=secure_cookie(request), path="/signin")  # fmt: skip
    return response


def _continue(target: str) -> HTMLResponse:
    where = html.escape(target, quote=True)
    return HTMLResponse(
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={where}"><title>Signed in</title></head>'
        f'<body><p>Signed in. <a href="{where}">Continue</a></p></body></html>'
    )


def _pending(request: Request) -> tuple[str, str, str]:
    try:
        raw = base64.urlsafe_b64decode(request.cookies.get(LOGIN_COOKIE, "").encode())
        nonce, verifier, target = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise AuthError("the sign-in was not started here, or took too long: start again") from exc
    if not all(isinstance(v, str) and v for v in (nonce, verifier, target)):
        raise AuthError("the sign-in was not started here: start again")
    return nonce, verifier, safe_next(target)  # only ever back to a page of this site


@router.get("/signin/callback")
def callback(
    request: Request, web: State,
    code: Annotated[str, Query(max_length=4096)] = "",
    nonce: Annotated[str, Query(alias="state", max_length=200)] = "",
) -> Response:  # fmt: skip
    """The provider's redirect back: exchange the code, verify the token, sign in."""
    try:
        if web.login is None:
            raise AuthError("no identity provider is configured here")
        expected, verifier, target = _pending(request)
        if not nonce or not hmac.compare_digest(nonce.encode(), expected.encode()):
            raise AuthError("the sign-in answer does not match the sign-in started here")
        token = exchange(web.login, code, verifier)
        # A page, not a redirect: a navigation that began at the provider (another site)
        # would not carry the SameSite=Strict cookie; one this page starts does.
        response: Response = set_session_cookie(_continue(target), request, web, token,
                                                web.session(token))  # fmt: skip
    except AuthError as exc:
        response = render(request, "signin.html", 401, next="/search", login=web.login,
                          error=str(exc))  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path="/signin")  # used once, whatever the outcome
    return response
