"""The worker's state restore on a real broker: transactional changelogs, aborts, markers.

A changelog written in transactions (committed and aborted ones, each ending in a marker) is
restored into an empty local copy, then written to and restored again from the checkpoint:
every committed record is there, no aborted one, and the second restore reads only what is
new (the checkpoint is the offset after the last record read: the end event's offset and the
consumer's position after it were both off when markers and aborted records end the log).
"""

import uuid
from collections.abc import Callable

import pytest
from confluent_kafka import Consumer, Producer

from infra.security import KafkaConnection
from streams.state import LocalState, restore_partition

pytestmark = pytest.mark.integration

STORES = ("dedupe", "timeline")


def _producer(kafka: KafkaConnection) -> Producer:
    producer = Producer(kafka.librdkafka() | {"transactional.id": f"it-{uuid.uuid4().hex}"})
    producer.init_transactions(30)
    return producer


def _transaction(
    producer: Producer, topics: dict[str, str], keys: range, value: bytes, commit: bool = True
) -> None:
    producer.begin_transaction()
    for store in STORES:
        for k in keys:
            producer.produce(topics[store], value, f"1|{store}|{k}".encode(), 1)
    if commit:
        producer.commit_transaction(30)
    else:
        producer.flush(30)  # on the broker first: abort alone drops records not yet sent
        producer.abort_transaction(30)


def _restorer(kafka: KafkaConnection) -> Consumer:
    return Consumer(kafka.librdkafka() | {
        "group.id": f"it-{uuid.uuid4().hex}", "enable.auto.commit": False,
        "isolation.level": "read_committed", "enable.partition.eof": True,
    })  # fmt: skip


def test_restore_reads_committed_records_once_and_resumes_at_the_end(
    kafka_admin: KafkaConnection, topic_factory: Callable[..., str]
) -> None:
    topics = {store: topic_factory(2, configs={"cleanup.policy": "compact"}) for store in STORES}
    producer, state, restorer = _producer(kafka_admin), LocalState(None, 64), _restorer(kafka_admin)
    try:
        _transaction(producer, topics, range(0, 50), b"first")
        _transaction(producer, topics, range(50, 60), b"aborted", commit=False)
        _transaction(producer, topics, range(60, 100), b"second")
        assert restore_partition(state, restorer, topics, 1) == 2 * 90
        assert state.db.get(b"1|dedupe|10") == b"first" and state.db.get(b"1|timeline|99")
        assert state.db.get(b"1|dedupe|55") is None  # the aborted transaction is never seen
        # 50 records, a marker, 10 aborted, a marker, 40 records (62..101), a marker at 102:
        # the next restore starts after the last record
        assert [state.checkpoint(1, store) for store in STORES] == [102, 102]
        assert restore_partition(state, restorer, topics, 1) == 0  # caught up: nothing read
        _transaction(producer, topics, range(0, 1), b"third")
        assert restore_partition(state, restorer, topics, 1) == 2  # only the new record
        assert state.db.get(b"1|timeline|0") == b"third"
        assert restore_partition(state, restorer, topics, 0) == 0  # the other partition: empty
    finally:
        restorer.close()
