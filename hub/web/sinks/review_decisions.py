"""Sends identity review decisions to ``send.identity.decisions`` and waits for the broker.

A decision is produced with the serde (key = review id); `KafkaDecisionSink.send` returns only
once the broker has acknowledged it (acks=all), so a 202 means the decision is durable.
"""

import logging
import threading
from typing import Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from hub.models import IdentityReviewDecision
from hub.web.review.rules import DecisionUnavailable
from infra.security import KafkaConnection, as_connection
from schemas.serde import encode_model

__all__ = ["DecisionSink", "KafkaDecisionSink"]

_ACK_SECONDS = 15.0
log = logging.getLogger(__name__)


class DecisionSink(Protocol):
    """Where decisions go; ``send`` returns once the decision is durable, else raises."""

    def send(self, decision: IdentityReviewDecision) -> None: ...

    def close(self) -> None: ...


class KafkaDecisionSink:
    """Produces decisions to ``topic`` (key = review id) and waits for the broker's ack."""

    def __init__(self, bootstrap: KafkaConnection | str, topic: str) -> None:
        self.kafka = as_connection(bootstrap)  # address and the web principal's credentials
        self.bootstrap, self.topic = self.kafka.bootstrap, topic
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()  # requests run in a thread pool: create one producer

    def _connect(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(**self.kafka.kafka_python(), acks="all",
                                               retries=3, max_block_ms=10_000)  # fmt: skip
            return self._producer

    def send(self, decision: IdentityReviewDecision) -> None:
        value = encode_model(decision)
        try:
            future = self._connect().send(self.topic, key=decision.review_id.encode(), value=value)
            future.get(timeout=_ACK_SECONDS)
        except KafkaError as exc:
            log.error("identity decision not written to %s: %s", self.topic, exc)
            raise DecisionUnavailable(f"the decision could not be recorded: {exc}") from exc

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
