"""Browser sign-in at the identity provider: the code flow with PKCE against a loopback IdP.

The provider here is real HTTP on loopback: a JWKS endpoint and a token endpoint that checks
the PKCE verifier and answers with an RS256 access token. The browser is the TestClient.
A callback that was not started here, carries another state, is replayed, or brings a
token for another audience is refused.
"""

import base64
import hashlib
import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from hub.auth import TokenRules
from hub.authn import Authenticator, OidcVerifier
from hub.claims import ClaimsMapping
from hub.config import Settings
from hub.errors import ConfigError
from hub.web.app import create_app
from hub.web.context import COOKIE, WebState
from hub.web.security.login import LOGIN_COOKIE
from hub.web.security.provider import OidcLogin
from hub.web.server import browser_login

ISSUER, AUDIENCE = "https://idp.example/realms/send", "send-hub-api"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class _Idp(BaseHTTPRequestHandler):
    issued: ClassVar[dict[str, Any]] = {}  # the next token's claims (tests change them)
    challenges: ClassVar[dict[str, str]] = {}  # code -> the challenge the browser was given
    seen: ClassVar[list[dict[str, list[str]]]] = []

    def do_GET(self) -> None:  # the JWKS
        jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key())) | {"kid": "k1", "alg": "RS256"}
        self._answer(200, {"keys": [jwk]})

    def do_POST(self) -> None:  # the token endpoint
        length = int(self.headers.get("content-length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        type(self).seen.append(form)
        verifier = form.get("code_verifier", [""])[0]
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if self.challenges.get(form.get("code", [""])[0]) != digest.rstrip(b"=").decode():
            self._answer(400, {"error": "invalid_grant"})
            return
        token = jwt.encode(self.issued, KEY, algorithm="RS256", headers={"kid": "k1"})
        self._answer(200, {"access_token": token, "token_type": "Bearer"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Idp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def browser(idp: str, state: WebState) -> Iterator[TestClient]:
    rules = TokenRules(issuer=ISSUER, audience=AUDIENCE)
    state.auth = Authenticator(None, TokenRules(issuer="send-hub"),
                               OidcVerifier(f"{idp}/certs", rules, ClaimsMapping()))  # fmt: skip
    state.login = OidcLogin(authorize_url="https://idp.example/auth", token_url=f"{idp}/token",
                            client_id="send-hub", client_secret="s3cret",
                            redirect_url="https://hub.example/signin/callback")  # fmt: skip
    now = int(datetime.now(UTC).timestamp())
    _Idp.issued = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-77", "iat": now, "exp": now + 600,
                   "jti": "idp-jti-1", "org": "888", "org_kind": "LOCAL_AUTHORITY",
                   "role": "EHC_COORD"}  # fmt: skip
    state.clock = lambda: datetime.now(UTC)
    with TestClient(create_app(state), base_url="https://hub.example") as client:
        yield client


def _start(browser: TestClient, code: str = "c0de") -> str:
    """Begin sign-in; the provider would send the browser back with ``code`` and the state."""
    sent = browser.get("/signin/provider", params={"next": "/review"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("https://idp.example")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(sent.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == ["send-hub"]
    _Idp.challenges[code] = query["code_challenge"][0]
    return query["state"][0]


def _back(browser: TestClient, state: str, code: str = "c0de") -> Any:
    return browser.get("/signin/callback", params={"code": code, "state": state},
                       follow_redirects=False)  # fmt: skip


def test_signing_in_at_the_provider(browser: TestClient) -> None:
    answer = _back(browser, _start(browser))
    assert answer.status_code == 200 and 'content="0;url=/review"' in answer.text
    assert browser.cookies.get(COOKIE) and not browser.cookies.get(LOGIN_COOKIE)
    assert browser.get("/search", follow_redirects=False).status_code == 200
    form = _Idp.seen[-1]
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["c0de"]
    assert form["redirect_uri"] == ["https://hub.example/signin/callback"]


def test_a_callback_with_another_state_is_refused(browser: TestClient) -> None:
    _start(browser)
    answer = _back(browser, "forged-state")
    assert answer.status_code == 401 and "does not match" in answer.text
    assert not browser.cookies.get(COOKIE)


def test_a_callback_not_started_here_or_replayed_is_refused(browser: TestClient) -> None:
    assert _back(browser, "whatever").status_code == 401  # no sign-in started
    state = _start(browser)
    assert _back(browser, state).status_code == 200
    browser.cookies.delete(COOKIE)
    replay = _back(browser, state)  # the same answer again: the login cookie is gone
    assert replay.status_code == 401 and not browser.cookies.get(COOKIE)


def test_a_code_without_the_right_verifier_gets_no_token(browser: TestClient) -> None:
    state = _start(browser, code="c1")
    _Idp.challenges["c1"] = "someone-elses-challenge"
    answer = _back(browser, state, code="c1")
    assert answer.status_code == 401 and "did not give a token" in answer.text


def test_a_provider_token_for_another_audience_signs_nobody_in(browser: TestClient) -> None:
    _Idp.issued = _Idp.issued | {"aud": "another-app"}
    answer = _back(browser, _start(browser))
    assert answer.status_code == 401 and "audience" in answer.text
    assert not browser.cookies.get(COOKIE)


def test_without_a_provider_there_is_no_provider_sign_in(client: TestClient) -> None:
    assert client.get("/signin/provider", follow_redirects=False).status_code == 404
    assert client.get("/signin/callback?code=x&state=y").status_code == 401
    assert "/signin/provider" not in client.get("/signin").text


def test_the_sign_in_page_offers_the_provider(browser: TestClient) -> None:
    assert "/signin/provider?next=" in browser.get("/signin").text


def test_a_tampered_login_cookie_cannot_send_the_browser_elsewhere(browser: TestClient) -> None:
    state = _start(browser)
    raw = json.loads(base64.urlsafe_b64decode(browser.cookies[LOGIN_COOKIE]))
    evil = json.dumps([raw[0], raw[1], "//evil.example/"]).encode()
    browser.cookies.clear()
    browser.cookies.set(LOGIN_COOKIE, base64.urlsafe_b64encode(evil).decode(),
                        domain="hub.example", path="/signin")  # fmt: skip
    answer = _back(browser, state)
    assert answer.status_code == 200 and "evil.example" not in answer.text
    assert 'content="0;url=/search"' in answer.text  # the safe default instead


def test_browser_sign_in_is_configured_whole_or_not_at_all(tmp_path: Any) -> None:
    assert browser_login(Settings(data_dir=tmp_path)) is None
    with pytest.raises(ConfigError, match="browser sign-in needs"):
        browser_login(Settings(data_dir=tmp_path, oidc_client_id="send-hub"))
    idp = {
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
        "oidc_jwks_url": "https://i/c",
        "oidc_client_id": "send-hub",
        "oidc_authorize_url": "https://i/auth",
        "oidc_token_url": "https://i/token",
        "oidc_redirect_url": "https://h/signin/callback",
    }
    login = browser_login(Settings(data_dir=tmp_path, **idp))
    assert login is not None and (login.client_id, login.client_secret) == ("send-hub", "")
