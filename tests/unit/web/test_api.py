"""The JSON API over a prepared read model: auth, search, record, timeline, errors, ops."""

import sqlite3
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, issue_token
from hub.models import AuditAction
from hub.models import EventType as T
from hub.web.context import WebState
from hub.web.readmodel.projection import apply_entry, apply_link
from hub.web.sinks.audit import MemoryAuditSink
from tests.unit.web.conftest import ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry, merge

A, B = "C00000000000a", "C00000000000b"
ADA = Person("P-1", nhs_number="9434765919", upn="B801200005001")
TYPES = [T.PupilEnrolled, T.HealthReferralMade, T.EHCNARequested, T.SocialCareContact, T.Diagnosis]
API_URLS = [
    "/api/children?nhs_number=9434765919",
    f"/api/children/{A}",
    f"/api/children/{A}/timeline",
    f"/api/children/{A}/timeline?limit=abc",  # refused before its parameters are looked at
]


@pytest.fixture(autouse=True)
def filled(conn: sqlite3.Connection) -> None:
    for day, event_type in enumerate(TYPES):
        apply_entry(conn, entry(A, ADA, event_type, day=day))
    apply_entry(conn, entry(B, Person("X-9", nhs_number="9434765919"), T.AttendanceSummary, day=9))
    apply_link(conn, merge(B, A))


def _token(caller: Caller, **kw: object) -> str:
    args = {"secret": SECRET, "issuer": ISSUER, "now": NOW, "ttl": timedelta(hours=1), **kw}
    return issue_token(caller, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", API_URLS)
def test_no_token_no_data(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "error": "unauthorized", "detail": "send an Authorization: Bearer <token> header"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Basic YWxpY2U6cHc=", "Bearer"),
        ("Bearer not-a-token", "malformed"),
        ("Bearer {wrong_secret}", "signature"),
        ("Bearer {expired}", "expired"),
    ],
)
def test_bad_tokens_get_401_and_no_data(
    client: TestClient, caller: Caller, header: str, reason: str
) -> None:
    header = header.format(
        wrong_secret=_token(caller, secret="some-other-secret-of-a-decent-length-42"),
        expired=_token(caller, now=NOW - timedelta(hours=2)),
    )
    for url in API_URLS:
        response = client.get(url, headers={"Authorization": header})
        assert response.status_code == 401
        assert reason in response.json()["detail"]
        assert "Example" not in response.text and A not in response.text


def test_search_returns_minimum_details_and_is_audited(
    client: TestClient, auth: dict[str, str], state: WebState
) -> None:
    response = client.get("/api/children", params={"nhs_number": "943 476 5919"}, headers=auth)
    assert response.status_code == 200
    assert response.json() == {"results": [{
        "child_id": A, "given_name": "Ada", "family_name": "Example", "date_of_birth": "2019-03-01",
        "agencies": ["EDUCATION", "HEALTH", "LOCAL_AUTHORITY", "SOCIAL_CARE"],
    }], "truncated": False}  # fmt: skip
    audit = state.audit
    assert isinstance(audit, MemoryAuditSink)
    [rec] = audit.records
    assert (rec.subject, rec.org, rec.child_id, rec.action) == (
        "alice",
        "888",
        A,
        AuditAction.SEARCH,
    )
    assert rec.detail == "by nhs_number" and "9434765919" not in rec.model_dump_json()


def test_the_timeline_pages_in_order_and_includes_merged_children(
    client: TestClient, auth: dict[str, str]
) -> None:
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/api/children/{B}/timeline", params=params, headers=auth).json()
        assert page["child_id"] == A
        seen += [item["event_type"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [t.value for t in TYPES] + ["AttendanceSummary"]


def test_timeline_items_carry_payload_and_provenance(
    client: TestClient, auth: dict[str, str]
) -> None:
    params = {
        "agency": "health",
        "category": "HEALTH,SEN",
        "from": "2025-03-01",
        "to": "2025-03-31",
    }
    page = client.get(f"/api/children/{A}/timeline", params=params, headers=auth).json()
    first = page["items"][0]
    assert [item["event_type"] for item in page["items"]] == ["HealthReferralMade", "Diagnosis"]
    assert first["summary"].startswith("Health referral made")
    assert first["provenance"]["match"]["outcome"] == "LINK_IDENTIFIER"
    assert first["provenance"]["topic"] == "send.ingest.health"
    assert "service" in first["payload"]
    assert "subject" not in first


def test_the_childs_record(client: TestClient, auth: dict[str, str], state: WebState) -> None:
    record = client.get(f"/api/children/{A}", headers=auth).json()
    assert record["merged_from"] == [B]
    assert {s["agency_kind"] for s in record["sources"]} == {
        "EDUCATION", "HEALTH", "LOCAL_AUTHORITY", "SOCIAL_CARE"
    }  # fmt: skip
    assert record["identifiers"][0]["kind"] == "MERGE"
    assert isinstance(state.audit, MemoryAuditSink)
    assert [r.action for r in state.audit.records] == [AuditAction.RECORD]


@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        ("/api/children?family_name=Example", 400, "needs family_name and date_of_birth"),
        ("/api/children?family_name=Example&date_of_birth=1-2-3", 400, "date_of_birth"),
        ("/api/children?nhs_number=123", 400, "not a valid NHS number"),
        (f"/api/children/{A}/timeline?agency=SCHOOL", 400, "unknown agency 'SCHOOL'"),
        (f"/api/children/{A}/timeline?limit=0", 400, "limit"),
        (f"/api/children/{A}/timeline?limit=501", 400, "limit"),
        (f"/api/children/{A}/timeline?from=2025-04-01&to=2025-03-01", 400, "after"),
        (f"/api/children/{A}/timeline?cursor=xyz", 400, "cursor"),
        ("/api/children/C000000000404", 404, "no child"),
        ("/api/nothing-here", 404, "Not Found"),
    ],
)
def test_errors_are_json(
    client: TestClient, auth: dict[str, str], url: str, status: int, detail: str
) -> None:
    response = client.get(url, headers=auth)
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_ops_endpoints_are_open(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "send_hub_http_requests_total" in metrics.text


def test_metrics_use_route_templates_never_child_ids(
    client: TestClient, auth: dict[str, str]
) -> None:
    client.get(f"/api/children/{A}/timeline", headers=auth)
    client.get("/api/children/C000000000404", headers=auth)
    text = client.get("/metrics").text
    assert 'route="/api/children/{child_id}/timeline"' in text
    assert A not in text and "C000000000404" not in text


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/children", "/api/children/{child_id}", "/api/children/{child_id}/timeline",
            "/health", "/ready", "/metrics"} <= set(spec["paths"])  # fmt: skip
    params = {
        p["name"] for p in spec["paths"]["/api/children/{child_id}/timeline"]["get"]["parameters"]
    }
    assert {"agency", "category", "from", "to", "limit", "cursor"} <= params
