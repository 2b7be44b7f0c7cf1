"""The identity review API on a real broker.

First against the topics alone: a ReviewItem published to send.identity.review shows in
``GET /api/review``; a POSTed link decision and an unmerge request arrive on
send.identity.decisions as IdentityReviewDecision events (decoded with the serde); the item
closes when it is re-published DECIDED. Then end to end with a real ``send-hub worker``: an
ambiguous record lands in review, a reviewer links it through the API, the child's record
shows the merge, and an unmerge through the API splits it off again.
"""

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config import Settings
from hub.models import (
    AgencyKind,
    Event,
    LinkDecision,
    PupilEnrolled,
    Sex,
    Source,
    Subject,
    build_event,
)
from hub.models import EventType as T
from infra.topics import ensure_hub_topics
from tests.integration.test_pipeline import publish as publish_events
from tests.integration.test_pipeline import workers
from tests.unit.web.factory import Person, entry
from tests.unit.web.live import (
    LiveWeb,
    publish,
    read_decisions,
    safeguarding_record,
    social_worker_token,
    start_web,
)
from tests.unit.web.reviewfactory import review_item

A, D = "C0000000000a1", "C0000000000d4"
RID = "R00000000000000a1"
HEALTH_KEY = "src:HEALTH:RXN:SystmOne:NHS-7"


@pytest.fixture
def topics(hub_settings: Settings) -> Settings:
    ensure_hub_topics(hub_settings)
    return hub_settings


def _wait_for(check: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the read model"
        time.sleep(0.25)


def _queue(web: LiveWeb, auth: dict[str, str]) -> list[dict]:
    return httpx.get(f"{web.url}/api/review", headers=auth, timeout=10).json()["items"]


@pytest.fixture
def partnership(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The worker and web of these tests share one partnership: the LA 888 and the sources."""
    path = tmp_path / "partnership.yaml"
    members = '["888", ORG1, ORG3, RXN, "119000"]'
    path.write_text(f"version: 1\ngroups:\n  - name: it\n    organisations: {members}\n")
    monkeypatch.setenv("SEND_HUB_PARTNERSHIP_FILE", str(path))  # the child processes inherit it
    return path


def test_a_review_is_listed_decided_and_closed(topics: Settings, partnership: Path) -> None:
    school, health = Person("P-1", upn="B801200005001"), Person("NHS-7", given_name="Adaline")
    incoming = entry(D, Person("NHS-8", given_name="Adaline"), T.HealthReferralMade, day=5)
    # The reviewer is a social worker with a recorded safeguarding reason for both children:
    # a reviewer sees a pair only where they may see both children.
    reasons = [safeguarding_record("src:EDUCATION:119000:SIMS:P-1", "SG-1"),
               safeguarding_record("src:HEALTH:RXN:SystmOne:NHS-8", "SG-2")]  # fmt: skip
    publish(topics, [entry(A, school, T.PupilEnrolled), entry(A, health, T.Diagnosis, day=4),
                     incoming], reviews=[review_item(RID, provisional=D, candidate=A)],
            consents=reasons)  # fmt: skip
    web = start_web(topics)
    try:
        auth = {"Authorization": f"Bearer {social_worker_token('it-reviewer')}"}
        [item] = _queue(web, auth)
        assert (item["review_id"], item["record"]["given_name"]) == (RID, "Adaline")
        assert item["explanation"]["items"][0]["sentence"] == "Family names are the same."
        body = {"decision": "link", "reason": "same school, nickname"}
        response = httpx.post(f"{web.url}/api/review/{RID}", json=body, headers=auth, timeout=30)
        assert response.status_code == 202
        unmerge = {"source_keys": [HEALTH_KEY], "reason": "a different child"}
        split = httpx.post(f"{web.url}/api/children/{A}/unmerge", json=unmerge, headers=auth,
                           timeout=30)  # fmt: skip
        assert split.status_code == 202
        # different keys, so maybe different partitions: no order between the two
        found = {d.decision: (k, d) for k, d in read_decisions(topics, expect=2)}
        (key, link), (ukey, undo) = found[LinkDecision.LINK], found[LinkDecision.UNMERGE]
        assert key == RID.encode() and link.decision is LinkDecision.LINK
        assert (link.child_id, link.decided_by) == (A, "it-reviewer")
        assert link.reviewer is not None and (link.reviewer.org, link.reviewer.role) == (
            "888",
            "SW",
        )  # who decided (the social worker of social_worker_token), for the worker's checks
        assert undo.approver is None  # a request: a second reviewer must approve it
        assert [r.source_person_id for r in link.records] == ["NHS-7", "P-1"]
        assert undo.decision is LinkDecision.UNMERGE and ukey == undo.review_id.encode()
        assert undo.child_id == A and [r.source_person_id for r in undo.records] == ["NHS-7"]
        # the read model sees the decision: a second one is refused, then the worker closes it
        _wait_for(lambda: _queue(web, auth)[0]["pending"] is not None)
        assert httpx.post(f"{web.url}/api/review/{RID}", json=body, headers=auth).status_code == 409
        publish(topics, reviews=[review_item(RID, provisional=D, candidate=A, status="DECIDED")])
        _wait_for(lambda: _queue(web, auth) == [])
        assert "send_hub_review_queue_size 0.0" in httpx.get(f"{web.url}/metrics").text
    finally:
        web.stop()


def _event(org: str, person: str, **subject: Any) -> Event:
    at = datetime.now(UTC) - timedelta(days=2)
    oliver: dict[str, Any] = {"given_name": "Oliver", "family_name": "Hartley", "sex": Sex.MALE,
                              "date_of_birth": date(2015, 3, 7), "postcode": "PR1 2AB"}  # fmt: skip
    return build_event(
        PupilEnrolled(urn="100001", entry_date=date(2024, 9, 1)),
        source=Source(agency_kind=AgencyKind.EDUCATION, org_code=org, system="SIMS",
                      source_record_id=f"{org}-{person}", record_version=1),
        subject=Subject(source_person_id=person, **(oliver | subject)),
        occurred_at=at, recorded_at=at + timedelta(hours=1),
    )  # fmt: skip


def _pending_unmerges(web: LiveWeb, auth: dict[str, str]) -> int:
    return len(httpx.get(f"{web.url}/api/unmerge-requests", headers=auth, timeout=10).json())


def _sources(web: LiveWeb, auth: dict[str, str], child: str) -> set[str]:
    record = httpx.get(f"{web.url}/api/children/{child}", headers=auth, timeout=10)
    return (
        {s["source_key"] for s in record.json().get("sources", [])} if record.is_success else set()
    )


def test_a_reviewer_links_and_unmerges_through_the_worker(
    topics: Settings, tmp_path: Path, partnership: Path
) -> None:
    first, ambiguous = "src:EDUCATION:ORG1:SIMS:p1", "src:EDUCATION:ORG3:SIMS:r1"
    publish(topics, consents=[safeguarding_record(first, "SG-1"),
                              safeguarding_record(ambiguous, "SG-2")])  # fmt: skip
    web = start_web(topics)
    auth = {"Authorization": f"Bearer {social_worker_token('it-reviewer')}"}
    second = {"Authorization": f"Bearer {social_worker_token('it-second-reviewer')}"}
    try:
        with workers(topics, tmp_path, ["w1"]):
            publish_events(topics, [_event("ORG1", "p1")])
            publish_events(topics, [_event("ORG3", "r1", given_name=None)])
            _wait_for(lambda: len(_queue(web, auth)) == 1)
            [item] = _queue(web, auth)
            assert item["record"]["source_key"] == ambiguous
            child = item["candidate_child_id"]
            body = {"decision": "link", "reason": "same child, name missing"}
            url = f"{web.url}/api/review/{item['review_id']}"
            assert httpx.post(url, json=body, headers=auth, timeout=30).status_code == 202
            _wait_for(lambda: _sources(web, auth, child) == {first, ambiguous})
            _wait_for(lambda: _queue(web, auth) == [])  # the worker closed the item
            split = {"source_keys": [ambiguous], "reason": "a different child after all"}
            url = f"{web.url}/api/children/{child}/unmerge"
            asked = httpx.post(url, json=split, headers=auth, timeout=30)
            assert asked.status_code == 202 and asked.json()["approver"] is None
            approve = f"{web.url}/api/unmerge-requests/{asked.json()['review_id']}/approve"
            _wait_for(lambda: _pending_unmerges(web, second) == 1)
            assert httpx.post(approve, headers=auth, timeout=30).status_code == 403  # same person
            assert httpx.post(approve, headers=second, timeout=30).status_code == 202
            _wait_for(lambda: _sources(web, auth, child) == {first})
    finally:
        web.stop()
