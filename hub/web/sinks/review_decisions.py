"""Sends identity review decisions to ``send.identity.decisions`` and waits for the broker.

A decision is produced with the serde (key = review id); `KafkaDecisionSink.send` returns only
once the broker has acknowledged it (acks=all), so a 202 means the decision is durable.
"""

import logging
from typing import Protocol

from kafka.errors import KafkaError

from hub.models import IdentityReviewDecision
from hub.web.review.rules import DecisionUnavailable
from hub.web.sinks.acked import AckedProducer

__all__ = ["DecisionSink", "KafkaDecisionSink"]

log = logging.getLogger(__name__)


class DecisionSink(Protocol):
    """Where decisions go; ``send`` returns once the decision is durable, else raises."""

    def send(self, decision: IdentityReviewDecision) -> None: ...

    def close(self) -> None: ...


class KafkaDecisionSink(AckedProducer):
    """Produces decisions to ``topic`` (key = review id) and waits for the broker's ack."""

    def send(self, decision: IdentityReviewDecision) -> None:
        try:
            self.send_acked(decision.review_id, decision)
        except KafkaError as exc:
            log.error("identity decision not written to %s: %s", self.topic, exc)
            raise DecisionUnavailable(f"the decision could not be recorded: {exc}") from exc
