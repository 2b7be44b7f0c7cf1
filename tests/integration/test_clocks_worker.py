"""On the real broker: an EHC request passing 20 weeks without a final plan raises exactly one
breach alert on ``send.alerts``, across worker restarts, with time passed in.

The worker's clock stage believes it is the day set in ``SEND_HUB_CLOCKS_NOW`` (a setting only
tests use); its timer ticks every second, so the breach is raised with no new event arriving.
Run 1 (day 130): the 20-week clock is due soon. Run 2 (day 141, after a SIGTERM): the timer
raises the breach. Run 3 (day 150, after a SIGKILL): a new event is processed, nothing repeats.
"""

import signal
import sqlite3
import subprocess
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from hub.config import Settings
from hub.models import (
    AgencyKind,
    Alert,
    AlertKind,
    EHCNARequested,
    Event,
    PupilEnrolled,
    Source,
    Subject,
    build_event,
)
from infra.topics import ensure_hub_topics
from schemas.serde import decode_model
from streams.runner import READY_FILE_ENV, start_worker_process, wait_ready
from tests.integration.test_pipeline import TIMEOUT, admin, publish, read_topic

RECEIVED = date(2025, 1, 6)


def _event(payload: EHCNARequested | PupilEnrolled, record: str, org: str) -> Event:
    at = datetime.combine(RECEIVED, dtime(9), UTC)
    kind = (
        AgencyKind.LOCAL_AUTHORITY if isinstance(payload, EHCNARequested) else AgencyKind.EDUCATION
    )
    source = Source(agency_kind=kind, org_code=org, system="SYS", source_record_id=record,
                    record_version=1)  # fmt: skip
    return build_event(payload, source=source, subject=Subject(source_person_id=f"p-{record}"),
                       occurred_at=at, recorded_at=at, clock_id="R1")  # fmt: skip


def _worker(settings: Settings, tmp_path: Path, day: int) -> subprocess.Popen[bytes]:
    ready = tmp_path / "worker.ready"
    ready.unlink(missing_ok=True)
    now = datetime.combine(RECEIVED + timedelta(days=day), dtime(12), UTC)
    env = {
        "SEND_HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SEND_HUB_TOPIC_PREFIX": settings.topic_prefix,
        "SEND_HUB_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "SEND_HUB_DATA_DIR": str(tmp_path / "worker"),
        "SEND_HUB_WORKER_METRICS_PORT": "0",
        "SEND_HUB_CLOCKS_NOW": now.isoformat(),
        "SEND_HUB_CLOCK_TICK_SECONDS": "1",
        READY_FILE_ENV: str(ready),
    }
    proc = start_worker_process(env, log=tmp_path / "worker.log")
    wait_ready(proc, ready, timeout=TIMEOUT)
    return proc


def _alerts(settings: Settings) -> list[Alert]:
    found = [decode_model(v) for v in read_topic(admin(settings), settings.topic("alerts"))]
    return [a for a in found if isinstance(a, Alert)]


def _wait_for(settings: Settings, kind: AlertKind) -> list[Alert]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        alerts = _alerts(settings)
        if any(a.kind is kind and a.rule_id == "ehc_20_weeks" for a in alerts):
            return alerts
        time.sleep(0.5)
    entries = len(read_topic(admin(settings), settings.topic("timeline")))
    raise AssertionError(f"no {kind} alert for ehc_20_weeks in {TIMEOUT:.0f} s; {entries} entries")


def _processed(tmp_path: Path, entries: int) -> None:
    """Wait until the clock stage's own offsets cover ``entries`` timeline entries."""
    path = next((tmp_path / "worker").rglob("clocks.sqlite3"))
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT next_offset FROM offsets WHERE topic LIKE '%.timeline'")
            if sum(r[0] for r in rows) >= entries:
                return
        time.sleep(0.5)
    raise AssertionError("the clock stage did not process the new entry")


def _stop(proc: subprocess.Popen[bytes], how: signal.Signals) -> None:
    proc.send_signal(how)
    proc.wait(timeout=TIMEOUT)


def test_breach_alert_raised_exactly_once_across_restarts(
    hub_settings: Settings, tmp_path: Path
) -> None:
    ensure_hub_topics(hub_settings)
    publish(hub_settings, [_event(EHCNARequested(received_date=RECEIVED), "req-1", "888")])
    first = _worker(hub_settings, tmp_path, 130)
    try:
        before = _wait_for(hub_settings, AlertKind.CLOCK_DUE_SOON)
    finally:
        _stop(first, signal.SIGTERM)
    assert not any(a.kind is AlertKind.CLOCK_BREACH for a in before)
    second = _worker(hub_settings, tmp_path, 141)
    try:
        _wait_for(hub_settings, AlertKind.CLOCK_BREACH)  # the timer, no new event
    finally:
        _stop(second, signal.SIGKILL)
    third = _worker(hub_settings, tmp_path, 150)
    try:
        publish(
            hub_settings,
            [_event(PupilEnrolled(urn="119000", entry_date=RECEIVED), "p-2", "119000")],
        )
        _processed(tmp_path, 2)
        time.sleep(2.5)  # let the 1-second timer tick at least twice more before counting
    finally:
        _stop(third, signal.SIGTERM)
    counts = Counter((a.rule_id, a.kind) for a in _alerts(hub_settings))
    assert counts[("ehc_20_weeks", AlertKind.CLOCK_BREACH)] == 1
    assert counts[("ehc_20_weeks", AlertKind.CLOCK_DUE_SOON)] == 1
    breach = next(a for a in _alerts(hub_settings) if a.kind is AlertKind.CLOCK_BREACH)
    assert breach.due_date == RECEIVED + timedelta(days=140)
    assert breach.recipients[0].role == "EHC_COORD" and breach.recipients[0].org_code == "888"
