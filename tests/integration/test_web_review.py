"""The identity review API on a real broker: a ReviewItem published to send.identity.review
shows in ``GET /api/review``; a POSTed link decision and an unmerge request arrive on
send.identity.decisions as IdentityReviewDecision events (decoded with the serde); the item
closes when the worker re-publishes it DECIDED."""

import time
from collections.abc import Callable

import httpx
import pytest

from hub.config import Settings
from hub.models import EventType as T
from hub.models import LinkDecision
from infra.topics import ensure_hub_topics
from tests.unit.web.factory import Person, entry
from tests.unit.web.live import LiveWeb, caseworker_token, publish, read_decisions, start_web
from tests.unit.web.reviewfactory import review_item

A, D = "C0000000000a1", "C0000000000d4"
RID = "R00000000000000a1"
HEALTH_KEY = "src:HEALTH:RXN:SystmOne:NHS-7"


@pytest.fixture
def topics(hub_settings: Settings) -> Settings:
    ensure_hub_topics(hub_settings)
    return hub_settings


def _wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the read model"
        time.sleep(0.25)


def _queue(web: LiveWeb, auth: dict[str, str]) -> list[dict]:
    return httpx.get(f"{web.url}/api/review", headers=auth, timeout=10).json()["items"]


def test_a_review_is_listed_decided_and_closed(topics: Settings) -> None:
    school, health = Person("P-1", upn="B801200005001"), Person("NHS-7", given_name="Adaline")
    publish(topics, [entry(A, school, T.PupilEnrolled), entry(A, health, T.Diagnosis, day=4)],
            reviews=[review_item(RID, provisional=D, candidate=A)])  # fmt: skip
    web = start_web(topics)
    try:
        auth = {"Authorization": f"Bearer {caseworker_token('it-reviewer')}"}
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
        [(key, link), (ukey, undo)] = read_decisions(topics, expect=2)
        assert key == RID.encode() and link.decision is LinkDecision.LINK
        assert (link.child_id, link.decided_by) == (A, "it-reviewer")
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
