"""What the broker says about the streams: per-partition lag and throughput, the worker group,
dead letters by reason.

Reads only: no consumer group of its own (the dead-letter topic is read by assignment, and
nobody's offsets move). A snapshot is cached for ``refresh_s`` seconds so a busy page or a
Prometheus scrape costs the broker a few requests at most. Throughput is the growth of each
partition's end offset between two snapshots. A broker that does not answer is shown as an
error on the page, never a crash.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from hub.models import DeadLetter
from hub.web import metrics
from infra.security import KafkaConnection, start_client
from schemas.serde import decode

__all__ = ["OpsProbe", "PartitionHealth", "StreamHealth"]

_RECENT = 10  # dead letters listed on the page
_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class PartitionHealth:
    topic: str
    partition: int
    end: int
    committed: int | None  # None: the worker group never committed here
    rate: float | None  # messages per second written, between the last two snapshots

    @property
    def lag(self) -> int:
        return self.end - (self.committed or 0)


@dataclass(frozen=True)
class StreamHealth:
    at: datetime
    partitions: list[PartitionHealth] = field(default_factory=list)
    group: str = ""
    group_state: str | None = None
    members: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    recent: list[DeadLetter] = field(default_factory=list)
    error: str | None = None


class OpsProbe:
    """Snapshots of stream health from one broker, for one worker consumer group."""

    def __init__(
        self, kafka: KafkaConnection, ingest_topics: list[str], deadletter_topic: str, group: str,
        refresh_s: float = 5.0, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:  # fmt: skip
        self._kafka, self._topics, self._dlq = kafka, ingest_topics, deadletter_topic
        self._group, self._refresh_s, self._clock = group, refresh_s, clock
        self._lock = threading.Lock()
        self._last: StreamHealth | None = None
        self._last_mono = 0.0
        self._ends: dict[TopicPartition, tuple[float, int]] = {}
        self._letters: Counter[str] = Counter()
        self._recent: list[DeadLetter] = []
        self._clients: tuple[KafkaConsumer, KafkaAdminClient, KafkaConsumer] | None = None

    def snapshot(self) -> StreamHealth:
        """The latest stream health, refreshed when older than ``refresh_s``."""
        with self._lock:
            if self._last is None or time.monotonic() - self._last_mono >= self._refresh_s:
                self._last = self._refresh()
                self._last_mono = time.monotonic()
                _export(self._last)
            return self._last

    def close(self) -> None:
        with self._lock:
            self._drop_clients()

    def _refresh(self) -> StreamHealth:
        try:
            offsets, admin, dlq = self._connect()
            partitions = self._partitions(offsets, admin)
            state, members = self._describe(admin)
            self._read_dead_letters(dlq)
        except (KafkaError, OSError, ValueError) as exc:
            self._drop_clients()  # reconnect on the next refresh
            return StreamHealth(self._clock(), group=self._group, error=_why(exc))
        return StreamHealth(
            self._clock(), partitions, self._group, state, members, dict(self._letters),
            list(reversed(self._recent)),
        )  # fmt: skip

    def _connect(self) -> tuple[KafkaConsumer, KafkaAdminClient, KafkaConsumer]:
        if self._clients is None:
            # The web principal's own sign-in (SASL/TLS as configured), read-only grants.
            common: dict[str, Any] = {**self._kafka.kafka_python(),
                                      "request_timeout_ms": _TIMEOUT_MS + 2000}  # fmt: skip
            offsets = start_client(KafkaConsumer, group_id=None, enable_auto_commit=False, **common)
            admin = start_client(KafkaAdminClient, **common)
            dlq = start_client(KafkaConsumer, group_id=None, enable_auto_commit=False,
                                consumer_timeout_ms=500, **common)  # fmt: skip
            self._clients = (offsets, admin, dlq)
            self._assign_dead_letters(dlq)
        return self._clients

    def _drop_clients(self) -> None:
        for client in self._clients or ():
            with suppress(KafkaError, OSError):  # closing a client of a broker that went away
                client.close()
        self._clients = None

    def _partitions(self, offsets: KafkaConsumer, admin: KafkaAdminClient) -> list[PartitionHealth]:
        tps = [TopicPartition(t, p) for t in self._topics
               for p in sorted(offsets.partitions_for_topic(t) or ())]  # fmt: skip
        ends = offsets.end_offsets(tps) if tps else {}
        committed = admin.list_group_offsets({self._group: tps}).get(self._group, {}) if tps else {}
        now = time.monotonic()
        out = []
        for tp in tps:
            end = int(ends.get(tp, 0))
            before = self._ends.get(tp)
            rate = (end - before[1]) / (now - before[0]) if before and now > before[0] else None
            self._ends[tp] = (now, end)
            done = committed.get(tp)
            at = done.offset if done is not None and done.offset >= 0 else None
            out.append(PartitionHealth(tp.topic, tp.partition, end, at, rate))
        return out

    def _describe(self, admin: KafkaAdminClient) -> tuple[str | None, int]:
        found = admin.describe_groups([self._group]).get(self._group) or {}
        state = found.get("group_state") or found.get("state")
        return (str(state) if state else None), len(found.get("members") or ())

    def _assign_dead_letters(self, dlq: KafkaConsumer) -> None:
        parts = dlq.partitions_for_topic(self._dlq) or set()
        tps = [TopicPartition(self._dlq, p) for p in sorted(parts)]
        dlq.assign(tps)
        dlq.seek_to_beginning(*tps)
        self._letters.clear()
        self._recent.clear()

    def _read_dead_letters(self, dlq: KafkaConsumer) -> None:
        # Read what arrived since the last snapshot (all of it the first time).
        while True:
            batch = dlq.poll(timeout_ms=200, max_records=5000)
            if not batch:
                return
            for records in batch.values():
                for record in records:
                    self._count(record.value)

    def _count(self, value: bytes | None) -> None:
        try:
            letter = DeadLetter.model_validate(decode(value or b"").record)
        except Exception:  # an unreadable dead letter is counted, not fatal to the page
            self._letters["unreadable"] += 1
            return
        self._letters[letter.reason] += 1
        self._recent = [*self._recent[-(_RECENT - 1) :], letter]


def _why(exc: BaseException) -> str:
    return f"the broker did not answer ({type(exc).__name__}): {exc}"[:300]


def _export(health: StreamHealth) -> None:
    if health.error:
        return  # keep the last values; the page says why they are old
    for p in health.partitions:
        metrics.INGEST_LAG.labels(p.topic, str(p.partition)).set(p.lag)
        metrics.INGEST_END_OFFSET.labels(p.topic, str(p.partition)).set(p.end)
    metrics.WORKER_MEMBERS.set(health.members)
    for reason, count in health.dead_letters.items():
        metrics.DEADLETTERS_ON_TOPIC.labels(reason).set(count)
