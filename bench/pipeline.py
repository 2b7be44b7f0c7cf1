"""Pipeline benchmark: simulator events through a real ``send-hub worker`` on a real broker.

Run ``.venv/bin/python bench/pipeline.py [--events N] [--rate R] [--seconds S]``. It uses the
broker at ``SEND_HUB_KAFKA_BOOTSTRAP`` if set, else starts one (like the tests). It prints:

1. replay: N simulator events already on the ingest topics, one worker started on them; the
   time from the worker being ready until every entry is on ``send.timeline`` -> events/s;
2. the reference over the same topics: a bare aiokafka consumer decoding every message with
   the serde (no processing) -> events/s, and the worker/reference ratio;
3. the pipeline core alone (decode..timeline, matching on, in this process, no Kafka;
   `bench/pipeline_core.py`) -> events/s, which splits the worker's time into "our code"
   and "Kafka and transactions";
4. steady state: new events published at R/s for S seconds while the worker keeps up;
   p50/p99 of ingest record timestamp -> timeline record timestamp;
5. the worker's peak RSS;
6. the same replay on fresh topics with two worker processes.

2b. peers over the same topics (`bench/peers.py`): a bare confluent-kafka consumer + decode,
   plain Faust (decode + a table write per message), Quix Streams 3.28 (decode + a state
   write per message; needs ``make bench-peers``), each as a ratio to the reference.

The worker runs with matching on and without its clock stage (``SEND_HUB_CLOCKS_ENABLED``
false): the clock stage is a downstream reader of ``send.timeline``, measured by
``bench/clocks.py``.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from confluent_kafka import Consumer
from confluent_kafka import TopicPartition as ConfluentTP
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from connectors.sdk import partition_key
from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.config import Settings
from hub.models import Event
from infra.credentials import Principal, credentials_path
from infra.security import KafkaConnection, connection_for
from infra.topics import ensure_hub_topics
from schemas.serde import decode, default_serde, encode_model
from streams.runner import READY_FILE_ENV, start_worker_process, wait_ready
from streams.topics import hub_topics

__all__ = ["main"]

_BEGINNING, _END = -2, -1  # librdkafka's logical offsets OFFSET_BEGINNING and OFFSET_END

_KIND_TOPIC = {
    "EDUCATION": "ingest.education", "HEALTH": "ingest.health",
    "SOCIAL_CARE": "ingest.social_care", "LOCAL_AUTHORITY": "ingest.local_authority",
}  # fmt: skip


def _events(n: int, seed: int, tmp: Path) -> list[Event]:
    """At least ``n`` simulator events (children scaled to ~25 events each), first n kept."""
    events: list[Event] = []
    children = max(20, n // 22)
    while len(events) < n:
        out = tmp / f"sim-{seed}-{children}"
        publish_simulation(simulate(children, 365, seed, out).out, events.append)
        children, seed = children * 2, seed + 1
    return events[:n]


Message = tuple[str, bytes, bytes, str]  # topic, key, value, event id


def _messages(settings: Settings, events: list[Event]) -> list[Message]:
    return [
        (
            settings.topic(_KIND_TOPIC[e.source.agency_kind.value]), partition_key(e),
            encode_model(e), e.event_id,
        )
        for e in events
    ]  # fmt: skip


def _fresh(events: list[Event], tag: str) -> list[Event]:
    """Same events with new ids, so the steady-state run is not deduplicated."""
    return [e.model_copy(update={"event_id": f"{tag}-{e.event_id}"}) for e in events]


def _publish(
    bootstrap: str, messages: list[Message], rate: float | None = None
) -> dict[str, float]:
    producer = KafkaProducer(
        **_admin(bootstrap).kafka_python(), acks="all", linger_ms=5 if rate else 20,
        batch_size=256 * 1024, compression_type="lz4",
    )  # fmt: skip
    sent: dict[str, float] = {}
    start = time.perf_counter()
    for i, (topic, key, value, event_id) in enumerate(messages):
        if rate:
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        sent[event_id] = time.time()
        producer.send(topic, key=key, value=value)
    producer.flush(120)
    producer.close()
    return sent


def _tps(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]


def _spawn_worker(settings: Settings, tmp: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    """A worker process on ``settings``' topics, and the file it writes once ready."""
    ready = tmp / f"{name}.ready"
    env = {
        "SEND_HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SEND_HUB_TOPIC_PREFIX": settings.topic_prefix,
        "SEND_HUB_DATA_DIR": str(tmp / f"{name}-data"),
        "SEND_HUB_WORKER_METRICS_PORT": "0",
        # The clock stage (a downstream reader of send.timeline) is measured by bench/clocks.py.
        "SEND_HUB_CLOCKS_ENABLED": "false",
        "SEND_HUB_WORKER_LOG_LEVEL": "info",  # its last line says how full the batches were
        READY_FILE_ENV: str(ready),
    }
    return start_worker_process(env, log=tmp / f"{name}.log"), ready


def _start_worker(
    settings: Settings, tmp: Path, name: str = "worker"
) -> tuple[subprocess.Popen[bytes], float, float]:
    """A started worker, its start-up seconds and the wall time it wrote its ready file.

    The ready file's own mtime, not when a poll saw it: the replay is timed from there.
    """
    started = time.time()
    proc, ready = _spawn_worker(settings, tmp, name)
    wait_ready(proc, ready, timeout=180)
    ready_at = ready.stat().st_mtime
    return proc, ready_at - started, ready_at


def _timeline_reader(settings: Settings, start: int) -> Consumer:
    """A ``read_committed`` confluent-kafka reader of every timeline partition from ``start``.

    librdkafka, so that counting the worker's output costs the shared 2 cores little (a
    kafka-python reader took a large share of a core from the worker it measured).
    """
    consumer = Consumer(_admin(settings.kafka_bootstrap).librdkafka() | {
        "group.id": f"bench-{uuid.uuid4().hex}", "enable.auto.commit": False,
        "isolation.level": "read_committed", "fetch.wait.max.ms": 10,
    })  # fmt: skip
    topic = settings.topic("timeline")
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    consumer.assign([ConfluentTP(topic, p, start) for p in sorted(partitions)])
    return consumer


def _replay(settings: Settings, ready_at: float, expected: int, timeout: float) -> float:
    """Seconds from ``ready_at`` (wall time) until ``expected`` entries are on the timeline.

    Counted by a ``read_committed`` reader (end offsets would also count transaction markers)
    that waits at most 10 ms per poll, so the finish is seen within about that.
    """
    consumer, seen = _timeline_reader(settings, _BEGINNING), 0
    try:
        while seen < expected:
            if time.time() - ready_at > timeout:
                raise SystemExit(f"timeline has {seen}/{expected}")
            seen += sum(1 for m in consumer.consume(10_000, 0.01) if m.error() is None)
        return time.time() - ready_at
    finally:
        consumer.close()


class _Arrivals(threading.Thread):
    """Notes the wall time at which each new timeline entry became visible (read_committed)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.consumer = _timeline_reader(settings, _END)
        self.seen: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for m in self.consumer.consume(10_000, 0.02):
                if m.error() is None:
                    self.seen[decode(m.value()).record["entry_id"]] = time.time()
        self.consumer.close()


async def _reference(settings: Settings, total: int) -> float:
    """Bare aiokafka + serde decode over the ingest topics: events/s."""
    topics = list(hub_topics(settings).ingest)
    consumer = AIOKafkaConsumer(
        *topics, **_admin(settings.kafka_bootstrap).aiokafka(), group_id=None,
        auto_offset_reset="earliest", enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=32 * 1024 * 1024,
    )  # fmt: skip
    await consumer.start()
    serde, seen, start = default_serde(), 0, None
    try:
        while seen < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            start = start or time.perf_counter()
            for messages in batch.values():
                for message in messages:
                    serde.decode(message.value)
                seen += len(messages)
        return seen / (time.perf_counter() - (start or 0))
    finally:
        await consumer.stop()


def _core(settings: Settings, messages: list[Message]) -> float:
    """The pipeline core in this process over the same bytes, matching on: events/s."""
    from pipeline_core import core_rate

    return core_rate(messages, settings, matching=True)


def _peers(settings: Settings, total: int, reference: float) -> None:
    """Each peer's events/s over the same ingest topics, as a ratio to the reference."""
    from peers import PeerFailed, confluent_rate, faust_rate, quix_rate

    topics, connection = list(hub_topics(settings).ingest), _admin(settings.kafka_bootstrap)
    for name, rate_of in (
        ("bare confluent-kafka + serde decode", confluent_rate),
        ("plain Faust, decode + a table write per message", faust_rate),
        ("Quix Streams 3.28, decode + a state write per message", quix_rate),
    ):  # fmt: skip
        try:
            rate = rate_of(connection, topics, total)
        except PeerFailed as exc:
            print(f"{name}: failed ({exc})")
            continue
        if rate is not None:
            print(f"{name}: {rate:,.0f} events/s = {rate / reference:.2f} x reference")


def _latencies(arrivals: _Arrivals, sent: dict[str, float], timeout: float) -> list[float]:
    """Publish time -> visible to a read_committed reader, for every event in ``sent``."""
    deadline = time.monotonic() + timeout
    while not set(sent) <= set(arrivals.seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    arrivals.done.set()
    return sorted(arrivals.seen[i] - sent[i] for i in sent if i in arrivals.seen)


def _accepted(messages: list[Message]) -> int:
    """Distinct event ids that pass intake validation: the entries the timeline will get."""
    from datetime import UTC, datetime

    from hub.intake.validate import Accepted, validate

    now = datetime.now(UTC)
    return len({
        event_id for _, _, value, event_id in messages
        if isinstance(validate(decode(value).record, now), Accepted)
    })  # fmt: skip


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _admin(bootstrap: str) -> KafkaConnection:
    """The benchmark reads and writes every topic, as the project's admin principal."""
    return connection_for(Settings(kafka_bootstrap=bootstrap), Principal.ADMIN)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _broker(tmp: Path) -> tuple[str, Settings | None]:
    bootstrap = os.environ.get("SEND_HUB_KAFKA_BOOTSTRAP")
    if bootstrap:
        return bootstrap, None
    from infra import kafka_runtime
    from infra.process import free_port

    port, controller = free_port(), free_port()
    broker = Settings(
        kafka_bootstrap=f"127.0.0.1:{port}", kafka_controller_port=controller,
        data_dir=tmp / "kafka", kafka_start_timeout=120.0,
    )  # fmt: skip
    started = kafka_runtime.start(broker, tie_to_parent=True)
    # The worker child and every Settings() below sign in with this broker's passwords.
    os.environ["SEND_HUB_KAFKA_CREDENTIALS_FILE"] = str(credentials_path(broker))
    print(f"broker: Apache Kafka {started.status.version} at {broker.kafka_bootstrap}")
    return broker.kafka_bootstrap, broker


def _prepare(args: argparse.Namespace, tmp: Path, bootstrap: str) -> tuple[Settings, list[Event]]:
    """Fresh topics, simulator events published; returns the settings and the events."""
    settings = Settings(
        kafka_bootstrap=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:8]}", data_dir=tmp
    )
    ensure_hub_topics(settings)
    t = time.perf_counter()
    events = _events(args.events, args.seed, tmp)
    print(f"simulator: {len(events)} events ({len(set(e.event_id for e in events))} distinct ids) "
          f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
    messages = _messages(settings, events)
    t = time.perf_counter()
    _publish(bootstrap, messages)
    print(f"published: {len(messages) / (time.perf_counter() - t):,.0f} events/s")
    return settings, events


def _steady(args: argparse.Namespace, settings: Settings, events: list[Event]) -> None:
    steady = _messages(settings, _fresh(events[: int(args.rate * args.seconds)], "steady"))
    arrivals = _Arrivals(settings)
    arrivals.start()
    sent = _publish(settings.kafka_bootstrap, steady, rate=args.rate)
    lat = _latencies(arrivals, sent, timeout=60)
    print(f"steady {args.rate:.0f}/s for {args.seconds:.0f} s: {len(lat)}/{len(sent)} on "
          f"timelines; latency p50 {_pct(lat, 0.5) * 1000:.0f} ms, "
          f"p99 {_pct(lat, 0.99) * 1000:.0f} ms (target p99 <= 250 ms)")  # fmt: skip


def _run(args: argparse.Namespace, tmp: Path, bootstrap: str) -> None:
    settings, events = _prepare(args, tmp, bootstrap)
    messages = _messages(settings, events)
    expected = _accepted(messages)
    proc, ready_s, ready_at = _start_worker(settings, tmp)
    try:
        replay_s = _replay(settings, ready_at, expected, timeout=args.timeout)
        replay_rate = expected / replay_s
        print(f"worker start-up: {ready_s:.1f} s (topics, followers, producers, restore)")
        print(f"replay: {expected} events on timelines in {replay_s:.2f} s after ready "
              f"= {replay_rate:,.0f} events/s (target >= 10,000)")  # fmt: skip
        reference = asyncio.run(_reference(settings, len(messages)))
        print(f"reference (bare aiokafka + serde decode): {reference:,.0f} events/s; "
              f"worker/reference = {replay_rate / reference:.2f} (target >= 0.35)")  # fmt: skip
        _peers(settings, len(messages), reference)
        core = _core(settings, messages)
        ratios = f"core/reference {core / reference:.2f}; worker/core {replay_rate / core:.2f}"
        print(f"pipeline core alone (no Kafka): {core:,.0f} events/s ({ratios})")
        _steady(args, settings, events)
        print(f"worker peak RSS: {_peak_rss_mb(proc.pid):.0f} MB")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    print(f"batch fill: {_batch_fill(tmp / 'worker.log')}")
    args.bootstrap = bootstrap
    _two_workers(args, tmp, events, expected)


def _two_workers(args: argparse.Namespace, tmp: Path, events: list[Event], expected: int) -> None:
    """The same replay on fresh topics with two worker processes sharing the partitions."""
    settings = Settings(
        kafka_bootstrap=_bootstrap(args), topic_prefix=f"bench{uuid.uuid4().hex[:8]}", data_dir=tmp
    )
    ensure_hub_topics(settings)
    _publish(settings.kafka_bootstrap, _messages(settings, events))
    start = time.time()
    spawned = [_spawn_worker(settings, tmp, f"pair{i}") for i in range(2)]
    procs = [proc for proc, _ in spawned]
    try:
        # timed from the first worker ready: it starts on every partition, then shares them
        while not any(ready.exists() for _, ready in spawned):
            assert time.time() - start < 180, "no worker got ready"
            time.sleep(0.01)
        ready_at = min(ready.stat().st_mtime for _, ready in spawned if ready.exists())
        replay_s = _replay(settings, ready_at, expected, timeout=args.timeout)
        print(f"replay with two worker processes: {expected / replay_s:,.0f} events/s "
              f"({replay_s:.2f} s from the first ready, rebalance included)")  # fmt: skip
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)


def _batch_fill(log: Path) -> str:
    """The worker's own count of its batches (logged at INFO when it stops)."""
    lines = [line for line in log.read_text().splitlines() if "records per batch" in line]
    return lines[-1].split("intake: ", 1)[-1] if lines else "not logged"


def _bootstrap(args: argparse.Namespace) -> str:
    return str(args.bootstrap)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="send-hub-bench-") as name:
        tmp = Path(name)
        bootstrap, broker = _broker(tmp)
        try:
            _run(args, tmp, bootstrap)
        finally:
            if broker is not None:
                from infra import kafka_runtime

                kafka_runtime.stop(broker, grace=20.0)


if __name__ == "__main__":
    main()
