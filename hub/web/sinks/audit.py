"""Audit of every read of a child's data, written asynchronously to ``send.audit``.

A request never waits for Kafka: it puts an `AuditRecord` on a bounded queue and a background
thread produces it (key = child id, Avro ``audit`` subject). A full queue or a refused send is
counted and logged loudly, never silent. `MemoryAuditSink` keeps records in a list for tests.
"""

import logging
import queue
import threading
import uuid
from datetime import datetime
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from hub.auth import Caller
from hub.models import AuditAction, AuditRecord
from hub.web.metrics import AUDIT_RECORDS
from schemas.catalogue import AUDIT
from schemas.serde import encode

__all__ = [
    "AuditSink",
    "KafkaAuditSink",
    "MemoryAuditSink",
    "audit_record",
]

_QUEUE_SIZE = 10_000
_STOP = object()
log = logging.getLogger(__name__)


def audit_record(
    caller: Caller, child_id: str, action: AuditAction, *, now: datetime,
    detail: str = "", entries: int = 0, channel: str = "api",
) -> AuditRecord:  # fmt: skip
    """The audit record of ``caller`` reading ``child_id`` at ``now``."""
    return AuditRecord(
        audit_id=str(uuid.uuid4()), at=now, subject=caller.subject, org=caller.org,
        org_kind=caller.org_kind, role=caller.role, purpose=caller.purpose, child_id=child_id,
        action=action, detail=detail, entries=entries, channel=channel,
    )  # fmt: skip


class AuditSink(Protocol):
    """Where audit records go; ``record`` must not block a request."""

    def record(self, rec: AuditRecord) -> None: ...

    def close(self) -> None: ...


class MemoryAuditSink:
    """Keeps audit records in memory (tests, and runs without a broker)."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def record(self, rec: AuditRecord) -> None:
        self.records.append(rec)

    def close(self) -> None:
        pass


class KafkaAuditSink:
    """Produces audit records to ``topic`` from a background thread."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=_QUEUE_SIZE)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-producer", daemon=True)
        self._thread.start()

    def record(self, rec: AuditRecord) -> None:
        try:
            self._queue.put_nowait(rec)
            AUDIT_RECORDS.labels("queued").inc()
        except queue.Full:
            AUDIT_RECORDS.labels("dropped").inc()
            log.error("audit queue full: a read of a child's data was not audited")

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then stop."""
        self._stopping.set()
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _producer(self) -> KafkaProducer | None:
        try:
            return KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=20)
        except KafkaError as exc:
            log.warning("audit producer cannot reach Kafka at %s: %s", self.bootstrap, exc)
            return None

    def _connect(self) -> KafkaProducer | None:
        # While the broker is away, records stay queued; a stop request ends the wait.
        producer = self._producer()
        while producer is None and not self._stopping.wait(2.0):
            producer = self._producer()
        return producer

    def _run(self) -> None:
        producer: KafkaProducer | None = None
        while (item := self._queue.get()) is not _STOP:
            producer = producer or self._connect()
            if producer is None:
                unsent = 1 + sum(1 for x in self._drain() if x is not _STOP)
                AUDIT_RECORDS.labels("failed").inc(unsent)
                log.error("stopped with %d audit records unsent (no broker)", unsent)
                return
            self._send(producer, item)
        if producer is not None:
            producer.flush(timeout=10)
            producer.close(timeout=10)

    def _drain(self) -> list[Any]:
        items = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items

    def _send(self, producer: KafkaProducer, rec: AuditRecord) -> None:
        value = encode(AUDIT, rec.model_dump(mode="python"))
        future = producer.send(self.topic, key=rec.child_id.encode(), value=value)
        future.add_callback(lambda _md: AUDIT_RECORDS.labels("sent").inc())
        future.add_errback(self._failed)

    @staticmethod
    def _failed(exc: BaseException) -> None:
        AUDIT_RECORDS.labels("failed").inc()
        log.error("audit record not written to Kafka: %s", exc)
