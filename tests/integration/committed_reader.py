"""The tests' reader of the worker's outputs: ``read_committed``, incremental, and cheap to poll.

Fault tests poll ``send.timeline`` every second while a worker runs through 100,000s of
events. Re-reading the whole topic with a fresh consumer and decoding every entry on each
poll cost a core by itself and slowed the worker it measured. A `CommittedReader` keeps its
consumer and picks up where it left off; `follower` keeps one per topic, and its decoded
entry ids, across polls.
"""

import logging
import time
import uuid

from confluent_kafka import Consumer, KafkaError, TopicPartition

from infra.security import KafkaConnection
from schemas.serde import decode

__all__ = ["CommittedReader", "follower"]

_BEGINNING = -2  # librdkafka's logical offset OFFSET_BEGINNING
_KEEP = 8  # followers kept open (topics are per test; older ones are closed)


class CommittedReader:
    """All committed values of one topic so far, read incrementally from the beginning."""

    def __init__(self, kafka: KafkaConnection, topic: str) -> None:
        self.topic = topic
        self.consumer = Consumer(kafka.librdkafka() | {
            "group.id": f"test-reader-{uuid.uuid4().hex}", "enable.auto.commit": False,
            "isolation.level": "read_committed", "enable.partition.eof": True,
            # to logging, not stderr: a kept reader outlives its test's broker at the end
            "logger": logging.getLogger("test-reader"),
        })  # fmt: skip
        partitions = self.consumer.list_topics(topic, timeout=30).topics[topic].partitions
        self.partitions = set(partitions)
        self.consumer.assign([TopicPartition(topic, p, _BEGINNING) for p in sorted(partitions)])
        self.values: list[bytes] = []
        self.at_end: set[int] = set()
        self.ids: list[str] = []  # entry ids of ``values`` decoded so far (see `entry_ids`)

    def read(self, timeout: float = 120.0) -> list[bytes]:
        """Every value committed so far (new ones appended since the last call)."""
        deadline, polled = time.monotonic() + timeout, False
        while not polled or self.at_end != self.partitions:
            assert time.monotonic() < deadline, f"{self.topic}: no end in {timeout:.0f} s"
            for message in self.consumer.consume(10_000, 0.2):
                error = message.error()
                if error is None:
                    self.at_end.discard(message.partition())
                    if message.value() is not None:
                        self.values.append(message.value())
                elif error.code() == KafkaError._PARTITION_EOF:  # documented public code
                    self.at_end.add(message.partition())
                else:
                    raise AssertionError(f"{self.topic}: {error.str()}")
            polled = True
        return self.values

    def entry_ids(self) -> list[str]:
        """The ``entry_id`` of every timeline entry so far (only new ones are decoded)."""
        values = self.read()
        self.ids.extend(decode(v).record["entry_id"] for v in values[len(self.ids) :])
        return self.ids

    def close(self) -> None:
        self.consumer.close()


_followers: dict[tuple[str, str], CommittedReader] = {}


def follower(kafka: KafkaConnection, topic: str) -> CommittedReader:
    """The kept reader of ``topic`` (created on first use)."""
    key = (kafka.bootstrap, topic)
    if key not in _followers:
        while len(_followers) >= _KEEP:
            _followers.pop(next(iter(_followers))).close()
        _followers[key] = CommittedReader(kafka, topic)
    return _followers[key]
