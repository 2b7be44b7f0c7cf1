"""Web hardening, attack by attack: every request here must be refused (or answered safely).

Authentication is a route dependency (no path trick skips it), ``/ops`` needs an operations
role, sign-out revokes the token on every instance, over-large requests are refused before
they are read, every response carries the security headers, identifiers are searched by POST
and searches are rate-limited per caller.
"""

import asyncio
import base64
import json
import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, Role, Session, issue_token
from hub.models import EventType as T
from hub.revocation import Revocations
from hub.web.app import create_app
from hub.web.context import COOKIE, WebState
from hub.web.metrics import REGISTRY  # the web process's own registry
from hub.web.readmodel.projection import apply_entry
from hub.web.security.limits import CSP, RequestGuard
from hub.web.security.ratelimit import SearchLimiter
from hub.web.security.revocations import apply_revocation, revocation_of
from schemas.serde import encode_model
from tests.unit.web.conftest import ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry

A = "C00000000000a"
ADA = Person("P-1", nhs_number="9434765919", upn="B801200005001")


@pytest.fixture(autouse=True)
def filled(conn: sqlite3.Connection) -> None:
    apply_entry(conn, entry(A, ADA, T.PupilEnrolled))


def _token(caller: Caller, **kw: Any) -> str:
    return issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW,
                       ttl=kw.pop("ttl", timedelta(hours=1)))  # fmt: skip


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- authentication as a dependency ------------------------------------------------------


def _api_routes(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [(method, path) for path, ops in spec["paths"].items() for method in ops
            if path.startswith("/api/")]  # fmt: skip


def test_every_api_route_refuses_a_request_without_a_token(client: TestClient) -> None:
    routes = _api_routes(client)
    assert len(routes) >= 8
    for method, path in routes:
        url = path.replace("{child_id}", A).replace("{review_id}", "R" + "0" * 16)
        url = url.replace("{request_id}", "U" + "0" * 32)
        response = client.request(method, url, json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("root_path", ["/proxy", "/x/y"])
def test_a_root_path_does_not_skip_authentication(state: WebState, root_path: str) -> None:
    with TestClient(create_app(state), base_url="https://testserver", root_path=root_path) as c:
        response = c.post("/api/children/search", json={"nhs_number": "9434765919"})
        assert response.status_code == 401


def test_the_ops_page_needs_an_operations_role(client: TestClient, caller: Caller) -> None:
    assert client.get("/ops", follow_redirects=False).status_code == 303
    client.cookies.set(COOKIE, _token(caller))
    assert client.get("/ops").status_code == 403
    client.cookies.set(COOKIE, _token(caller.model_copy(update={"role": Role.ADMIN})))
    assert client.get("/ops").status_code == 200


# --- sign-out revokes ---------------------------------------------------------------------


def test_signing_out_revokes_the_page_token(client: TestClient, token: str) -> None:
    assert client.post("/signin", data={"token": token}, follow_redirects=False).status_code == 303
    assert client.get("/search", follow_redirects=False).status_code == 200
    assert client.post("/signout", follow_redirects=False).status_code == 303
    client.cookies.set(COOKIE, token)  # the stolen or kept cookie
    assert client.get("/search", follow_redirects=False).status_code == 303  # sign in again
    refused = client.post("/signin", data={"token": token})
    assert refused.status_code == 401 and "revoked" in refused.text


def test_signing_out_revokes_a_bearer_token(client: TestClient, auth: dict[str, str]) -> None:
    search = {"nhs_number": "9434765919"}
    assert client.post("/api/children/search", json=search, headers=auth).status_code == 200
    assert client.post("/api/signout", headers=auth).status_code == 204
    again = client.post("/api/children/search", json=search, headers=auth)
    assert again.status_code == 401 and "revoked" in again.json()["detail"]


class _Topic:
    """What send.auth.revocations does between two instances: deliver to every follower."""

    def __init__(self, *followers: Revocations) -> None:
        self.followers = followers

    def publish(self, session: Session, now: Any) -> None:
        for revoked in self.followers:
            apply_revocation(revoked, encode_model(revocation_of(session, now)))

    def close(self) -> None:
        pass


def test_a_sign_out_on_one_instance_is_refused_by_another(
    db_path: Any, conn: sqlite3.Connection, auth: dict[str, str]
) -> None:
    one = WebState(db_path=db_path, secret=SECRET, issuer=ISSUER, clock=lambda: NOW)
    two = WebState(db_path=db_path, secret=SECRET, issuer=ISSUER, clock=lambda: NOW)
    assert one.auth is not None and two.auth is not None
    one.revocations = _Topic(two.auth.revoked)
    with TestClient(create_app(one)) as a, TestClient(create_app(two)) as b:
        assert b.post("/api/children/search", json={"upn": "B801200005001"},
                      headers=auth).status_code == 200  # fmt: skip
        assert a.post("/api/signout", headers=auth).status_code == 204
        assert b.post("/api/children/search", json={"upn": "B801200005001"},
                      headers=auth).status_code == 401  # fmt: skip


@pytest.mark.parametrize("value", [None, b"", b"junk", encode_model(entry(A, ADA, T.Diagnosis))])
def test_a_bad_record_on_the_revocations_topic_is_skipped(value: bytes | None) -> None:
    revoked = Revocations()
    assert not apply_revocation(revoked, value) and len(revoked) == 0


# --- request limits and headers -----------------------------------------------------------


def test_a_30_mb_body_to_signin_is_refused_before_it_is_read(client: TestClient) -> None:
    before = _value("send_hub_web_requests_refused_total", reason="body_too_large")
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = client.post("/signin", content=b"token=" + b"x" * (30 * 1024 * 1024), headers=form)
    assert response.status_code == 413
    assert _value("send_hub_web_requests_refused_total", reason="body_too_large") == before + 1


def test_a_streamed_body_is_read_only_up_to_the_limit() -> None:
    # No Content-Length (chunked): the guard stops reading at the limit, not at 30 MB.
    chunk, read, sent = b"x" * 65536, 0, []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": read < 30 * 1024 * 1024}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(scope: Any, rcv: Any, snd: Any) -> None:
        raise AssertionError("the route must not run")

    scope = {"type": "http", "path": "/signin", "headers": [(b"host", b"x")]}
    asyncio.run(RequestGuard(app, max_body_bytes=64 * 1024)(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413 and read <= 2 * len(chunk)


@pytest.mark.parametrize(("headers", "status"), [({"x-junk": "a" * 20000}, 431),
                                                 ({"content-length": "12x"}, 400)])  # fmt: skip
def test_oversized_headers_and_bad_lengths_are_refused(
    client: TestClient, headers: dict[str, str], status: int
) -> None:
    assert client.get("/health", headers=headers).status_code == status


@pytest.mark.parametrize("url", ["/signin", "/health", "/api/children/search", "/nowhere",
                                 f"/api/children/{A}/timeline"])  # fmt: skip
def test_every_response_carries_the_security_headers(client: TestClient, auth: dict[str, str],
                                                     url: str) -> None:  # fmt: skip
    response = client.get(url, headers=auth)
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP


def test_pages_use_no_inline_script_or_style(client: TestClient, token: str) -> None:
    client.post("/signin", data={"token": token})
    for url in ("/signin", "/search", f"/children/{A}", "/review", "/docs"):
        text = client.get(url).text
        assert "<script" not in text and "style=" not in text and " on" + "click" not in text
    static = client.get("/static/hub.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


def test_the_cookie_is_secure_except_on_loopback_http(state: WebState, token: str) -> None:
    with TestClient(create_app(state), base_url="http://127.0.0.1",
                    client=("127.0.0.1", 5000)) as local:  # fmt: skip
        cookie = local.post("/signin", data={"token": token}, follow_redirects=False)
        assert "secure" not in cookie.headers["set-cookie"].lower()
    with TestClient(create_app(state), base_url="http://hub.example.org") as proxied:
        cookie = proxied.post("/signin", data={"token": token}, follow_redirects=False)
        assert "secure" in cookie.headers["set-cookie"].lower()  # TLS ends at the proxy
        assert "httponly" in cookie.headers["set-cookie"].lower()


# --- searching by POST, rate limited ------------------------------------------------------


def test_identifiers_are_searched_by_post_and_get_is_deprecated(
    client: TestClient, auth: dict[str, str]
) -> None:
    found = client.post("/api/children/search", json={"nhs_number": "943 476 5919"}, headers=auth)
    assert found.status_code == 200 and [r["child_id"] for r in found.json()["results"]] == [A]
    spec = client.get("/openapi.json").json()
    assert spec["paths"]["/api/children"]["get"]["deprecated"] is True
    assert "deprecated" not in spec["paths"]["/api/children/search"]["post"]


@pytest.mark.parametrize("body", [{"nhs_number": "9" * 33}, {"upn": "x", "ssn": "1"},
                                  {"date_of_birth": "yesterday"}, {"family_name": 7}])  # fmt: skip
def test_malformed_or_over_long_searches_are_refused(client: TestClient, auth: dict[str, str],
                                                     body: dict[str, Any]) -> None:  # fmt: skip
    assert client.post("/api/children/search", json=body, headers=auth).status_code == 400


def test_searches_are_rate_limited_per_caller(
    client: TestClient, state: WebState, caller: Caller, auth: dict[str, str]
) -> None:
    state.search_limit = SearchLimiter(per_minute=3, capacity=3)
    body = {"upn": "B801200005001"}
    before = _value("send_hub_search_rate_limited_total", channel="api")
    codes = [client.post("/api/children/search", json=body, headers=auth).status_code
             for _ in range(4)]  # fmt: skip
    assert codes == [200, 200, 200, 429]
    assert _value("send_hub_search_rate_limited_total", channel="api") == before + 1
    other = caller.model_copy(update={"subject": "bob"})
    bob = {"Authorization": f"Bearer {_token(other)}"}
    assert client.post("/api/children/search", json=body, headers=bob).status_code == 200
    state.clock = lambda: NOW + timedelta(seconds=20)  # one search refilled
    assert client.post("/api/children/search", json=body, headers=auth).status_code == 200


def test_the_page_search_posts_and_keeps_identifiers_out_of_the_url(
    client: TestClient, token: str
) -> None:
    client.post("/signin", data={"token": token})
    page = client.post("/search", data={"nhs_number": "9434765919"}, follow_redirects=False)
    assert page.status_code == 200 and f'href="/children/{A}"' in page.text
    assert 'method="post" action="/search"' in client.get("/search").text


def test_a_forged_token_in_a_cookie_or_header_is_refused(client: TestClient) -> None:
    head = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    forged = f"{head}.e30."
    client.cookies.set(COOKIE, forged)
    assert client.get("/search", follow_redirects=False).status_code == 303
    bad = {"Authorization": f"Bearer {forged}"}
    assert client.post("/api/children/search", json={}, headers=bad).status_code == 401
