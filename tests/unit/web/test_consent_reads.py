"""Consent enforcement on every read of the web service, with callers the policy limits.

An unrelated school gets exactly the unknown-child answer; OPS and ADMIN get no child data;
each shown entry carries its basis and each response its withheld counts; a withdrawal hides
entries on the next read; break-glass and the access log refuse forged, foreign, malformed
and over-long requests; an audit that cannot be made durable answers 503 with no data.
"""

import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, OrgKind, Role, issue_token
from hub.files.policy import load_policy
from hub.identifiers import is_valid_nhs_number
from hub.models import AuditAction, ConsentAction, GiverRole, Purpose
from hub.models import EventType as T
from hub.web.app import create_app
from hub.web.children.access import AccessRules
from hub.web.context import WebState
from hub.web.readmodel.consent import apply_audit, apply_consent
from hub.web.readmodel.projection import apply_entry, apply_link
from hub.web.sinks.alerts import MemoryAlertSink
from hub.web.sinks.audit import MemoryAuditSink
from hub.web.sinks.outbox import OutboxAuditSink
from tests.unit.consent import world as w
from tests.unit.web.conftest import ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry, link

A, UNKNOWN = "C00000000000a", "C0000000000ff"
ADA = Person("P-1", nhs_number="9434765919", upn="B801200005001", date_of_birth=date(2015, 5, 1))
OTHER_NHS = next(
    f"{n:010d}" for n in range(4000000000, 4000001000) if is_valid_nhs_number(f"{n:010d}")
)
TYPES = (T.PupilEnrolled, T.AttendanceSummary, T.HealthReferralMade, T.EHCNARequested, T.S47Started)


def _token(
    role: Role,
    org: str,
    kind: OrgKind,
    purpose: Purpose = Purpose.DIRECT_CARE,
    subject: str = "u1",
    secret: str = SECRET,
) -> dict[str, str]:
    caller = Caller(subject=subject, org=org, org_kind=kind, role=role, purpose=purpose)
    token = issue_token(caller, secret=secret, issuer=ISSUER, now=NOW, ttl=timedelta(hours=12))
    return {"Authorization": f"Bearer {token}"}


SENCO = _token(Role.SENCO, "119000", OrgKind.EDUCATION)
STRANGER = _token(Role.SENCO, "100099", OrgKind.EDUCATION)
COORD = _token(Role.EHC_COORD, "888", OrgKind.LOCAL_AUTHORITY, Purpose.STATUTORY_EHC)
DSL = _token(Role.DSL, "119000", OrgKind.EDUCATION, Purpose.SAFEGUARDING, subject="dsl1")
PAED = _token(Role.PAED, "RXX", OrgKind.HEALTH)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(db_path: Path, conn: sqlite3.Connection, clock: Clock) -> WebState:
    for day, event_type in enumerate(TYPES):
        apply_entry(conn, entry(A, ADA, event_type, day=day * 7))
    apply_link(conn, link("nhs:9434765919", A))
    return WebState(
        db_path=db_path,
        secret=SECRET,
        issuer=ISSUER,
        audit=MemoryAuditSink(),
        clock=clock,
        access=AccessRules(load_policy()),
        alerts=MemoryAlertSink(),
    )


@pytest.fixture
def client(state: WebState) -> Iterator[TestClient]:
    with TestClient(create_app(state)) as c:
        yield c


def _types(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    page = client.get(f"/api/children/{A}/timeline", headers=headers)
    assert page.status_code == 200, page.text
    return {i["event_type"]: i["access"]["detail"] for i in page.json()["items"]}


def test_an_unrelated_school_gets_exactly_the_unknown_child_answer(client: TestClient) -> None:
    known = client.get("/api/children", params={"nhs_number": "9434765919"}, headers=STRANGER)
    unknown = client.get("/api/children", params={"nhs_number": OTHER_NHS}, headers=STRANGER)
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"results": [], "truncated": False}
    for path in ("", "/timeline"):
        seen, absent = (
            client.get(f"/api/children/{c}{path}", headers=STRANGER) for c in (A, UNKNOWN)
        )
        assert (seen.status_code, absent.status_code) == (404, 404)
        assert seen.json()["detail"].replace(A, "X") == absent.json()["detail"].replace(
            UNKNOWN, "X"
        )
    client.cookies.set("send_hub_token", STRANGER["Authorization"][7:])
    page = client.get(f"/children/{A}")
    assert page.status_code == 404 and "Ada" not in page.text


@pytest.mark.parametrize("role", [Role.OPS, Role.ADMIN])
def test_ops_and_admin_get_no_child_data(client: TestClient, role: Role) -> None:
    for purpose in Purpose:
        headers = _token(role, "888", OrgKind.LOCAL_AUTHORITY, purpose)
        hits = client.get("/api/children", params={"nhs_number": "9434765919"}, headers=headers)
        assert hits.json()["results"] == []
        assert client.get(f"/api/children/{A}/timeline", headers=headers).status_code == 404


def test_the_school_sees_its_own_in_full_health_in_outline_and_no_child_protection(
    client: TestClient, state: WebState
) -> None:
    assert _types(client, SENCO) == {
        "PupilEnrolled": "full",
        "AttendanceSummary": "full",
        "HealthReferralMade": "thin",
        "EHCNARequested": "full",
    }
    page = client.get(f"/api/children/{A}/timeline", headers=SENCO).json()
    assert page["withheld"] == {"NOT_IN_POLICY": 1} and page["purpose"] == "DIRECT_CARE"
    thin = next(i for i in page["items"] if i["event_type"] == "HealthReferralMade")
    assert thin["payload"] == {} and "SALT" not in str(thin)
    assert isinstance(state.audit, MemoryAuditSink)
    rec = state.audit.records[-1]
    assert (rec.shown, rec.withheld, rec.withheld_by) == (4, 1, "NOT_IN_POLICY=1")
    assert rec.bases == "DIRECT_CARE=3 DIRECT_CARE/thin=1"


def test_the_la_reads_on_its_statutory_duty_and_says_so(client: TestClient) -> None:
    items = client.get(f"/api/children/{A}/timeline", headers=COORD).json()["items"]
    reasons = {i["access"]["reason"] for i in items if i["access"]["detail"] == "full"}
    assert any("CFA 2014" in r and "EHC needs assessment opened 2025-01-06" in r for r in reasons)
    record = client.get(f"/api/children/{A}", headers=COORD).json()
    assert record["access"]["basis"] == "STATUTORY"


def test_a_withdrawal_hides_the_entries_on_the_next_read(
    client: TestClient, conn: sqlite3.Connection
) -> None:
    basis = w.consent_basis(GiverRole.PR_HOLDER)
    grant = w.record(
        ConsentAction.GRANT,
        consent_id="G1",
        org="RXX",
        role="PAED",
        basis=basis,
        recorded=date(2026, 1, 2),
    ).model_copy(update={"subject": ADA.subject()})
    assert client.get(f"/api/children/{A}", headers=PAED).status_code == 404
    apply_consent(conn, grant)
    assert "AttendanceSummary" in _types(client, PAED)
    withdrawal = grant.model_copy(
        update={"action": ConsentAction.WITHDRAW, "recorded_at": NOW - timedelta(minutes=1)}
    )
    apply_consent(conn, withdrawal)
    assert client.get(f"/api/children/{A}/timeline", headers=PAED).status_code == 404


def test_break_glass_refuses_the_wrong_roles_and_bad_requests(
    client: TestClient, state: WebState
) -> None:
    url, body = f"/api/children/{A}/break-glass", {"reason": "disclosure made to a teacher today"}
    assert client.post(url, json=body).status_code == 401
    forged = _token(Role.DSL, "119000", OrgKind.EDUCATION, secret="x" * 48)
    assert client.post(url, json=body, headers=forged).status_code == 401
    assert client.post(url, json=body, headers=SENCO).status_code == 403
    for bad in ({}, {"reason": "short"}, {"reason": "x" * 501}, {"reason": 7}, {"why": "x" * 20}):
        assert client.post(url, json=bad, headers=DSL).status_code == 400
    assert (
        client.post(f"/api/children/{UNKNOWN}/break-glass", json=body, headers=DSL).status_code
        == 404
    )
    assert (
        client.post("/api/children/../etc/break-glass", json=body, headers=DSL).status_code == 404
    )
    assert isinstance(state.alerts, MemoryAlertSink) and state.alerts.alerts == []


def test_break_glass_is_audited_alerted_and_time_limited(
    client: TestClient, state: WebState, clock: Clock
) -> None:
    url, body = f"/api/children/{A}/break-glass", {"reason": "disclosure made to a teacher today"}
    assert client.get(f"/api/children/{A}/timeline", headers=DSL).status_code == 404
    granted = client.post(url, json=body, headers=DSL)
    assert granted.status_code == 201
    assert isinstance(state.alerts, MemoryAlertSink) and isinstance(state.audit, MemoryAuditSink)
    (alert,) = state.alerts.alerts
    assert (alert.kind, alert.child_id, alert.role) == ("BREAK_GLASS", A, "DSL")
    assert "disclosure" not in alert.explanation  # the reason stays in the audit log
    audited = [r for r in state.audit.records if r.action is AuditAction.BREAK_GLASS]
    assert len(audited) == 1 and "disclosure" in audited[0].detail
    assert "S47Started" in _types(client, DSL)
    clock.now = NOW + timedelta(hours=4)
    assert client.get(f"/api/children/{A}/timeline", headers=DSL).status_code == 404
    state.alerts = None
    assert client.post(url, json=body, headers=DSL).status_code == 503


def test_the_access_log_is_for_the_policys_roles_and_visible_children_only(
    client: TestClient, state: WebState, conn: sqlite3.Connection
) -> None:
    client.get(f"/api/children/{A}/timeline", headers=SENCO)
    assert isinstance(state.audit, MemoryAuditSink)
    for rec in state.audit.records:
        apply_audit(conn, rec)
    url = f"/api/children/{A}/access-log"
    assert client.get(url, headers=SENCO).status_code == 403
    assert (
        client.get(url, headers=_token(Role.OPS, "888", OrgKind.LOCAL_AUTHORITY)).status_code == 403
    )
    blind = _token(Role.DSCO, "888", OrgKind.LOCAL_AUTHORITY)
    assert client.get(url, headers=blind).status_code == 404
    assert client.get(url, params={"limit": 501}, headers=COORD).status_code == 400
    log = client.get(url, headers=COORD).json()
    (read,) = [r for r in log["reads"] if r["action"] == "TIMELINE"]
    assert (read["role"], read["shown"], read["withheld_by"]) == ("SENCO", 4, "NOT_IN_POLICY=1")
    assert state.audit.records[-1].action is AuditAction.ACCESS_LOG
    client.cookies.set("send_hub_token", COORD["Authorization"][7:])
    page = client.get(f"/children/{A}")
    assert page.status_code == 200 and 'id="access-log"' in page.text and "statutory" in page.text


def test_a_read_whose_audit_cannot_be_made_durable_answers_503_with_no_data(
    client: TestClient, state: WebState, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    state.audit = OutboxAuditSink("127.0.0.1:1", "send.audit", blocker / "outbox.sqlite3")
    try:
        response = client.get(f"/api/children/{A}/timeline", headers=SENCO)
        assert response.status_code == 503 and response.json()["error"] == "unavailable"
        assert "PupilEnrolled" not in response.text
        hits = client.get("/api/children", params={"nhs_number": "9434765919"}, headers=SENCO)
        assert hits.status_code == 503 and "Ada" not in hits.text
    finally:
        state.audit.close(timeout=1)


def test_with_no_broker_the_outbox_keeps_the_record_and_the_read_is_answered(
    client: TestClient, state: WebState, tmp_path: Path
) -> None:
    sink = OutboxAuditSink("127.0.0.1:1", "send.audit", tmp_path / "outbox.sqlite3")
    state.audit = sink
    try:
        assert client.get(f"/api/children/{A}/timeline", headers=SENCO).status_code == 200
        assert sink.pending() == 1
    finally:
        sink.close(timeout=1)


def test_a_break_glass_made_by_another_web_process_is_honoured_from_its_audit_record(
    client: TestClient, state: WebState, conn: sqlite3.Connection, clock: Clock
) -> None:
    url, body = f"/api/children/{A}/break-glass", {"reason": "disclosure made to a teacher today"}
    assert client.post(url, json=body, headers=DSL).status_code == 201
    assert isinstance(state.audit, MemoryAuditSink)
    for rec in state.audit.records:
        apply_audit(conn, rec)  # as the read model takes it from send.audit
    state.access = AccessRules(load_policy())  # a restarted process: nothing in memory
    assert "S47Started" in _types(client, DSL)
    other_dsl = _token(Role.DSL, "119000", OrgKind.EDUCATION, Purpose.SAFEGUARDING, subject="x")
    assert client.get(f"/api/children/{A}/timeline", headers=other_dsl).status_code == 404
    clock.now = NOW + timedelta(hours=4)
    assert client.get(f"/api/children/{A}/timeline", headers=DSL).status_code == 404
