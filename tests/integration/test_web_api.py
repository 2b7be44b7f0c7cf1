"""The web service on a real broker: it projects the topics, answers the API, audits reads.

Timeline entries and identity links are built with the pydantic models, encoded with the
serde and published to this test's own topics; ``send-hub web`` runs as a child process.
"""

import re
import time
from datetime import timedelta

import httpx
import pytest
from kafka import KafkaConsumer, TopicPartition

from hub.auth import OrgKind, Role
from hub.config import Settings
from hub.models import EventType as T
from hub.models import Purpose, TimelineEntry
from hub.web.context import COOKIE
from infra.credentials import Principal
from infra.security import connection_for
from infra.topics import ensure_hub_topics
from schemas.serde import decode
from tests.unit.web.factory import BASE, Person, entry, link, merge
from tests.unit.web.live import LiveWeb, caseworker_token, publish, start_web

A, B = "C0000000000a1", "C0000000000b2"
SCHOOL = Person("P-1", upn="B801200005001")
HEALTH = Person("NHS-7", given_name="Adaline", nhs_number="9434765919")
TYPES = [T.PupilEnrolled, T.SENSupportStarted, T.EHCNARequested, T.EHCAssessDecision]


@pytest.fixture
def topics(hub_settings: Settings) -> Settings:
    ensure_hub_topics(hub_settings)
    return hub_settings


def _history() -> list[TimelineEntry]:
    school = [entry(A, SCHOOL, t, day=i * 10, offset=i) for i, t in enumerate(TYPES)]
    health = [entry(B, HEALTH, T.HealthReferralMade, day=15), entry(B, HEALTH, T.Diagnosis, day=60)]
    return school + health


def _timeline(web: LiveWeb, child: str, token: str, **params: object) -> list[dict]:
    items, cursor = [], None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        url = f"{web.url}/api/children/{child}/timeline"
        auth = {"Authorization": f"Bearer {token}"}
        page = httpx.get(url, params=query, headers=auth, timeout=10).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _wait_for(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the read model"
        time.sleep(0.25)


def _audit_children(
    settings: Settings, expect: int, timeout_ms: int = 15000
) -> list[tuple[str, str, str]]:
    kafka = connection_for(settings, Principal.ADMIN)  # the test harness reads as admin
    consumer = KafkaConsumer(**kafka.kafka_python(), group_id=None,
                             auto_offset_reset="earliest",
                             consumer_timeout_ms=timeout_ms)  # fmt: skip
    topic = settings.topic("audit")
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    seen = []
    for message in consumer:
        record = decode(message.value).record
        seen.append((record["child_id"], record["action"], record["subject"]))
        if len(seen) >= expect:
            break
    consumer.close()
    return seen


def _check_reads(web: LiveWeb, token: str, history: list[TimelineEntry]) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{web.url}/api/children?upn=B801200005001").status_code == 401
    hits = httpx.get(f"{web.url}/api/children", params={"nhs_number": "9434765919"},
                     headers=auth).json()["results"]  # fmt: skip
    assert [hit["child_id"] for hit in hits] == [A]
    items = _timeline(web, B, token)
    ordered = sorted(history, key=lambda e: e.sort_key)
    assert [item["entry_id"] for item in items] == [e.entry_id for e in ordered]
    # The LA's coordinator sees health entries in outline only (type, date, agency).
    health = _timeline(web, A, token, agency="HEALTH")[0]
    assert (health["event_type"], health["access"]["detail"], health["payload"]) == (
        "HealthReferralMade",
        "thin",
        {},
    )
    record = httpx.get(f"{web.url}/api/children/{A}", headers=auth).json()
    assert record["merged_from"] == [B] and len(record["sources"]) == 3


def test_the_api_serves_the_projected_timeline(topics: Settings) -> None:
    history = _history()
    publish(topics, history + history[:2],  # a redelivery must not duplicate anything
            links=[link("upn:B801200005001", A), link("nhs:9434765919", B), merge(B, A)],
            raw_timeline=[b"not an entry"])  # fmt: skip
    web = start_web(topics)
    try:
        token = caseworker_token()
        _check_reads(web, token, history)
        late = entry(A, SCHOOL, T.PupilLeft, day=90)
        publish(topics, [late])
        _wait_for(lambda: len(_timeline(web, A, token)) == len(history) + 1)
        metrics = httpx.get(f"{web.url}/metrics").text
        assert (
            'send_hub_web_read_model_records_total{result="bad",topic_kind="timeline"} 1.0'
            in metrics
        )
    finally:
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it: exit -15 is a clean stop
        assert web.stop() in (0, -15)
    audits = _audit_children(topics, expect=3)
    assert (A, "SEARCH", "it-caseworker") in audits and (A, "TIMELINE", "it-caseworker") in audits


def test_a_restart_resumes_and_a_rebuild_rebuilds(topics: Settings) -> None:
    history = _history()
    publish(topics, history[:3], links=[merge(B, A)])
    token = caseworker_token()
    start_web(topics).stop()
    publish(topics, history[3:] + history[:1])  # one redelivery, published while it was down
    # resuming reads only the 4 records published while it was down; a rebuild reads all 8,
    # and the audit records of the reads made so far
    for rebuild, records in ((False, 4), (True, 8)):
        web = start_web(topics, rebuild=rebuild)
        try:
            assert httpx.get(f"{web.url}/ops").status_code == 303  # sign in first
            ops_cookie = {COOKIE: caseworker_token("it-ops", role=Role.OPS)}
            # Checked before reading: each read adds an audit record, which the read model
            # also takes (from send.audit, for the access log).
            ops = httpx.get(f"{web.url}/ops", cookies=ops_cookie).text
            assert "Caught up" in ops
            found = re.search(r"Records applied since start</dt>\s*<dd[^>]*>(\d+)", ops)
            assert found is not None, ops
            applied = int(found.group(1))
            audits = len(_audit_children(topics, expect=10**6, timeout_ms=3000)) if rebuild else 0
            assert applied == records + audits
            ids = [item["entry_id"] for item in _timeline(web, A, token)]
            assert ids == [e.entry_id for e in sorted(history, key=lambda e: e.sort_key)]
        finally:
            web.stop()


def test_an_unmerge_moves_entries_back(topics: Settings) -> None:
    history = _history()
    publish(topics, history, links=[merge(B, A)])
    web = start_web(topics)
    try:
        token = caseworker_token()
        assert len(_timeline(web, A, token)) == len(history)
        unmerge = merge(B, A, at=BASE + timedelta(days=1)).model_copy(
            update={"kind": "UNMERGE", "child_id": B, "merged_into": None})  # fmt: skip
        publish(topics, links=[unmerge])
        _wait_for(lambda: len(_timeline(web, A, token)) == len(TYPES))
        # B now holds only health records: a paediatrician at the treating trust reads it.
        paed = caseworker_token(
            "it-paed",
            role=Role.PAED,
            org="RXN",
            org_kind=OrgKind.HEALTH,
            purpose=Purpose.DIRECT_CARE,
        )
        assert [i["event_type"] for i in _timeline(web, B, paed)] == [
            "HealthReferralMade",
            "Diagnosis",
        ]
    finally:
        web.stop()
