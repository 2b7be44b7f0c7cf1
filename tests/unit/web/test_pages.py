"""Caseworker pages: sign in with a token, search, the child's timeline, ops, docs, assets."""

import html
import re
import sqlite3
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, Role, issue_token
from hub.models import EventType as T
from hub.web.readmodel.projection import apply_entry, apply_link
from tests.unit.web.conftest import ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry, merge

A, B = "C00000000000a", "C00000000000b"
ADA = Person("P-1", nhs_number="9434765919", upn="B801200005001")
TYPES = [T.PupilEnrolled, T.HealthReferralMade, T.EHCNARequested, T.SocialCareContact]


@pytest.fixture(autouse=True)
def filled(conn: sqlite3.Connection) -> None:
    for day, event_type in enumerate(TYPES):
        apply_entry(conn, entry(A, ADA, event_type, day=day * 30))
    apply_link(conn, merge(B, A))


def _sign_in(client: TestClient, caller: Caller) -> None:
    token = issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    response = client.post("/signin", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303


@pytest.fixture
def signed_in(client: TestClient, token: str) -> TestClient:
    response = client.post(
        "/signin", data={"token": token, "next": "/search"}, follow_redirects=False
    )
    assert response.status_code == 303
    return client


@pytest.mark.parametrize(
    "url", ["/search", f"/children/{A}", "/search?nhs_number=9434765919", "/ops"]
)
def test_pages_send_strangers_to_sign_in(client: TestClient, url: str) -> None:
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")
    assert "Example" not in response.text


def test_sign_in_sets_a_strict_http_only_cookie(client: TestClient, token: str) -> None:
    response = client.post("/signin", data={"token": token, "next": f"/children/{A}"},
                           follow_redirects=False)  # fmt: skip
    assert response.headers["location"] == f"/children/{A}"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_bad_token_is_explained_on_the_sign_in_page(client: TestClient) -> None:
    response = client.post("/signin", data={"token": "nonsense"})
    assert response.status_code == 401
    assert "There is a problem" in response.text and "Token is malformed" in response.text


def test_sign_in_never_redirects_off_site(client: TestClient, token: str) -> None:
    response = client.post("/signin", data={"token": token, "next": "//evil.example/"},
                           follow_redirects=False)  # fmt: skip
    assert response.headers["location"] == "/search"


def test_search_lists_children_with_links(signed_in: TestClient) -> None:
    page = signed_in.get(
        "/search", params={"family_name": "example", "date_of_birth": "2019-03-01"}
    )
    assert page.status_code == 200
    assert f'href="/children/{A}"' in page.text and "1 child found" in page.text


def test_search_explains_what_it_needs(signed_in: TestClient) -> None:
    page = signed_in.get("/search", params={"family_name": "example"})
    assert page.status_code == 400
    assert "A name search needs family_name and date_of_birth" in page.text


def test_the_child_page_shows_the_timeline_in_order(signed_in: TestClient) -> None:
    page = signed_in.get(f"/children/{A}")
    rows = re.findall(r'<td class="govuk-table__cell summary">(?:<strong>)?([^<\n]+)', page.text)
    assert [html.unescape(r.strip()) for r in rows] == [
        "Joined a school roll (R)", "Health referral made (SALT)",
        "EHC needs assessment requested (EDUCATION_SETTING)", "Contact with children's social care",
    ]  # fmt: skip
    assert "Linked by identifier" in page.text and "send.ingest.health" in page.text


def test_the_child_page_filters(signed_in: TestClient) -> None:
    page = signed_in.get(f"/children/{A}", params={"agency": "HEALTH"})
    assert page.text.count('class="govuk-table__row entry') == 1
    assert 'value="HEALTH" checked' in page.text


def test_a_merged_child_id_redirects_to_the_survivor(signed_in: TestClient) -> None:
    response = signed_in.get(f"/children/{B}", follow_redirects=False)
    assert response.headers["location"] == f"/children/{A}"


def test_an_unknown_child_is_a_404_page(signed_in: TestClient) -> None:
    page = signed_in.get("/children/C000000000404")
    assert page.status_code == 404 and "No such child" in page.text


def test_ops_needs_an_operations_role_and_docs_are_open(client: TestClient,
                                                         caller: Caller) -> None:  # fmt: skip
    assert client.get("/ops", follow_redirects=False).status_code == 303  # sign in first
    _sign_in(client, caller)  # a caseworker
    assert client.get("/ops").status_code == 403
    _sign_in(client, caller.model_copy(update={"role": Role.OPS}))
    ops = client.get("/ops")
    assert ops.status_code == 200 and "Caught up" in ops.text and 'href="/metrics"' in ops.text
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/children/{child_id}/timeline" in docs.text


@pytest.mark.parametrize(
    "url", ["/signin", "/ops", "/docs", "/search", f"/children/{A}", "/review"]
)
def test_pages_load_nothing_from_other_sites(signed_in: TestClient, url: str) -> None:
    text = signed_in.get(url).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', text)
    assert sources and all(not re.match(r"^(https?:)?//", s) for s in sources)
    assert signed_in.get("/static/hub.css").status_code == 200
