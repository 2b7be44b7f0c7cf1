"""Stream health: the /ops page, quiet feeds, and a /metrics that exports only the web's own."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, Role, issue_token
from hub.models import DeadLetter
from hub.models import EventType as T
from hub.web.context import COOKIE, WebState
from hub.web.ops.feeds import feed_health
from hub.web.ops.probe import PartitionHealth, StreamHealth
from hub.web.readmodel.projection import apply_entry
from tests.unit.web.conftest import NOW, SECRET
from tests.unit.web.factory import Person, entry

ADA = Person("P-1")


class FixedProbe:
    """A probe that reports one fixed snapshot (the broker side is tested with a real broker)."""

    def __init__(self, health: StreamHealth) -> None:
        self.health, self.calls = health, 0

    def snapshot(self) -> StreamHealth:
        self.calls += 1
        return self.health

    def close(self) -> None:
        pass


def _letter() -> DeadLetter:
    return DeadLetter(
        dead_letter_id="send.ingest.health-0-17", reason="schema_unknown",
        error_class="DecodeError",
        detail="fingerprint not known", source_topic="send.ingest.health", source_partition=0,
        source_offset=17, original_value=b"\x00", dead_lettered_at=NOW,
    )  # fmt: skip


@pytest.fixture
def signed_in(client: TestClient, caller: Caller) -> TestClient:
    ops = caller.model_copy(update={"role": Role.OPS})  # /ops is for operations roles
    token = issue_token(ops, secret=SECRET, issuer="send-hub", now=NOW, ttl=timedelta(hours=1))
    client.post("/signin", data={"token": token})
    return client


def test_feeds_that_sent_nothing_for_too_long_are_quiet(conn: sqlite3.Connection) -> None:
    hour_ago, days_ago = NOW - timedelta(hours=1), NOW - timedelta(days=3)
    apply_entry(conn, entry("C00000000000a", ADA, T.PupilEnrolled, published=hour_ago))
    apply_entry(conn, entry("C00000000000a", ADA, T.Diagnosis, published=days_ago))
    feeds = {f.agency_kind: f for f in feed_health(conn, NOW, timedelta(hours=6))}
    assert not feeds["EDUCATION"].quiet and feeds["HEALTH"].quiet
    assert feeds["HEALTH"].age == timedelta(days=3) and feeds["HEALTH"].entries == 1


def test_the_ops_page_shows_lag_dead_letters_and_quiet_feeds(
    signed_in: TestClient, state: WebState, conn: sqlite3.Connection
) -> None:
    apply_entry(conn, entry("C00000000000a", ADA, T.Diagnosis, published=NOW - timedelta(days=3)))
    state.ops = FixedProbe(StreamHealth(  # type: ignore[assignment]
        NOW, [PartitionHealth("send.ingest.health", 0, 120, 100, 4.5)], "send-hub", "Stable", 1,
        {"schema_unknown": 1}, [_letter()],
    ))  # fmt: skip
    page = signed_in.get("/ops").text
    assert "Running</span>: 1 member in consumer group <code>send-hub</code>" in page
    assert "<strong>20</strong>" in page and "4.5" in page  # lag and messages per second
    assert "schema_unknown" in page and "send-hub dlq replay" in page
    assert "1 quiet" in page and "Quiet</strong> nothing for 72.0 hours" in page


def test_a_worker_with_no_member_is_down_and_a_silent_broker_is_said(
    signed_in: TestClient, state: WebState
) -> None:
    state.ops = FixedProbe(StreamHealth(NOW, [], "send-hub", "Empty", 0))  # type: ignore[assignment]
    assert "Down</span>: no member" in signed_in.get("/ops").text
    state.ops = FixedProbe(StreamHealth(NOW, group="send-hub", error="the broker did not answer"))  # type: ignore[assignment]
    assert "Unknown: the broker did not answer" in signed_in.get("/ops").text


def test_metrics_are_the_web_processes_own(client: TestClient, state: WebState) -> None:
    import hub.metrics  # noqa: F401 - the worker's families, loaded as in any process

    probe = FixedProbe(StreamHealth(datetime(2026, 1, 1, tzinfo=UTC)))
    state.ops = probe  # type: ignore[assignment]
    text = client.get("/metrics").text
    assert "send_hub_http_requests_total" in text and "send_hub_review_queue_size" in text
    assert "send_hub_events_ingested_total" not in text  # the worker's, never the web's
    assert "send_hub_match_outcomes_total" not in text
    assert probe.calls == 1


def test_a_forged_or_foreign_sign_in_cookie_gets_no_ops_page(
    client: TestClient, caller: Caller
) -> None:
    forged = issue_token(caller, secret="someone-elses-secret-of-a-decent-length",
                         issuer="send-hub", now=NOW, ttl=timedelta(hours=1))  # fmt: skip
    for cookie in (forged, "not-a-token", "x" * 5000):
        client.cookies.set(COOKIE, cookie)
        response = client.get("/ops", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin")
