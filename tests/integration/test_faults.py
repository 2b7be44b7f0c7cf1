"""The fault suite: the transactional worker under kills, broker restarts, poison and rebalances.

Every check reads ``send.timeline`` as a ``read_committed`` reader would (the web service,
any downstream consumer): each accepted event must be there exactly once (0 lost, 0
duplicated), and every child's timeline must equal a clean run's (entries grouped by child
after merges). These tests are marked ``faults`` (and ``integration``): ``make test-faults``
runs them, and CI (``.ci/run``) runs them after the other integration tests. Sizes default
to the figures the project promises and can be lowered for a quick local run with
``SEND_HUB_FAULTS_SCALE`` (e.g. ``0.1``). Throughput is printed, never asserted.
"""

import os
import random
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hub.config import Settings
from hub.models import Event
from infra import kafka_runtime
from infra.credentials import Principal
from infra.security import connection_for
from infra.topics import delete_topics, ensure_hub_topics, hub_topic_specs
from schemas.serde import decode, encode_model
from tests.integration.test_pipeline import (
    accepted_ids,
    entry_ids,
    grouping,
    publish,
    start_worker,
    wait_for_entries,
)
from tests.integration.test_pipeline_guarantees import NOW, _population

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(3600)]

SCALE = float(os.environ.get("SEND_HUB_FAULTS_SCALE", "1"))
TIMEOUT = 1800.0


def _n(full: int) -> int:
    return max(60, int(full * SCALE))


def _people(events: int, per_kind: int = 13) -> list[Event]:
    """About ``events`` events: people seen by a school, a health trust and social care."""
    return _population(people=max(4, events // (3 * per_kind)), per_kind=per_kind)


@contextmanager
def _fresh(kafka_settings: Settings) -> Iterator[Settings]:
    """Settings with their own uuid-prefixed hub topics (deleted afterwards)."""
    settings = kafka_settings.model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:12]}"})
    ensure_hub_topics(settings)
    try:
        yield settings
    finally:
        delete_topics(
            connection_for(settings, Principal.ADMIN), [s.name for s in hub_topic_specs(settings)]
        )


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


def _exactly_once(settings: Settings, expected: set[str]) -> list[str]:
    """Wait for every expected entry; assert none is there twice. Returns the entry ids."""
    found = wait_for_entries(settings, expected, timeout=TIMEOUT)
    ids = [e.entry_id for e in found]
    copies = [i for i, n in Counter(ids).items() if n > 1]
    assert not copies, f"{len(copies)} entries on the timeline more than once"
    assert set(ids) == expected
    return ids


def _clean_grouping(
    kafka_settings: Settings, tmp: Path, events: list[Event]
) -> set[frozenset[str]]:
    """The grouping of entries into children by one undisturbed worker."""
    with _fresh(kafka_settings) as settings:
        worker = start_worker(settings, tmp, "clean")
        try:
            publish(settings, events)
            found = wait_for_entries(settings, accepted_ids(events, NOW), timeout=TIMEOUT)
        finally:
            _stop(worker)
        return grouping(settings, found)


def _wait_progress(settings: Settings, more_than: int, timeout: float = 300.0) -> int:
    deadline = time.monotonic() + timeout
    while (n := len(entry_ids(settings))) <= more_than:
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.2)
    return n


def test_sigkill_ten_times_loses_and_duplicates_nothing(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    events = _people(_n(200_000))
    expected = accepted_ids(events, NOW)
    clean = _clean_grouping(kafka_settings, tmp_path, events)
    rng = random.Random(11)
    with _fresh(kafka_settings) as settings:
        publish(settings, events)
        done = 0
        for kill in range(10):
            worker = start_worker(settings, tmp_path, "w")
            # a random point in the kill-th eleventh of the replay, so the ten kills spread
            # over the whole stream whatever its size and the machine's speed
            _wait_progress(settings, int(len(expected) * (kill + rng.random()) / 11))
            time.sleep(rng.uniform(0.0, 0.4))  # the worker does ~20,000 events a second
            _stop(worker, signal.SIGKILL)
            done = len(set(entry_ids(settings)))
            print(f"kill {kill + 1}: {done}/{len(expected)} entries committed")
        assert done < len(expected), "the replay finished before the last kill: raise the count"
        worker = start_worker(settings, tmp_path, "w")
        try:
            _exactly_once(settings, expected)
            after = grouping(settings, wait_for_entries(settings, expected))
            assert after == clean, _grouping_difference(clean, after)
        finally:
            _stop(worker)


def _grouping_difference(clean: set[frozenset[str]], after: set[frozenset[str]]) -> str:
    """How two groupings of entries into children differ: splits and joins, counted."""
    home = {entry: group for group in clean for entry in group}
    split = [g for g in after - clean if len({home[e] for e in g}) == 1]
    joined = [g for g in after - clean if len({home[e] for e in g}) > 1]
    return (
        f"{len(clean)} children in the clean run, {len(after)} after the kills: "
        f"{len(split)} parts of split children, {len(joined)} joined children "
        f"(sizes {sorted(len(g) for g in joined)[:10]})"
    )


def test_broker_restarted_mid_stream_loses_nothing(
    kafka_settings: Settings, local_broker: Settings, tmp_path: Path
) -> None:
    events = _people(_n(20_000))
    expected = accepted_ids(events, NOW)
    with _fresh(kafka_settings) as settings:
        worker = start_worker(settings, tmp_path, "w")
        try:
            publish(settings, events)
            _wait_progress(settings, len(expected) // 5)
            kafka_runtime.stop(local_broker, grace=30.0)
            kafka_runtime.start(local_broker, tie_to_parent=True)
            if worker.poll() is not None:  # it may stop on a batch the broker lost: restart it
                print(f"worker exited with {worker.returncode} during the restart; restarted")
                worker = start_worker(settings, tmp_path, "w")
            _exactly_once(settings, expected)
        finally:
            _stop(worker)


def _poison(good: list[Event], n: int) -> list[tuple[str, bytes, str]]:
    """``n`` bad messages of four kinds: (topic short name, bytes, the dead-letter cause)."""
    body = encode_model(good[0])
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append(("ingest.education", b"\x00\x01" + body[2:], "decode|BadMarker"))
        elif kind == 1:
            out.append(
                ("ingest.health", body[:2] + bytes(8) + body[10:], "decode|UnknownFingerprint")
            )
        elif kind == 2:
            out.append(("ingest.social_care", body[: len(body) // 2], "decode|"))
        else:
            future = good[i % len(good)].model_copy(update={
                "event_id": f"poison-{i}", "occurred_at": NOW.replace(year=NOW.year + 1),
                "recorded_at": NOW.replace(year=NOW.year + 1),
            })  # fmt: skip
            out.append(("ingest.education", encode_model(future), "future_date|"))
    return out


def _replay_seconds(settings: Settings, tmp: Path, expected: set[str], letters: int) -> float:
    worker = start_worker(settings, tmp, f"w{uuid.uuid4().hex[:4]}")
    started = time.monotonic()
    try:
        _exactly_once(settings, expected)
        _wait_dead_letters(settings, letters)
        return time.monotonic() - started
    finally:
        _stop(worker)


def _wait_dead_letters(settings: Settings, n: int) -> list[dict[str, object]]:
    from tests.integration.test_pipeline import admin, read_topic

    deadline = time.monotonic() + TIMEOUT
    while True:
        values = read_topic(admin(settings), settings.topic("deadletter"))
        if len(values) >= n or time.monotonic() > deadline:
            return [dict(decode(v).record) for v in values]
        time.sleep(1.0)


def _poison_offsets(settings: Settings, bad: set[bytes]) -> set[tuple[str, int, int]]:
    """Where the poison records are on the ingest topics (a retried send may add copies)."""
    from kafka import KafkaConsumer, TopicPartition

    from tests.integration.test_pipeline import admin

    consumer = KafkaConsumer(**admin(settings).kafka_python(), group_id=None)
    try:
        tps = [
            TopicPartition(settings.topic(short), p)
            for short in ("ingest.education", "ingest.health", "ingest.social_care")
            for p in sorted(consumer.partitions_for_topic(settings.topic(short)) or [])
        ]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        found: set[tuple[str, int, int]] = set()
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for messages in consumer.poll(timeout_ms=1000, max_records=10_000).values():
                found |= {(m.topic, m.partition, m.offset) for m in messages if m.value in bad}
        return found
    finally:
        consumer.close()


def test_poison_is_dead_lettered_once_and_good_events_all_land(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    good = _people(_n(100_000))
    expected = accepted_ids(good, NOW)
    bad = _poison(good, _n(10_000))
    with _fresh(kafka_settings) as clean:
        publish(clean, good)
        clean_s = _replay_seconds(clean, tmp_path, expected, 0)
    with _fresh(kafka_settings) as settings:
        publish(settings, good, [(topic, value) for topic, value, _ in bad])
        # The publisher may write a record twice (a retried produce request): each copy has
        # its own offset and is its own dead letter. So: one dead letter per poison offset.
        on_topics = _poison_offsets(settings, {value for _, value, _ in bad})
        poisoned_s = _replay_seconds(settings, tmp_path, expected, len(on_topics))
        letters = _wait_dead_letters(settings, len(on_topics))
    where = [(d["source_topic"], d["source_partition"], d["source_offset"]) for d in letters]
    extra = Counter(
        f"{d['reason']}|{d['error_class']}"
        for d in letters
        if (d["source_topic"], d["source_partition"], d["source_offset"]) not in on_topics
    )
    assert not extra, f"dead letters of records that were not poison: {extra}"
    assert len(where) == len(set(where)) == len(on_topics)
    assert set(where) == set(on_topics)
    cause_of = {value: cause for _, value, cause in bad}
    for letter in letters:
        cause = cause_of[letter["original_value"]]  # type: ignore[index]
        reason, _, error_class = cause.partition("|")
        assert letter["reason"] == reason, (letter["reason"], cause)
        assert not error_class or letter["error_class"] == error_class, (letter, cause)
    print(
        f"\nclean {len(expected) / clean_s:,.0f} events/s; with {len(bad)} poison messages "
        f"{(len(expected) + len(bad)) / poisoned_s:,.0f} messages/s "
        f"({clean_s / poisoned_s:.2f} of clean, target >= 0.80)"
    )


def test_rebalance_storm_loses_and_duplicates_nothing(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    events = _people(_n(60_000))
    expected = accepted_ids(events, NOW)
    rng = random.Random(5)
    with _fresh(kafka_settings) as settings:
        publish(settings, events)
        stable = start_worker(settings, tmp_path, "stable")
        others: list[subprocess.Popen[bytes]] = []
        try:
            for step in range(8):  # join, join, leave... every few seconds
                if others and (len(others) >= 2 or rng.random() < 0.4):
                    _stop(others.pop(rng.randrange(len(others))))
                else:
                    others.append(start_worker(settings, tmp_path, f"x{step}"))
                time.sleep(rng.uniform(1.0, 3.0))
            done = len(set(entry_ids(settings)))
            print(f"\nafter the storm: {done}/{len(expected)} entries")
            _exactly_once(settings, expected)
        finally:
            for proc in [stable, *others]:
                _stop(proc)


def test_a_zombie_worker_is_fenced(kafka_settings: Settings, tmp_path: Path) -> None:
    events = _people(_n(30_000))
    expected = accepted_ids(events, NOW)
    with _fresh(kafka_settings) as settings:
        zombie = start_worker(settings, tmp_path, "zombie")
        publish(settings, events)
        _wait_progress(settings, 0)
        zombie.send_signal(signal.SIGSTOP)  # paused mid-batch: its partitions move on
        heir = start_worker(settings, tmp_path, "heir")
        try:
            _wait_progress(settings, len(set(entry_ids(settings))) + 100)
            zombie.send_signal(signal.SIGCONT)  # wakes with an open transaction: fenced
            _exactly_once(settings, expected)
        finally:
            _stop(zombie)
            _stop(heir)
