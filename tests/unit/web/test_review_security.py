"""Who may review: an uninvolved reviewer sees and decides nothing; an unmerge needs two people.

The web applies the same involvement rule as the worker (which checks again): here the
partnership is the LA 888 with the health trust RXN and the school 119000; a social worker of
another authority (999) is outside it. The reviewers are social workers with a recorded
safeguarding reason for the child (a standing break-glass), so the consent policy lets them
see both children and these tests are about involvement alone.
"""

import sqlite3
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, OrgKind, Role, issue_token
from hub.consent import BreakGlass
from hub.files.policy import load_policy
from hub.identity.involvement import Partnership, PartnershipGroup
from hub.models import EventType as T
from hub.models import LinkDecision, Purpose
from hub.web.children.access import AccessRules
from hub.web.context import WebState
from hub.web.readmodel.projection import apply_entry
from hub.web.readmodel.review_queue import apply_review_decision, apply_review_item
from tests.unit.web.conftest import ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry
from tests.unit.web.reviewfactory import FakeDecisions, review_item

A, D = "C00000000000a", "C00000000000d"
RID = "R0000000000000001"
HEALTH_KEY = "src:HEALTH:RXN:SystmOne:NHS-7"
PILOT = PartnershipGroup(name="pilot", organisations=frozenset({"888", "RXN", "119000"}))


@pytest.fixture(autouse=True)
def filled(conn: sqlite3.Connection, state: WebState) -> FakeDecisions:
    apply_entry(conn, entry(A, Person("P-1", upn="B801200005001"), T.PupilEnrolled))
    apply_entry(conn, entry(A, Person("NHS-7", given_name="Adaline"), T.HealthReferralMade, day=3))
    apply_entry(conn, entry(D, Person("NHS-8", given_name="Adaline"), T.HealthReferralMade, day=5))
    apply_review_item(conn, review_item(RID, provisional=D, candidate=A))
    state.partnership = Partnership(groups=(PILOT,))
    state.access = _ReviewersMayLook(load_policy())
    state.decisions = FakeDecisions()
    return state.decisions


class _ReviewersMayLook(AccessRules):
    """The shipped policy, with a standing break-glass for every social worker of these tests."""

    def break_glass(self, child_id: str, now: datetime) -> list[BreakGlass]:
        until = now + timedelta(hours=1)
        return [BreakGlass(who, org, "SW", "standing test reason", now, until)
                for who, org in (("sam", "888"), ("kim", "RXN"), ("lee", "888"))]  # fmt: skip


def _auth(subject: str, org: str = "888", role: Role = Role.SW) -> dict[str, str]:
    kind = OrgKind.SOCIAL_CARE if org in ("888", "999") else OrgKind.HEALTH
    purpose = Purpose.SAFEGUARDING if role is Role.SW else Purpose.DIRECT_CARE
    caller = Caller(subject=subject, org=org, org_kind=kind, role=role, purpose=purpose)
    token = issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


STRANGER = _auth("eve", org="999", role=Role.SW)


def test_an_uninvolved_reviewer_sees_no_item(client: TestClient) -> None:
    assert [i["review_id"] for i in client.get("/api/review", headers=_auth("sam")).json()[
        "items"]] == [RID]  # fmt: skip
    assert client.get("/api/review", headers=STRANGER).json()["items"] == []
    assert client.get(f"/api/review/{RID}", headers=STRANGER).status_code == 404


def test_an_uninvolved_reviewer_cannot_decide_or_unmerge(
    client: TestClient, filled: FakeDecisions
) -> None:
    body = {"decision": "link", "reason": "looks the same"}
    assert client.post(f"/api/review/{RID}", json=body, headers=STRANGER).status_code == 404
    split = {"source_keys": [HEALTH_KEY], "reason": "two children"}
    assert client.post(f"/api/children/{A}/unmerge", json=split,
                       headers=STRANGER).status_code == 403  # fmt: skip
    assert filled.sent == []


def test_a_decision_names_its_reviewer(client: TestClient, filled: FakeDecisions) -> None:
    body = {"decision": "not_a_match", "reason": "different dates of birth"}
    assert client.post(f"/api/review/{RID}", json=body, headers=_auth("sam")).status_code == 202
    (sent,) = filled.sent
    assert sent.reviewer is not None and sent.approver is None
    who = (sent.reviewer.subject, sent.reviewer.org, sent.reviewer.role)
    assert who == ("sam", "888", Role.SW)


def test_an_unmerge_needs_a_second_reviewer(
    client: TestClient, filled: FakeDecisions, conn: sqlite3.Connection
) -> None:
    split = {"source_keys": [HEALTH_KEY], "reason": "two children"}
    asked = client.post(f"/api/children/{A}/unmerge", json=split, headers=_auth("sam"))
    assert asked.status_code == 202
    (request,) = filled.sent
    assert request.decision is LinkDecision.UNMERGE and request.approver is None
    apply_review_decision(conn, request)  # the feeder reads it back from the topic
    conn.commit()
    waiting = client.get("/api/unmerge-requests", headers=_auth("kim", org="RXN"))
    assert [r["review_id"] for r in waiting.json()] == [request.review_id]
    assert client.get("/api/unmerge-requests", headers=STRANGER).json() == []
    url = f"/api/unmerge-requests/{request.review_id}/approve"
    assert client.post(url, headers=_auth("sam")).status_code == 403  # not the same person
    assert client.post(url, headers=STRANGER).status_code == 404  # not involved
    approved = client.post(url, headers=_auth("kim", org="RXN"))
    assert approved.status_code == 202 and approved.json()["approver"]["subject"] == "kim"
    assert client.post(url, headers=_auth("lee")).status_code == 409  # approved already
    apply_review_decision(conn, filled.sent[-1])
    conn.commit()
    assert client.get("/api/unmerge-requests", headers=_auth("lee")).json() == []


@pytest.mark.parametrize("request_id", ["Unope", "U" + "0" * 32, "x" * 65])
def test_approving_an_unknown_or_malformed_request_is_refused(client: TestClient,
                                                              request_id: str) -> None:  # fmt: skip
    response = client.post(f"/api/unmerge-requests/{request_id}/approve", headers=_auth("kim"))
    assert response.status_code in (400, 404)


def test_an_ops_role_may_not_review(client: TestClient) -> None:
    ops = _auth("op", role=Role.OPS)
    assert client.get("/api/review", headers=ops).status_code == 403
    assert client.get("/api/unmerge-requests", headers=ops).status_code == 403
