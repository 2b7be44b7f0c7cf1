"""Clocks on the child record and page; ``GET /api/kpis`` (JSON and CSV) and the KPI board.

Every refusal is tested: no token or a forged one (401), a caller outside the LA roles (403),
malformed, over-long or unknown filters (400).
"""

import csv
import io
import sqlite3
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from hub import models as m
from hub.auth import Caller, OrgKind, Role, issue_token
from hub.web.clocks.alerts import alert_visible
from hub.web.readmodel.projection import apply_alert, apply_entry
from tests.unit.clocks.helpers import event
from tests.unit.web.clockfactory import as_entry
from tests.unit.web.conftest import ISSUER, NOW, SECRET

A, B = "C0000000000a1", "C0000000000b2"
REQ = date(2025, 6, 2)


def _fill(conn: sqlite3.Connection) -> None:
    # A: final on day 140 (on time); B (LA 889): request 2025-08-04, still open on NOW.
    final = REQ + timedelta(days=140)
    for child, ev in (
        (A, event(m.EHCNARequested(received_date=REQ), REQ, person="a")),
        (A, event(m.EHCFinalIssued(final_date=final), final, person="a")),
        (B, event(m.EHCNARequested(received_date=date(2025, 8, 4)), date(2025, 8, 4), org="889",
                  person="b")),
    ):  # fmt: skip
        apply_entry(conn, as_entry(child, ev))


@pytest.fixture
def filled(conn: sqlite3.Connection) -> None:
    _fill(conn)


def _auth(role: Role, kind: OrgKind = OrgKind.LOCAL_AUTHORITY) -> dict[str, str]:
    caller = Caller(subject="x", org="888", org_kind=kind, role=role)
    token = issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def coord() -> dict[str, str]:
    """An LA EHC coordinator reading for a statutory return: may read KPIs."""
    return _auth(Role.EHC_COORD)


def test_kpis_as_json_rows(client: TestClient, coord: dict[str, str], filled: None) -> None:
    auth = coord
    response = client.get(
        "/api/kpis", params={"measure": "ehc_plans_within_20_weeks"}, headers=auth
    )
    assert response.status_code == 200
    assert response.json() == [
        {"measure": "ehc_plans_within_20_weeks", "la": "888", "month": "2025-10", "numerator": 1,
         "denominator": 1, "exceptions_excluded": excluded, "value": 100.0}
        for excluded in (False, True)
    ]  # fmt: skip


def test_csv_has_the_same_rows_and_filters_apply(
    client: TestClient, coord: dict[str, str], filled: None
) -> None:
    auth = coord
    as_json = client.get("/api/kpis", headers=auth).json()
    text = client.get("/api/kpis", params={"format": "csv"}, headers=auth)
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert [(r["measure"], r["la"], r["month"], r["exceptions_excluded"]) for r in rows] == [
        (j["measure"], j["la"], j["month"], str(j["exceptions_excluded"]).lower()) for j in as_json
    ]
    assert client.get("/api/kpis", params={"la": "889"}, headers=auth).json() == []
    assert client.get("/api/kpis", params={"from": "2025-11"}, headers=auth).json() == []
    assert len(client.get("/api/kpis", params={"to": "2025-10"}, headers=auth).json()) == len(
        as_json
    )


@pytest.mark.parametrize(
    "params",
    [{"from": "2025-13"}, {"to": "25-01"}, {"la": "8" * 11}, {"la": "88 8"}, {"measure": "x" * 65},
     {"measure": "nope"}, {"format": "xml"}, {"from": "2025-1'; DROP TABLE entries;--"}],
)  # fmt: skip
def test_malformed_or_over_long_filters_are_400(
    client: TestClient, coord: dict[str, str], params: dict[str, str]
) -> None:
    response = client.get("/api/kpis", params=params, headers=coord)
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    ("role", "kind"),
    [(Role.SENCO, OrgKind.EDUCATION), (Role.DCO, OrgKind.HEALTH), (Role.SW, OrgKind.SOCIAL_CARE),
     (Role.SENCO, OrgKind.LOCAL_AUTHORITY), (Role.EHC_COORD, OrgKind.HEALTH)],
)  # fmt: skip
def test_callers_outside_la_roles_are_refused(
    client: TestClient, filled: None, role: Role, kind: OrgKind
) -> None:
    response = client.get("/api/kpis", headers=_auth(role, kind))
    assert response.status_code == 403 and "888" not in response.text


def test_no_or_forged_token_is_401(client: TestClient, filled: None) -> None:
    assert client.get("/api/kpis").status_code == 401
    forged = Caller(subject="x", org="888", org_kind=OrgKind.LOCAL_AUTHORITY, role=Role.ADMIN)
    bad = issue_token(forged, secret="another-secret-of-a-decent-length-0123456", issuer=ISSUER,
                      now=NOW, ttl=timedelta(hours=1))  # fmt: skip
    response = client.get("/api/kpis", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401 and "measure" not in response.text


def test_child_record_carries_its_clocks(
    client: TestClient, auth: dict[str, str], filled: None
) -> None:
    clocks = client.get(f"/api/children/{B}", headers=auth).json()["clocks"]
    twenty = next(c for c in clocks if c["clock_id"] == "ehc_20_weeks")
    assert twenty["status"] == "overdue" and twenty["due"] == "2025-12-22"
    assert twenty["days_late"] == (NOW.date() - date(2025, 12, 22)).days
    assert clocks[0]["status"] == "overdue"  # most urgent first
    done = next(c for c in client.get(f"/api/children/{A}", headers=auth).json()["clocks"]
                if c["clock_id"] == "ehc_20_weeks")  # fmt: skip
    assert done["status"] == "met" and done["stopped_on"] == "2025-10-20"


def _sign_in(client: TestClient, headers: dict[str, str]) -> TestClient:
    token = headers["Authorization"].removeprefix("Bearer ")
    assert client.post("/signin", data={"token": token, "next": "/board"},
                       follow_redirects=False).status_code == 303  # fmt: skip
    return client


def test_child_page_shows_the_clocks_panel(
    client: TestClient, auth: dict[str, str], filled: None
) -> None:
    page = _sign_in(client, auth).get(f"/children/{B}").text
    assert "Statutory clocks" in page and "Final EHC plan within 20 weeks" in page
    assert "clock-overdue" in page  # the status tag of the overdue clock


def test_board_has_a_table_beside_each_chart(
    client: TestClient, coord: dict[str, str], filled: None
) -> None:
    page = _sign_in(client, coord).get("/board")
    assert page.status_code == 200
    text = page.text
    assert text.count('role="img"') == text.count("<table") >= 1
    assert "EHC plans issued within 20 weeks" in text and "<desc" in text


def test_board_is_refused_outside_la_roles(client: TestClient, filled: None) -> None:
    page = _sign_in(client, _auth(Role.DCO, OrgKind.HEALTH)).get("/board")
    assert page.status_code == 403 and "<svg" not in page.text


def test_the_default_caller_a_social_worker_may_not_read_kpis(
    client: TestClient, auth: dict[str, str], filled: None
) -> None:
    assert client.get("/api/kpis", headers=auth).status_code == 403


def test_metrics_carry_aggregate_kpi_gauges_only(client: TestClient, filled: None) -> None:
    text = client.get("/metrics").text
    labels = 'exceptions_excluded="false",la="888",measure="ehc_plans_within_20_weeks"'
    assert f"send_hub_kpi_value{{{labels}}} 100.0" in text
    assert A not in text and B not in text


def _alert(child: str, role: str, org: str | None) -> m.Alert:
    return m.Alert(
        alert_id=f"al-{child}-{role}", kind=m.AlertKind.SIGNAL, raised_at=NOW, rule_id="r",
        rules_version="1", child_id=child, recipients=(m.AlertRecipient(role=role, org_code=org),),
        explanation=f"signal for {role}",
    )  # fmt: skip


def test_alert_visibility_follows_the_recipients() -> None:
    def sees(role: Role, kind: OrgKind, org: str, alert: m.Alert) -> bool:
        return alert_visible(alert, Caller(subject="x", org=org, org_kind=kind, role=role))

    senco = _alert(A, "SENCO", "119000")
    assert sees(Role.SENCO, OrgKind.EDUCATION, "119000", senco)
    assert not sees(Role.SENCO, OrgKind.EDUCATION, "119999", senco)  # another school's SENCo
    assert not sees(Role.DCO, OrgKind.HEALTH, "RXN", senco)
    assert sees(Role.HV, OrgKind.HEALTH, "RXN", _alert(A, "HV", None))  # any HV organisation
    assert sees(Role.EHC_COORD, OrgKind.LOCAL_AUTHORITY, "888", senco)  # holds the duty
    assert not sees(Role.ADMIN, OrgKind.LOCAL_AUTHORITY, "888", senco)  # runs the hub only


def test_the_record_carries_the_alerts_for_the_caller(
    client: TestClient, conn: sqlite3.Connection, auth: dict[str, str], filled: None
) -> None:
    apply_alert(conn, _alert(A, "SW", "888"))
    apply_alert(conn, _alert(A, "SW", "888"))  # re-sent: the same alert
    apply_alert(conn, _alert(A, "SENCO", "119000"))
    body = client.get(f"/api/children/{A}", headers=auth).json()  # a social worker at 888
    assert [a["explanation"] for a in body["alerts"]] == ["signal for SW"]


def test_the_feeder_keeps_alerts_from_the_alerts_topic_once(conn: sqlite3.Connection) -> None:
    from types import SimpleNamespace

    from hub.web.readmodel.feeder import apply_record
    from schemas.serde import encode_model

    value = encode_model(_alert(A, "SENCO", None))
    kinds = {"t.alerts": "alerts", "t.timeline": "timeline"}
    for offset in (0, 1):  # delivered twice
        record = SimpleNamespace(
            topic="t.alerts", partition=0, offset=offset, key=b"k", value=value
        )
        assert apply_record(conn, record, kinds)  # type: ignore[arg-type]
    assert conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 1
    garbage = SimpleNamespace(topic="t.alerts", partition=0, offset=2, key=None, value=b"junk")
    assert not apply_record(conn, garbage, kinds)  # type: ignore[arg-type]
