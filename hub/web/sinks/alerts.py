"""Sends access alerts (break-glass) to ``send.alerts`` and waits for the broker.

`KafkaAlertSink.send` returns only once the broker has acknowledged the alert (acks=all), so a
break-glass is granted only when safeguarding leads will see it; otherwise `AlertUnavailable`
(503, nothing granted). `MemoryAlertSink` keeps alerts in a list for tests.
"""

import logging
from typing import Protocol

from kafka.errors import KafkaError

from hub.errors import HubError
from hub.models import AccessAlert
from hub.web.sinks.acked import AckedProducer

__all__ = ["AlertSink", "AlertUnavailable", "KafkaAlertSink", "MemoryAlertSink"]

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


class KafkaAlertSink(AckedProducer):
    """Produces alerts to ``topic`` (key = child id) and waits for the broker's ack."""

    def send(self, alert: AccessAlert) -> None:
        try:
            self.send_acked(alert.child_id, alert)
        except KafkaError as exc:
            log.error("access alert not written to %s: %s", self.topic, exc)
            raise AlertUnavailable("the alert could not be sent, so nothing was granted") from exc
