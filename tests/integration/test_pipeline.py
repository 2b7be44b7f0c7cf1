"""The pipeline on the real broker: simulator output onto timelines, bad messages to the DLQ.

Helpers here are shared with ``test_pipeline_guarantees.py``: workers run as real
``send-hub worker`` subprocesses with their own data dir, against this test's uuid-prefixed
topics; results are read back from ``send.timeline``, ``send.identity.links`` and
``send.deadletter`` exactly as a consumer (the web service) would.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.sdk import Publisher, ingest_topics
from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.config import Settings
from hub.identity.crosswalk import Crosswalk
from hub.intake.validate import Accepted, validate
from hub.models import AgencyKind, DeadLetter, Event, IdentityLink, TimelineEntry
from hub.timeline.buckets import TimelineItem, TimelineState
from infra.credentials import Principal
from infra.process import free_port
from infra.security import KafkaConnection, connection_for
from infra.topics import ensure_hub_topics
from schemas.serde import decode, decode_model, encode_model
from streams.runner import READY_FILE_ENV, start_worker_process, wait_ready
from streams.topics import AGENCY_OF_TOPIC
from tests.integration.committed_reader import CommittedReader, follower

TIMEOUT = 120.0


@contextmanager
def workers(
    settings: Settings, tmp_path: Path, names: Iterable[str], metrics_port: int = 0
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Worker subprocesses sharing this test's topics (one consumer group), each ready."""
    procs = {name: start_worker(settings, tmp_path, name, metrics_port) for name in names}
    try:
        yield procs
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_worker(
    settings: Settings, tmp_path: Path, name: str, metrics_port: int = 0
) -> subprocess.Popen[bytes]:
    ready = tmp_path / f"{name}.ready"
    ready.unlink(missing_ok=True)
    env = {
        "SEND_HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SEND_HUB_TOPIC_PREFIX": settings.topic_prefix,
        "SEND_HUB_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "SEND_HUB_DATA_DIR": str(tmp_path / name),
        "SEND_HUB_WORKER_METRICS_PORT": str(metrics_port),
        "SEND_HUB_WORKER_LOG_LEVEL": os.environ.get("SEND_HUB_TEST_WORKER_LOG_LEVEL", "info"),
        READY_FILE_ENV: str(ready),
    }
    proc = start_worker_process(env, log=tmp_path / f"{name}.log")
    try:
        wait_ready(proc, ready, timeout=TIMEOUT)
    except BaseException:
        proc.kill()  # not left behind, retrying against a broker the session stops
        proc.wait(30)
        raise
    return proc


def publish(
    settings: Settings, events: Iterable[Event], raw: Iterable[tuple[str, bytes]] = ()
) -> None:
    """Publish contract events through the SDK, and raw (topic short name, bytes) as they are."""
    topics = ingest_topics(settings.topic_prefix)
    with Publisher(settings.kafka_bootstrap, topics=topics) as publisher:
        for event in events:
            publisher.publish(event)
        for n, (short, value) in enumerate(raw):
            kind = AgencyKind(AGENCY_OF_TOPIC[short])  # each agency writes its own topic only
            publisher.send_raw(settings.topic(short), b"raw", value, f"raw-{n}", kind)
        publisher.flush(60)


def admin(settings: Settings) -> KafkaConnection:
    """The test harness reads as the admin principal: no service may read every topic."""
    return connection_for(settings, Principal.ADMIN)


def read_topic(kafka: KafkaConnection, topic: str) -> list[bytes]:
    """Every value on ``topic`` right now (all partitions, from the beginning, no group)."""
    reader = CommittedReader(kafka, topic)  # as every reader of the worker's outputs
    try:
        return reader.read()
    finally:
        reader.close()


def entries(settings: Settings) -> list[TimelineEntry]:
    return [
        TimelineEntry.model_validate(decode_model(v))
        for v in read_topic(admin(settings), settings.topic("timeline"))
    ]


def crosswalk(settings: Settings) -> Crosswalk:
    """The crosswalk a consumer rebuilds from the links topic (merges applied)."""
    cw = Crosswalk()
    pending = [
        IdentityLink.model_validate(decode(v).record)
        for v in read_topic(admin(settings), settings.topic("identity.links"))
    ]
    for link in pending:
        cw.apply(link)
    return cw


def entry_ids(settings: Settings) -> list[str]:
    """Entry ids on the timeline topic (one kept reader per topic: cheap to poll)."""
    return list(follower(admin(settings), settings.topic("timeline")).entry_ids())


def wait_for_entries(
    settings: Settings, expected: set[str], timeout: float = TIMEOUT
) -> list[TimelineEntry]:
    deadline = time.monotonic() + timeout
    while missing := expected - set(entry_ids(settings)):
        if time.monotonic() > deadline:
            pytest.fail(f"{len(missing)} of {len(expected)} events never reached a timeline")
        time.sleep(1.0)
    return entries(settings)


def grouping(settings: Settings, found: list[TimelineEntry]) -> set[frozenset[str]]:
    """Entry ids grouped by surviving child: the state two runs must agree on."""
    cw = crosswalk(settings)
    groups: dict[str, set[str]] = {}
    for entry in found:
        groups.setdefault(cw.root(entry.child_id), set()).add(entry.entry_id)
    return {frozenset(g) for g in groups.values()}


def accepted_ids(events: Iterable[Event], now: datetime) -> set[str]:
    return {
        e.event_id for e in events
        if isinstance(validate(decode(encode_model(e)).record, now), Accepted)
    }  # fmt: skip


@pytest.fixture
def topics_ready(hub_settings: Settings) -> Settings:
    ensure_hub_topics(hub_settings)
    return hub_settings


def _bad_messages(events: list[Event]) -> list[tuple[str, bytes]]:
    good = encode_model(events[0])
    future = events[0].model_copy(update={
        "event_id": "future-1", "occurred_at": datetime.now(UTC) + timedelta(days=30),
        "recorded_at": datetime.now(UTC) + timedelta(days=30),
    })  # fmt: skip
    return [
        ("ingest.education", b"not avro at all"),
        ("ingest.health", good[:25]),
        ("ingest.education", encode_model(future)),
    ]


def test_simulator_events_land_once_in_order_on_one_timeline(
    topics_ready: Settings, tmp_path: Path
) -> None:
    settings = topics_ready
    sim = simulate(children=40, days=365, seed=11, out=tmp_path / "sim")
    events: list[Event] = []
    publish_simulation(sim.out, events.append)
    expected = accepted_ids(events, datetime.now(UTC))
    with workers(settings, tmp_path, ["w1"]):
        publish(settings, events, _bad_messages(events))
        found = wait_for_entries(settings, expected)
        letters = _wait_for_dead_letters(settings, 3)
    # every accepted event is on the timeline exactly once (no restart, so no redelivery)
    ids = [e.entry_id for e in found]
    assert len(ids) == len(set(ids)) == len(expected)
    _check_against_ground_truth(settings, found, sim.ground_truth, events)
    assert sorted(d.reason for d in letters) == ["decode", "decode", "future_date"]
    assert all(
        d.original_value and d.source_topic.startswith(settings.topic_prefix) for d in letters
    )


def _wait_for_dead_letters(settings: Settings, n: int) -> list[DeadLetter]:
    deadline = time.monotonic() + 30
    while True:
        values = read_topic(admin(settings), settings.topic("deadletter"))
        if len(values) >= n or time.monotonic() > deadline:
            return [DeadLetter.model_validate(decode(v).record) for v in values]
        time.sleep(0.5)


def _check_against_ground_truth(
    settings: Settings, found: list[TimelineEntry], truth_csv: Path, events: list[Event]
) -> None:
    import csv

    truth = {
        (r["agency_kind"], r["org_code"], r["source_system"], r["source_person_id"]): r["child_id"]
        for r in csv.DictReader(truth_csv.open(encoding="utf-8"))
    }
    cw = crosswalk(settings)
    true_children_of: dict[str, set[str]] = {}
    timelines = TimelineState()
    for entry in found:
        src = entry.event.source
        true = truth[
            (src.agency_kind.value, src.org_code, src.system, entry.event.subject.source_person_id)
        ]
        survivor = cw.root(entry.child_id)
        true_children_of.setdefault(survivor, set()).add(true)
        timelines.add(
            survivor,
            TimelineItem(
                _ms(entry.event.occurred_at), _ms(entry.event.recorded_at), entry.entry_id
            ),
        )
    # precision: a hub child never mixes two real children (a false merge shows the wrong family)
    assert all(len(children) == 1 for children in true_children_of.values())
    # order: each child's timeline is the events sorted by occurred, recorded, id
    by_id = {e.event_id: e for e in events}
    for survivor in true_children_of:
        items = list(timelines.timeline([survivor]))
        keys = [
            (by_id[i.entry_id].occurred_at, by_id[i.entry_id].recorded_at, i.entry_id)
            for i in items
        ]
        assert keys == sorted(keys)


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _cli(settings: Settings, *args: str) -> str:
    env = {
        **os.environ,
        "SEND_HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SEND_HUB_TOPIC_PREFIX": settings.topic_prefix,
    }
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_dlq_list_and_replay_and_worker_metrics(topics_ready: Settings, tmp_path: Path) -> None:
    settings = topics_ready
    sim = simulate(children=3, days=60, seed=5, out=tmp_path / "sim")
    events: list[Event] = []
    publish_simulation(sim.out, events.append)
    port = free_port()
    with workers(settings, tmp_path, ["w1"], metrics_port=port):
        publish(settings, events[:5], _bad_messages(events))
        letters = _wait_for_dead_letters(settings, 3)
        listing = _cli(settings, "dlq", "list", "--reason", "decode")
        assert listing.count(" decode: ") == 2 and "2 dead letter(s) matching" in listing
        assert events[0].subject.source_person_id not in listing  # no personal data
        replayed = _cli(settings, "dlq", "replay", "--id", letters[0].dead_letter_id)
        assert "replayed 1 dead letter(s)" in replayed
        known = {d.dead_letter_id for d in letters}
        new = [d for d in _wait_for_dead_letters(settings, 4) if d.dead_letter_id not in known]
        assert [d.original_value for d in new] == [letters[0].original_value]  # a new offset, id
        text = (
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        )
    assert 'send_hub_events_deadlettered_total{agency_kind="EDUCATION",reason="decode"}' in text
    assert "send_hub_end_to_end_latency_seconds_bucket" in text
    assert "send_hub_consumer_lag_messages" in text
