"""Audit that fails closed: a read is answered only once its audit record is durable.

`OutboxAuditSink.record` writes the encoded record to a local SQLite outbox (synchronous=FULL,
committed before it returns) and a background thread sends the outbox to ``send.audit`` in
order, one record in flight at a time, deleting each only after the broker acknowledged it
(acks=all). A broker that is away delays delivery, never loses a record; an outbox that cannot
be written raises `AuditUnavailable`, which the web service answers with 503 and no data.
"""

import logging
import sqlite3
import threading
from pathlib import Path

from kafka import KafkaProducer
from kafka.errors import KafkaError

from hub.errors import HubError
from hub.models import AuditRecord
from hub.web.metrics import AUDIT_RECORDS
from infra.security import KafkaConnection, as_connection
from schemas.catalogue import AUDIT
from schemas.serde import encode

__all__ = ["AuditUnavailable", "OutboxAuditSink"]

log = logging.getLogger(__name__)
_BATCH = 200
_RETRY_SECONDS = 2.0
_SCHEMA = "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, " \
    "key BLOB NOT NULL, value BLOB NOT NULL)"  # fmt: skip


class AuditUnavailable(HubError):
    """The audit record of a read could not be made durable, so the read must not be answered."""


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # durable at commit, not just at checkpoint
    conn.execute(_SCHEMA)
    return conn


class OutboxAuditSink:
    """Durable local outbox in front of the ``send.audit`` topic."""

    def __init__(self, bootstrap: KafkaConnection | str, topic: str, path: Path) -> None:
        self.kafka = as_connection(bootstrap)  # address and the web principal's credentials
        self.bootstrap, self.topic, self.path = self.kafka.bootstrap, topic, path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-outbox", daemon=True)
        self._thread.start()

    def record(self, rec: AuditRecord) -> None:
        """Make ``rec`` durable, or raise `AuditUnavailable` (the read must then fail)."""
        value = encode(AUDIT, rec.model_dump(mode="python"))
        try:
            with self._lock:
                if self._conn is None:
                    self._conn = _open(self.path)
                self._conn.execute("INSERT INTO outbox (key, value) VALUES (?, ?)",
                                   (rec.child_id.encode(), value))  # fmt: skip
        except (sqlite3.Error, OSError) as exc:
            AUDIT_RECORDS.labels("refused").inc()
            log.error("audit outbox %s cannot be written: %s", self.path, exc)
            raise AuditUnavailable("the audit log is unavailable, so no data can be shown") from exc
        AUDIT_RECORDS.labels("queued").inc()
        self._wake.set()

    def pending(self) -> int:
        """Records in the outbox not yet acknowledged by the broker."""
        with self._lock:
            if self._conn is None:
                return 0
            return int(self._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def close(self, timeout: float = 10.0) -> None:
        """Send what the outbox holds (while the broker answers), then stop."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)

    def _oldest(self) -> list[tuple[int, bytes, bytes]]:
        with self._lock:
            if self._conn is None:
                return []
            rows = self._conn.execute("SELECT seq, key, value FROM outbox ORDER BY seq LIMIT ?",
                                      (_BATCH,)).fetchall()  # fmt: skip
        return [(int(r[0]), bytes(r[1]), bytes(r[2])) for r in rows]

    def _delete_through(self, seq: int) -> None:
        with self._lock:
            assert self._conn is not None
            self._conn.execute("DELETE FROM outbox WHERE seq <= ?", (seq,))

    def _producer(self) -> KafkaProducer:
        # One request in flight keeps the topic in outbox order even when a send is retried.
        return KafkaProducer(**self.kafka.kafka_python(), acks="all", retries=5,
                             max_in_flight_requests_per_connection=1)  # fmt: skip

    def _send_batch(self, producer: KafkaProducer, rows: list[tuple[int, bytes, bytes]]) -> None:
        futures = [producer.send(self.topic, key=key, value=value) for _, key, value in rows]
        producer.flush(timeout=15)
        for (seq, _, _), future in zip(rows, futures, strict=True):
            future.get(timeout=15)  # raises if the broker did not acknowledge it
            self._delete_through(seq)
            AUDIT_RECORDS.labels("sent").inc()

    def _run(self) -> None:
        producer: KafkaProducer | None = None
        while True:
            rows = self._oldest()
            if not rows:
                if self._stopping.is_set():
                    break
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            try:
                producer = producer or self._producer()
                self._send_batch(producer, rows)
            except KafkaError as exc:
                AUDIT_RECORDS.labels("failed").inc()
                log.warning("audit outbox: broker at %s: %s; kept for retry", self.bootstrap, exc)
                if producer is not None:
                    producer.close(timeout=1)
                producer = None
                if self._stopping.wait(_RETRY_SECONDS):
                    break
        if producer is not None:
            producer.close(timeout=5)
