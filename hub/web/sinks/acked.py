"""One Kafka producer per sink that sends a contract record and waits for the broker's ack.

The web's sinks (review decisions, access alerts, token revocations) each write one kind of
record to one topic and must know it is durable (acks=all) before they answer. Requests run
in a thread pool, so the producer is created once, under a lock, on first use.
"""

import threading

from kafka import KafkaProducer
from pydantic import BaseModel

from infra.security import KafkaConnection, as_connection
from schemas.serde import encode_model

__all__ = ["AckedProducer"]

_ACK_SECONDS = 15.0


class AckedProducer:
    """Sends contract records to ``topic`` and waits for each ack (KafkaError on failure)."""

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

    def send_acked(self, key: str, record: BaseModel) -> None:
        """Produce ``record`` under ``key`` and wait until the broker has it."""
        future = self._connect().send(self.topic, key=key.encode(), value=encode_model(record))
        future.get(timeout=_ACK_SECONDS)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
