"""The identity provider's side of browser sign-in: its endpoints, PKCE, the code exchange.

Plain functions over the standard library (no web framework), so the settings can name an
`OidcLogin` and tests can run the exchange against a token endpoint on loopback.
"""

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from hub.auth import AuthError

__all__ = ["OidcLogin", "challenge", "exchange"]


@dataclass(frozen=True)
class OidcLogin:
    """The provider's endpoints and this service's registration there."""

    authorize_url: str
    token_url: str
    client_id: str
    redirect_url: str  # this service's /signin/callback as the browser reaches it
    client_secret: str = ""  # empty: a public client (PKCE only)
    scopes: str = "openid"
    timeout_s: float = 10.0


def challenge(verifier: str) -> str:
    """The S256 PKCE challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def exchange(login: OidcLogin, code: str, verifier: str) -> str:
    """The access token the provider gives for ``code`` (AuthError if it gives none)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": login.redirect_url,
            "client_id": login.client_id, "code_verifier": verifier}  # fmt: skip
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if login.client_secret:
        pair = f"{urllib.parse.quote(login.client_id)}:{urllib.parse.quote(login.client_secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(login.token_url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=login.timeout_s) as answer:
            token = json.loads(answer.read(1024 * 1024)).get("access_token")
    except (urllib.error.URLError, OSError, ValueError, AttributeError) as exc:
        raise AuthError("the identity provider did not give a token for that code") from exc
    if not isinstance(token, str) or not token:
        raise AuthError("the identity provider did not give a token for that code")
    return token
