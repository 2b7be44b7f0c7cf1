"""The review API: list and detail side by side with the explanation, decisions (and their
validation: 401/403/404/409/400/503), unmerge, the explanation on a child's record, metrics."""

import sqlite3
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from hub.auth import Caller, OrgKind, Role, issue_token
from hub.models import AgencyKind, AuditAction, LinkDecision, Purpose, RecordRef
from hub.models import EventType as T
from hub.web.context import WebState
from hub.web.readmodel.projection import apply_entry
from hub.web.readmodel.review_queue import apply_review_item
from hub.web.review.rules import DecisionUnavailable
from hub.web.sinks.audit import MemoryAuditSink
from tests.unit.web.conftest import ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry
from tests.unit.web.reviewfactory import FakeDecisions, explanation, review_item

A, D = "C00000000000a", "C00000000000d"
RID = "R0000000000000001"
SCHOOL = Person("P-1", upn="B801200005001")
HEALTH = Person("NHS-7", given_name="Adaline")
HEALTH_KEY, SCHOOL_KEY = "src:HEALTH:RXN:SystmOne:NHS-7", "src:EDUCATION:119000:SIMS:P-1"


@pytest.fixture(autouse=True)
def filled(conn: sqlite3.Connection, state: WebState) -> FakeDecisions:
    apply_entry(conn, entry(A, SCHOOL, T.PupilEnrolled))
    scored = entry(A, HEALTH, T.HealthReferralMade, day=3, outcome="LINK_SCORE", rule="score",
                   score=14.2)  # fmt: skip
    match = scored.provenance.match.model_copy(update={"explanation": explanation()})
    prov = scored.provenance.model_copy(update={"match": match})
    apply_entry(conn, scored.model_copy(update={"provenance": prov}))
    # The incoming record sits on its provisional child meanwhile.
    apply_entry(conn, entry(D, HEALTH, T.HealthReferralMade, day=4, record="incoming"))
    apply_review_item(conn, review_item(RID, provisional=D, candidate=A))
    apply_review_item(conn, review_item("R0000000000000002", minutes=-5, status="DECIDED"))
    state.decisions = FakeDecisions()
    return state.decisions


def _auth(role: Role) -> dict[str, str]:
    caller = Caller(subject="sam", org="888", org_kind=OrgKind.LOCAL_AUTHORITY, role=role)
    token = issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def test_the_queue_shows_both_records_score_and_explanation(
    client: TestClient, auth: dict[str, str], state: WebState
) -> None:
    page = client.get("/api/review", headers=auth).json()
    assert [i["review_id"] for i in page["items"]] == [RID] and page["next_cursor"] is None
    item = page["items"][0]
    assert (item["record"]["given_name"], item["candidate"]["given_name"]) == ("Adaline", "Ada")
    assert item["record"]["source_key"] == HEALTH_KEY and item["candidate_child_id"] == A
    assert (item["score"], item["probability"], item["pending"]) == (-4.4, 0.0452, None)
    assert item["explanation"]["items"][3] == {
        "comparison": "postcode", "level": "different", "weight": -4.6,
        "sentence": "Postcodes are in different districts.",
    }  # fmt: skip
    assert item["age_seconds"] == int((NOW - review_item().created_at).total_seconds())
    every = client.get("/api/review", params={"status": "all"}, headers=auth).json()["items"]
    assert [i["status"] for i in every] == ["DECIDED", "OPEN"]
    assert isinstance(state.audit, MemoryAuditSink)
    audited = {(r.child_id, r.action, r.detail) for r in state.audit.records}
    assert {(D, AuditAction.REVIEW_READ, "queue"), (A, AuditAction.REVIEW_READ, "queue")} <= audited
    assert {r.action for r in state.audit.records} == {AuditAction.REVIEW_READ}


def test_one_item_and_unknown_items(
    client: TestClient, auth: dict[str, str], state: WebState
) -> None:
    assert client.get(f"/api/review/{RID}", headers=auth).json()["review_id"] == RID
    assert isinstance(state.audit, MemoryAuditSink)
    audited = [(r.child_id, r.action, r.detail, r.subject) for r in state.audit.records]
    assert audited == [(D, AuditAction.REVIEW_READ, "item", "alice"),
                       (A, AuditAction.REVIEW_READ, "item", "alice")]  # fmt: skip
    missing = client.get("/api/review/Rnope", headers=auth)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert client.get("/api/review", params={"cursor": "x!"}, headers=auth).status_code == 400


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [("get", "/api/review", None), ("get", f"/api/review/{RID}", None),
     ("post", f"/api/review/{RID}", {"decision": "link", "reason": "same child"}),
     ("post", f"/api/children/{A}/unmerge", {"source_keys": [HEALTH_KEY], "reason": "wrong"})],
)  # fmt: skip
def test_only_reviewer_roles_and_only_with_a_token(
    client: TestClient, filled: FakeDecisions, method: str, url: str, body: object
) -> None:
    assert client.request(method, url, json=body).status_code == 401
    for role in (Role.SENCO, Role.OPS, Role.HV):
        response = client.request(method, url, json=body, headers=_auth(role))
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
        assert "Adaline" not in response.text
    assert filled.sent == []
    # A reviewer role that may not see both children is answered as for an unknown item.
    if url != "/api/review":
        blind = client.request(method, url, json=body, headers=_auth(Role.DSCO))
        assert blind.status_code == 404 and "Adaline" not in blind.text and filled.sent == []
    else:
        assert client.get(url, headers=_auth(Role.DSCO)).json()["items"] == []
    assert client.request(method, url, json=body, headers=_lawful()).status_code < 300


def _lawful() -> dict[str, str]:
    """The conftest's social worker, who has a standing safeguarding break-glass."""
    caller = Caller(subject="alice", org="888", org_kind=OrgKind.SOCIAL_CARE, role=Role.SW,
                    purpose=Purpose.SAFEGUARDING)  # fmt: skip
    token = issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def test_a_link_decision_is_produced_with_both_records(
    client: TestClient, auth: dict[str, str], filled: FakeDecisions, state: WebState
) -> None:
    response = client.post(f"/api/review/{RID}", headers=auth,
                           json={"decision": "link", "reason": " same school and GP "})  # fmt: skip
    assert response.status_code == 202
    [sent] = filled.sent
    assert sent.review_id == RID and sent.decision is LinkDecision.LINK
    assert sent.records == (
        RecordRef(agency_kind=AgencyKind.HEALTH, org_code="RXN", system="SystmOne",
                  source_person_id="NHS-7"),
        RecordRef(agency_kind=AgencyKind.EDUCATION, org_code="119000", system="SIMS",
                  source_person_id="P-1"),
    )  # fmt: skip
    assert (sent.child_id, sent.decided_by, sent.decided_at) == (A, "alice", NOW)
    assert sent.reason == "same school and GP"
    assert response.json()["decided_by"] == "alice" and response.json()["decision"] == "LINK"
    again = client.post(f"/api/review/{RID}", headers=auth,
                        json={"decision": "not_a_match", "reason": "changed my mind"})  # fmt: skip
    assert (again.status_code, again.json()["error"]) == (409, "conflict")
    assert len(filled.sent) == 1
    pending = client.get(f"/api/review/{RID}", headers=auth).json()["pending"]
    assert pending["decision"] == "LINK" and pending["decided_by"] == "alice"
    assert isinstance(state.audit, MemoryAuditSink)
    decided = [(r.child_id, r.detail) for r in state.audit.records
               if r.action is AuditAction.REVIEW_DECISION]  # fmt: skip
    assert decided == [(D, "LINK"), (A, "LINK")]


@pytest.mark.parametrize(
    ("review_id", "body", "status"),
    [("R0000000000000002", {"decision": "link", "reason": "x"}, 409),  # decided already
     ("Rnope", {"decision": "link", "reason": "x"}, 404),
     (RID, {"decision": "merge", "reason": "x"}, 400),
     (RID, {"decision": "NOT_A_MATCH", "reason": "   "}, 400),
     (RID, {"decision": "link"}, 400)],
)  # fmt: skip
def test_bad_decisions_are_refused(
    client: TestClient, auth: dict[str, str], filled: FakeDecisions,
    review_id: str, body: dict[str, str], status: int,
) -> None:  # fmt: skip
    assert client.post(f"/api/review/{review_id}", headers=auth, json=body).status_code == status
    assert filled.sent == []


def test_no_broker_no_decision(client: TestClient, auth: dict[str, str], state: WebState) -> None:
    state.decisions = FakeDecisions(fail=DecisionUnavailable("broker away"))
    body = {"decision": "not_a_match", "reason": "twins"}
    response = client.post(f"/api/review/{RID}", headers=auth, json=body)
    assert (response.status_code, response.json()["error"]) == (503, "unavailable")
    state.decisions = FakeDecisions()
    assert client.post(f"/api/review/{RID}", headers=auth, json=body).status_code == 202


def test_an_unmerge_request_names_the_records_and_the_child(
    client: TestClient, auth: dict[str, str], filled: FakeDecisions, state: WebState
) -> None:
    body = {"source_keys": [HEALTH_KEY], "reason": "different child, same name"}
    response = client.post(f"/api/children/{A}/unmerge", headers=auth, json=body)
    assert response.status_code == 202
    [sent] = filled.sent
    assert sent.decision is LinkDecision.UNMERGE and sent.child_id == A
    assert sent.review_id.startswith("U") and len(sent.review_id) == 33
    assert [r.source_person_id for r in sent.records] == ["NHS-7"]
    assert sent.records[0].agency_kind is AgencyKind.HEALTH and sent.decided_by == "alice"
    assert isinstance(state.audit, MemoryAuditSink)
    [rec] = state.audit.records
    assert (rec.child_id, rec.action, rec.entries) == (A, AuditAction.UNMERGE, 1)
    assert (rec.detail, rec.channel) == ("source records", "api")


@pytest.mark.parametrize(
    ("child", "keys", "status"),
    [(A, ["src:HEALTH:RXN:SystmOne:NOPE"], 409),  # not on this child
     (A, [HEALTH_KEY, SCHOOL_KEY], 409),  # nothing would be left
     (A, ["nhs:9434765919"], 400), (A, ["src:MARS:1:2:3"], 400), (A, [], 400),
     ("C00000000000f", [HEALTH_KEY], 404)],
)  # fmt: skip
def test_bad_unmerges_are_refused(
    client: TestClient, auth: dict[str, str], filled: FakeDecisions,
    child: str, keys: list[str], status: int,
) -> None:  # fmt: skip
    body = {"source_keys": keys, "reason": "r"}
    assert (
        client.post(f"/api/children/{child}/unmerge", headers=auth, json=body).status_code == status
    )
    assert filled.sent == []


def test_the_child_record_carries_the_explanation(client: TestClient, auth: dict[str, str]) -> None:
    sources = client.get(f"/api/children/{A}", headers=auth).json()["sources"]
    scored = next(s for s in sources if s["source_key"] == HEALTH_KEY)
    expl = scored["match"]["explanation"]
    assert (expl["prior"], expl["total"], expl["model_version"]) == (-13.0, -4.4, "default-v1")
    assert [i["comparison"] for i in expl["items"]] == [
        "family_name", "given_name", "date_of_birth", "postcode"]  # fmt: skip
    assert expl["items"][1]["sentence"].startswith("Given names are nickname variants")


def test_metrics_show_the_queue_without_ids(client: TestClient) -> None:
    text = client.get("/metrics").text
    values = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
    assert values["send_hub_review_queue_size"] == 1.0
    age = (NOW - review_item().created_at).total_seconds()
    assert values["send_hub_review_queue_oldest_age_seconds"] == age
    assert RID not in text and A not in text
