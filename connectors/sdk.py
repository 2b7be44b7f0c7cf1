"""The publishing SDK: contract events into the agency-kind ingest topics over kafka-python.

`Publisher` is the one small class every adapter, the simulator and agency code use:
an idempotent producer with ``acks=all`` (a retried batch is never written twice and
never acknowledged before it is replicated), retries with backoff, lz4 compression
(gzip where lz4 is missing) and batching. Each event goes to the topic of its source's
agency kind, keyed by organisation and source person so one person's events keep
their order on one partition. Delivery failures are collected from the producer's
callbacks and raised as `PublishFailed` at `flush`/`close`, never swallowed.

Each agency kind publishes as its own broker principal (``publisher-<kind>``), whose ACLs
let it write only that kind's ingest topic: the publisher opens one producer per identity,
on the first event of a kind. With ``SEND_HUB_KAFKA_USERNAME`` set (an agency's deployment
against a real cluster) every kind shares that one identity and one producer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from kafka import KafkaProducer
from kafka.codec import has_lz4
from kafka.errors import KafkaError

from hub.config import Settings, get_settings
from hub.errors import HubError, KafkaUnavailable
from hub.models import AgencyKind, Event
from infra.credentials import publisher_for
from infra.security import KafkaConnection, connection_for
from schemas.serde import encode_model

__all__ = [
    "DeliveryStats",
    "PublishFailed",
    "Publisher",
    "ingest_topics",
    "partition_key",
    "publisher_connections",
]

_MAX_REPORTED = 5


class PublishFailed(HubError):
    """Some events were not acknowledged by the broker; carries their ids and reasons."""

    def __init__(self, failures: list[tuple[str, str]], total: int) -> None:
        shown = "; ".join(f"{eid}: {why}" for eid, why in failures[:_MAX_REPORTED])
        more = f" (+{total - _MAX_REPORTED} more)" if total > _MAX_REPORTED else ""
        super().__init__(f"{total} event(s) not delivered: {shown}{more}")
        self.failures = failures
        self.total = total


@dataclass
class DeliveryStats:
    """Counts since the publisher was opened; `failures` keeps the first few reasons."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def ingest_topics(prefix: str | None = None) -> dict[AgencyKind, str]:
    """Ingest topic per agency kind, e.g. ``EDUCATION -> send.ingest.education``."""
    base = prefix if prefix is not None else get_settings().topic_prefix
    return {kind: f"{base}.ingest.{kind.value.lower()}" for kind in AgencyKind}


def partition_key(event: Event) -> bytes:
    """Stable per source person, so one person's events stay ordered on one partition."""
    source, subject = event.source, event.subject
    return f"{source.org_code}:{subject.source_person_id}".encode()


def publisher_connections(settings: Settings) -> dict[AgencyKind, KafkaConnection]:
    """Each agency kind's connection: its own ``publisher-<kind>`` principal by default."""
    return {kind: connection_for(settings, publisher_for(kind)) for kind in AgencyKind}


def _producer_config(
    connection: KafkaConnection,
    linger_ms: int,
    batch_size: int,
    compression: str | None,
    bootstrap_timeout_ms: int,
) -> dict[str, Any]:
    """Producer settings: idempotent, fully acknowledged, compressed, batched."""
    config: dict[str, Any] = {
        **connection.kafka_python(),
        "client_id": "send-hub-publisher",
        "enable_idempotence": True,
        "acks": "all",
        "retry_backoff_ms": 200,
        "delivery_timeout_ms": 120_000,
        "compression_type": compression or ("lz4" if has_lz4() else "gzip"),
        "linger_ms": linger_ms,
        "batch_size": batch_size,
        "max_block_ms": 30_000,
    }
    if "bootstrap_timeout_ms" in KafkaProducer.DEFAULT_CONFIG:
        # kafka-python 3 waits 30 s for a first broker by default; say so sooner.
        config["bootstrap_timeout_ms"] = bootstrap_timeout_ms
    return config


class Publisher:
    """Publishes contract events; use as a context manager or call `close`."""

    def __init__(
        self,
        bootstrap: str | None = None,
        *,
        topics: Mapping[AgencyKind, str] | None = None,
        linger_ms: int = 20,
        batch_size: int = 256 * 1024,
        compression: str | None = None,
        bootstrap_timeout_ms: int = 10_000,
        connection: KafkaConnection | None = None,
        settings: Settings | None = None,
        producer_factory: Callable[..., Any] = KafkaProducer,
    ) -> None:
        settings = settings or get_settings()
        if bootstrap:
            settings = settings.model_copy(update={"kafka_bootstrap": bootstrap})
        self.bootstrap = settings.kafka_bootstrap
        self.topics = dict(topics) if topics is not None else ingest_topics()
        # `connection`: one identity for every kind (e.g. the admin replaying dead letters).
        self.connections = (
            dict.fromkeys(AgencyKind, connection) if connection is not None
            else publisher_connections(settings)
        )  # fmt: skip
        self.stats = DeliveryStats()
        self._lock = threading.Lock()  # callbacks arrive on the producer's I/O thread
        self._config = (linger_ms, batch_size, compression, bootstrap_timeout_ms)
        self._factory = producer_factory
        self._producers: dict[KafkaConnection, Any] = {}

    def _producer(self, kind: AgencyKind) -> Any:
        """The producer of ``kind``'s identity, opened on first use."""
        connection = self.connections[kind]
        producer = self._producers.get(connection)
        if producer is None:
            try:
                producer = self._factory(**_producer_config(connection, *self._config))
            except KafkaError as exc:
                raise KafkaUnavailable(
                    f"no Kafka broker answered at {self.bootstrap} as {connection.username or '-'} "
                    f"({type(exc).__name__}): start one with `send-hub kafka start` or set "
                    "SEND_HUB_KAFKA_BOOTSTRAP (and its credentials)"
                ) from exc
            self._producers[connection] = producer
        return producer

    def topic_for(self, event: Event) -> str:
        kind = event.source.agency_kind
        try:
            return self.topics[kind]
        except KeyError:
            raise HubError(f"no ingest topic for agency kind {kind}") from None

    def publish(self, event: Event) -> None:
        """Queue one event; delivery is confirmed (or reported failed) asynchronously."""
        self.send_raw(
            self.topic_for(event), partition_key(event), encode_model(event), event.event_id,
            event.source.agency_kind,
        )  # fmt: skip

    def send_raw(
        self, topic: str, key: bytes, value: bytes, event_id: str, kind: AgencyKind
    ) -> None:
        """Queue already-encoded bytes as ``kind``'s publisher (`publish`, replay tools)."""
        producer = self._producer(kind)
        self.stats.sent += 1
        try:
            future = producer.send(topic, key=key, value=value)
        except KafkaError as exc:
            self._failed(event_id, exc)
            return
        # Only an errback: a success callback per record costs more than it tells,
        # since delivered = sent - failed once `flush` has returned.
        future.add_errback(self._failed, event_id)

    def _failed(self, event_id: str, exc: BaseException) -> None:
        with self._lock:
            self.stats.failed += 1
            if len(self.stats.failures) < _MAX_REPORTED:
                self.stats.failures.append((event_id, str(exc) or type(exc).__name__))

    def flush(self, timeout: float | None = None) -> None:
        """Wait for every queued event; raise `PublishFailed` if any was not delivered."""
        try:
            for producer in self._producers.values():
                producer.flush(timeout=timeout)
        except KafkaError as exc:
            raise PublishFailed([("-", f"flush timed out: {exc}")], self.stats.sent) from exc
        with self._lock:
            self.stats.delivered = self.stats.sent - self.stats.failed
            if self.stats.failed:
                raise PublishFailed(list(self.stats.failures), self.stats.failed)

    def close(self, timeout: float | None = None) -> None:
        """Flush, then release the connection; failures still raise after closing."""
        try:
            self.flush(timeout)
        finally:
            self._close_all(timeout)

    def _close_all(self, timeout: float | None) -> None:
        for producer in self._producers.values():
            producer.close(timeout=timeout)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            # An error is already on its way out; don't mask it with a flush failure.
            self._close_all(5)
