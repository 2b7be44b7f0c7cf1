"""Sends access alerts (break-glass) to ``send.alerts`` and waits for the broker.

`KafkaAlertSink.send` returns only once the broker has acknowledged the alert (acks=all), so a
break-glass is granted only when safeguarding leads will see it; otherwise `AlertUnavailable`
(503, nothing granted). `MemoryAlertSink` keeps alerts in a list for tests.
"""

import logging
import threading
from typing import Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from hub.errors import HubError
from hub.models import AccessAlert
from infra.security import KafkaConnection, as_connection
from schemas.serde import encode_model

__all__ = ["AlertSink", "AlertUnavailable", "KafkaAlertSink", "MemoryAlertSink"]

_ACK_SECONDS = 15.0
log = logging.getLogger(__name__)


class AlertUnavailable(HubError):
    """An access alert could not be written, so what needed it was not done."""


class AlertSink(Protocol):
    """Where access alerts go; ``send`` returns once the alert is durable, else raises."""

    def send(self, alert: AccessAlert) -> None: ...

    def close(self) -> None: ...


class MemoryAlertSink:
    """Keeps alerts in memory (tests)."""

    def __init__(self) -> None:
        self.alerts: list[AccessAlert] = []

    def send(self, alert: AccessAlert) -> None:
        self.alerts.append(alert)

    def close(self) -> None:
        pass


class KafkaAlertSink:
    """Produces alerts to ``topic`` (key = child id) and waits for the broker's ack."""

    def __init__(self, bootstrap: KafkaConnection | str, topic: str) -> None:
        self.kafka = as_connection(bootstrap)  # address and the web principal's credentials
        self.bootstrap, self.topic = self.kafka.bootstrap, topic
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _connect(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(**self.kafka.kafka_python(), acks="all",
                                               retries=3, max_block_ms=10_000)  # fmt: skip
            return self._producer

    def send(self, alert: AccessAlert) -> None:
        try:
            future = self._connect().send(self.topic, key=alert.child_id.encode(),
                                          value=encode_model(alert))  # fmt: skip
            future.get(timeout=_ACK_SECONDS)
        except KafkaError as exc:
            log.error("access alert not written to %s: %s", self.topic, exc)
            raise AlertUnavailable("the alert could not be sent, so nothing was granted") from exc

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
