"""Feeds the read model from the hub's topics in a background thread.

Topics: ``send.timeline``, ``send.identity.links``, and (when configured) the review queue
``send.identity.review`` and ``send.identity.decisions``, the consent records of
``send.consent``, the audit records of ``send.audit`` (for each child's access log) and the
clock stage's alerts on ``send.alerts``.
It reads every partition itself (no consumer group: each web process keeps a whole read
model), resuming from the offsets stored with the rows, or from the beginning for a new read
model. Each poll's records are applied in one SQLite transaction together with their next
offsets, so a crash never loses or doubles a record. Ready means: partitions assigned and
caught up with the end offsets seen at start. A record that does not decode is counted,
logged with its coordinates (no personal data) and skipped: the topics are written by the
pipeline, so this is a bug to look at, not data to drop silently.
"""

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError

from hub.errors import HubError
from hub.models import (
    AccessAlert,
    Alert,
    AuditRecord,
    ConsentRecord,
    IdentityLink,
    IdentityReviewDecision,
    ReviewItem,
    TimelineEntry,
)
from hub.web.metrics import CONSUMER_LAG, READ_MODEL_READY, READ_MODEL_RECORDS
from hub.web.readmodel import store
from hub.web.readmodel.consent import apply_audit, apply_consent
from hub.web.readmodel.projection import (
    apply_alert,
    apply_entry,
    apply_link,
    apply_link_tombstone,
)
from hub.web.readmodel.review_queue import apply_review_decision, apply_review_item
from infra.security import KafkaConnection, as_connection, start_client
from schemas.serde import decode_model

__all__ = ["Feeder", "FeederStatus", "apply_record"]

log = logging.getLogger(__name__)
_RETRY_SECONDS = 2.0
_LAG_EVERY_SECONDS = 5.0


@dataclass
class FeederStatus:
    """What the ops page and ``/ready`` show."""

    assigned: bool = False
    caught_up: bool = False
    error: str | None = None
    lag: dict[str, int] = field(default_factory=dict)
    applied: int = 0
    bad: int = 0


# What each topic of the read model holds, and how a record of it is projected.
_PROJECTIONS: dict[tuple[str, type], Callable[[sqlite3.Connection, Any], None]] = {
    ("timeline", TimelineEntry): apply_entry,
    ("links", IdentityLink): apply_link,
    ("review", ReviewItem): apply_review_item,
    ("decisions", IdentityReviewDecision): apply_review_decision,
    ("consent", ConsentRecord): apply_consent,
    ("audit", AuditRecord): apply_audit,
    ("alerts", Alert): apply_alert,
    # Break-glass alerts share the alerts topic: the audit log already shows them.
    ("alerts", AccessAlert): lambda conn, model: None,
}


def _apply_model(conn: sqlite3.Connection, kind: str, model: object) -> None:
    project = _PROJECTIONS.get((kind, type(model)))
    if project is None:
        raise HubError(f"a {type(model).__name__} record on a {kind} topic")
    project(conn, model)


def apply_record(
    conn: sqlite3.Connection, record: ConsumerRecord, kinds: Mapping[str, str] | str
) -> bool:
    """Apply one consumed record to the read model; False if it could not be decoded.

    ``kinds`` maps topic names to timeline, links, review, decisions, consent, audit or alerts;
    a plain string names the timeline topic (every other topic is then the links topic).
    """
    if isinstance(kinds, str):
        kind = "timeline" if record.topic == kinds else "links"
    else:
        kind = kinds.get(record.topic, "unknown")
    try:
        if record.value is None:
            if kind == "links" and record.key is not None:
                apply_link_tombstone(conn, record.key.decode())
            return True
        _apply_model(conn, kind, decode_model(record.value))
    except (HubError, UnicodeDecodeError) as exc:
        READ_MODEL_RECORDS.labels(kind, "bad").inc()
        log.warning("skipped %s[%d]@%d: %s", record.topic, record.partition, record.offset, exc)
        return False
    READ_MODEL_RECORDS.labels(kind, "applied").inc()
    return True


class Feeder:
    """Keeps the read model at ``db_path`` in step with the timeline, links and review topics."""

    def __init__(
        self, bootstrap: KafkaConnection | str, timeline_topic: str, links_topic: str,
        db_path: Path,
        review_topic: str | None = None, decisions_topic: str | None = None,
        consent_topic: str | None = None, audit_topic: str | None = None,
        alerts_topic: str | None = None,
    ) -> None:  # fmt: skip
        self.kafka = as_connection(bootstrap)  # address and the web principal's credentials
        self.bootstrap = self.kafka.bootstrap
        self.timeline_topic, self.links_topic = timeline_topic, links_topic
        named = {timeline_topic: "timeline", links_topic: "links",
                 review_topic: "review", decisions_topic: "decisions",
                 consent_topic: "consent", audit_topic: "audit",
                 alerts_topic: "alerts"}  # fmt: skip
        self.kinds = {topic: kind for topic, kind in named.items() if topic}
        self.db_path = db_path
        self.status = FeederStatus()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="read-model-feeder", daemon=True)

    def start(self) -> None:
        """Start feeding in the background."""
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop after the current poll (its records are committed or not applied at all)."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        conn = store.connect(self.db_path)
        try:
            while not self._stop.is_set():
                try:
                    self._consume(conn)
                except KafkaError as exc:  # broker away or restarting: try again shortly
                    self.status.assigned = False
                    self.status.error = f"Kafka at {self.bootstrap}: {exc}"
                    log.warning("read model feeder: %s; retrying", self.status.error)
                    self._stop.wait(_RETRY_SECONDS)
        except Exception:
            self.status.error = "the read model feeder stopped on an unexpected error"
            log.exception("read model feeder failed")
        finally:
            conn.close()

    def _consumer(self) -> KafkaConsumer:
        return start_client(
            KafkaConsumer, **self.kafka.kafka_python(), group_id=None, client_id="send-hub-web",
            enable_auto_commit=False, auto_offset_reset="earliest",
            allow_auto_create_topics=False, isolation_level="read_committed",
        )  # fmt: skip

    def _consume(self, conn: sqlite3.Connection) -> None:
        consumer = self._consumer()
        try:
            parts = self._assign(consumer, conn)
            targets = consumer.end_offsets(parts)
            self.status.assigned, self.status.error = bool(parts), None
            next_lag = 0.0
            while parts and not self._stop.is_set():
                batch = consumer.poll(timeout_ms=500, max_records=2000)
                if batch:
                    self._apply(conn, batch)
                if not self.status.caught_up:
                    self._check_caught_up(consumer, parts, targets)
                if time.monotonic() >= next_lag:
                    self._update_lag(consumer, parts)
                    next_lag = time.monotonic() + _LAG_EVERY_SECONDS
        finally:
            consumer.close()

    def _partitions(self, consumer: KafkaConsumer) -> list[TopicPartition] | None:
        parts: list[TopicPartition] = []
        for topic in self.kinds:
            ids = consumer.partitions_for_topic(topic)
            if not ids:
                self.status.error = f"waiting for topic {topic}"
                return None
            parts.extend(TopicPartition(topic, p) for p in sorted(ids))
        return parts

    def _assign(self, consumer: KafkaConsumer, conn: sqlite3.Connection) -> list[TopicPartition]:
        parts = self._partitions(consumer)
        while parts is None:
            if self._stop.wait(_RETRY_SECONDS):
                return []
            parts = self._partitions(consumer)
        consumer.assign(parts)
        stored = store.load_offsets(conn)
        for tp in parts:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, offset)
        return parts

    def _apply(
        self, conn: sqlite3.Connection, batch: dict[TopicPartition, list[ConsumerRecord]]
    ) -> None:
        offsets: dict[tuple[str, int], int] = {}
        with store.transaction(conn):
            for tp, records in batch.items():
                for record in records:
                    if apply_record(conn, record, self.kinds):
                        self.status.applied += 1
                    else:
                        self.status.bad += 1
                offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
            store.save_offsets(conn, offsets)

    def _check_caught_up(
        self,
        consumer: KafkaConsumer,
        parts: list[TopicPartition],
        targets: dict[TopicPartition, int],
    ) -> None:
        if all(consumer.position(tp) >= targets.get(tp, 0) for tp in parts):
            self.status.caught_up = True
            READ_MODEL_READY.set(1)
            log.info("read model caught up (%d records applied)", self.status.applied)

    def _update_lag(self, consumer: KafkaConsumer, parts: list[TopicPartition]) -> None:
        ends = consumer.end_offsets(parts)
        lag: dict[str, int] = {}
        for tp in parts:
            lag[tp.topic] = lag.get(tp.topic, 0) + max(0, ends[tp] - consumer.position(tp))
        for topic, value in lag.items():
            CONSUMER_LAG.labels(topic).set(value)
        self.status.lag = lag
