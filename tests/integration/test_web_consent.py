"""Consent enforcement on a real broker: a withdrawal published to ``send.consent`` hides the
entries it covered on the next read (API and page); every read reaches ``send.audit`` and the
child's access log; with no broker and no writable audit outbox, reads answer 503.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from kafka import KafkaConsumer, TopicPartition

from hub.auth import OrgKind, Role
from hub.config import Settings
from hub.models import (
    AccessAlert,
    AgencyKind,
    BasisKind,
    ConsentAction,
    ConsentRecord,
    DataCategory,
    GiverRole,
    LawfulBasis,
    OrgCodeKind,
    Purpose,
    Recipient,
    RecipientRole,
    Source,
    Subject,
    TimelineEntry,
)
from hub.models import EventType as T
from infra.credentials import Principal
from infra.process import free_port
from infra.security import KafkaConnection, connection_for
from infra.topics import ensure_hub_topics
from schemas.serde import decode, decode_model
from tests.unit.web.factory import Person, entry, link
from tests.unit.web.live import LiveWeb, caseworker_token, publish, start_web

A = "C0000000000e1"
SCHOOL = Person("P-1", upn="B801200005001", nhs_number="9434765919")
HEALTH = Person("NHS-7", nhs_number="9434765919")
LA = Person("LA-5", upn="B801200005001")
SOCIAL = Person("MOS-1", nhs_number="9434765919")


@pytest.fixture
def topics(hub_settings: Settings) -> Settings:
    ensure_hub_topics(hub_settings)
    return hub_settings


def _grant(action: ConsentAction, recorded: datetime) -> ConsentRecord:
    """The parent's consent for a paediatrician at trust RXX to see education and SEN data."""
    return ConsentRecord(
        consent_id="CONS-77", action=action,
        source=Source(agency_kind=AgencyKind.LOCAL_AUTHORITY, org_code="888", system="Consent",
                      source_record_id="CONS-77", record_version=1 if action == "GRANT" else 2),
        subject=Subject(source_person_id="X-1", nhs_number="9434765919"),
        categories=(DataCategory.IDENTITY, DataCategory.EDU, DataCategory.SEN),
        purposes=(Purpose.DIRECT_CARE,),
        recipient=Recipient(org_code="RXX", org_code_kind=OrgCodeKind.ODS, role=RecipientRole.PAED),
        basis=LawfulBasis(kind=BasisKind.CONSENT, giver="parent", giver_role=GiverRole.PR_HOLDER,
                          evidence="signed form"),
        valid_from=recorded - timedelta(days=1), recorded_at=recorded,
    )  # fmt: skip


def _wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def _timeline(web: LiveWeb, token: str) -> httpx.Response:
    return httpx.get(f"{web.url}/api/children/{A}/timeline",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip


def _page(web: LiveWeb, token: str) -> httpx.Response:
    return httpx.get(f"{web.url}/children/{A}", cookies={"send_hub_token": token}, timeout=10)


def _admin(settings: Settings) -> KafkaConnection:
    """The test harness reads the audit and alert topics as the admin principal."""
    return connection_for(settings, Principal.ADMIN)


def _audited(settings: Settings, subject: str, expect: int) -> list[dict]:
    consumer = KafkaConsumer(**_admin(settings).kafka_python(), group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=20000)  # fmt: skip
    topic = settings.topic("audit")
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    seen = []
    for message in consumer:
        record = decode(message.value).record
        if record["subject"] == subject:
            seen.append(record)
        if len(seen) >= expect:
            break
    consumer.close()
    return seen


def _reads(web: LiveWeb, token: str) -> list[dict]:
    url = f"{web.url}/api/children/{A}/access-log"
    reads = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    return list(reads["reads"])


def _history() -> list[TimelineEntry]:
    return [
        entry(A, SCHOOL, T.PupilEnrolled),
        entry(A, SCHOOL, T.SENSupportStarted, day=5),
        entry(A, HEALTH, T.Diagnosis, day=9),
        entry(A, LA, T.EHCNARequested, day=12),
    ]


def test_withdrawal_audit_and_access_log_on_a_real_broker(topics: Settings) -> None:
    now = datetime.now(UTC)
    publish(topics, _history(), links=[link("nhs:9434765919", A)],
            consents=[_grant(ConsentAction.GRANT, now - timedelta(minutes=5))])  # fmt: skip
    web = start_web(topics)
    paed = caseworker_token("it-paed", role=Role.PAED, org="RXX", org_kind=OrgKind.HEALTH,
                            purpose=Purpose.DIRECT_CARE)  # fmt: skip
    coord = caseworker_token("it-coord")
    try:  # the grant lets the paediatrician see education and SEN, not the diagnosis
        shown = _timeline(web, paed).json()
        types = [i["event_type"] for i in shown["items"]]
        assert types == ["PupilEnrolled", "SENSupportStarted", "EHCNARequested"]
        assert shown["items"][0]["access"]["basis"] == "CONSENT"
        assert (
            shown["withheld"] == {"NO_RELATIONSHIP": 1} and "SEN support" in _page(web, paed).text
        )
        publish(topics, consents=[_grant(ConsentAction.WITHDRAW, now)])
        _wait_for(lambda: _timeline(web, paed).status_code == 404)
        assert _page(web, paed).status_code == 404
        _wait_for(lambda: any(r["subject"] == "it-paed" for r in _reads(web, coord)))
        first = next(r for r in _reads(web, coord) if r["action"] == "TIMELINE")
        assert first["role"] == "PAED" and first["purpose"] == "DIRECT_CARE"
    finally:
        assert web.stop() in (0, -15)
    audited = _audited(topics, "it-paed", expect=3)
    timeline_reads = [r for r in audited if r["action"] == "TIMELINE"]
    assert timeline_reads[0]["shown"] == 3 and timeline_reads[0]["bases"] == "CONSENT=3"


def test_no_broker_and_no_outbox_means_503_and_no_data(topics: Settings, tmp_path: Path) -> None:
    publish(topics, [entry(A, SCHOOL, T.PupilEnrolled), entry(A, LA, T.EHCNARequested, day=3)],
            links=[link("nhs:9434765919", A)])  # fmt: skip
    start_web(topics).stop()  # builds the read model, then goes away
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    env = {"SEND_HUB_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}",  # nothing listens there
           "SEND_HUB_AUDIT_OUTBOX": str(blocker / "outbox.sqlite3")}  # fmt: skip
    web = start_web(topics, env=env, until="/health")
    try:
        coord = caseworker_token("it-coord")
        response = _timeline(web, coord)
        assert response.status_code == 503 and "PupilEnrolled" not in response.text
        page = _page(web, coord)
        assert page.status_code == 503 and "PupilEnrolled" not in page.text
    finally:
        web.stop()


def _alerts(settings: Settings) -> list[object]:
    consumer = KafkaConsumer(**_admin(settings).kafka_python(), group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=10000)  # fmt: skip
    topic = settings.topic("alerts")
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    found = [decode_model(message.value) for message in consumer]
    consumer.close()
    return found


def test_break_glass_is_alerted_audited_and_honoured_after_a_restart(topics: Settings) -> None:
    publish(topics, [entry(A, SCHOOL, T.PupilEnrolled), entry(A, SOCIAL, T.S47Started, day=2)],
            links=[link("nhs:9434765919", A)])  # fmt: skip
    dsl = caseworker_token("it-dsl", role=Role.DSL, org="119000", org_kind=OrgKind.EDUCATION,
                           purpose=Purpose.SAFEGUARDING)  # fmt: skip
    web = start_web(topics)
    try:
        assert _timeline(web, dsl).status_code == 404
        body = {"reason": "disclosure to a teacher this morning"}
        granted = httpx.post(f"{web.url}/api/children/{A}/break-glass", json=body,
                             headers={"Authorization": f"Bearer {dsl}"}, timeout=30)  # fmt: skip
        assert granted.status_code == 201
        assert "S47Started" in [i["event_type"] for i in _timeline(web, dsl).json()["items"]]
        # The audit record travels outbox -> send.audit -> read model before a restart.
        _wait_for(lambda: any(r["action"] == "BREAK_GLASS" for r in _reads(web, dsl)))
    finally:
        web.stop()
    (alert,) = _alerts(topics)
    assert isinstance(alert, AccessAlert) and alert.child_id == A and alert.role == "DSL"
    again = start_web(topics)
    try:
        assert "S47Started" in [i["event_type"] for i in _timeline(again, dsl).json()["items"]]
    finally:
        again.stop()
