"""The commit queue: batches commit in order, pile up into one transaction, and stop at a failure.

A stand-in producer records what each transaction held; the real one (and the broker's
refusals) are exercised by the integration and fault suites.
"""

import threading
import time
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from hub.config import Settings
from streams.commits import BatchFailed, CommitQueue, ProcessedBatch
from streams.pipeline import BatchResult
from streams.topics import hub_topics

TOPICS = hub_topics(Settings(topic_prefix="t"))
INGEST = "t.ingest.education"
CHANGELOGS = {"dedupe": "t-hub-state-dedupe", "timeline": "t-hub-state-timeline"}
pytestmark = pytest.mark.unit


class RecordingProducer:
    """Keeps each committed transaction's records and offsets; can hold or refuse a commit."""

    def __init__(self) -> None:
        self.open: list[tuple[str, bytes | None, int]] | None = None
        self.offsets: list[TopicPartition] = []
        self.committed: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.release.set()
        self.refuse_next = False

    def begin_transaction(self) -> None:
        assert self.open is None, "a transaction began while another was open"
        self.open = []

    def produce(self, topic: str, value: bytes | None, key: bytes, partition: int) -> None:
        assert self.open is not None
        self.open.append((topic, value, partition))

    def send_offsets_to_transaction(self, offsets: list[TopicPartition], *_: Any) -> None:
        self.offsets = offsets

    def commit_transaction(self, *_: Any) -> None:
        self.release.wait(5)
        records, self.open = self.open, None
        if self.refuse_next:
            self.refuse_next = False
            raise KafkaException(KafkaError(KafkaError._FENCED, "fenced"))
        offsets = {(tp.topic, tp.partition): tp.offset for tp in self.offsets}
        self.committed.append({"records": records, "offsets": offsets})


class Group:
    def consumer_group_metadata(self) -> object:
        return object()


def batch(n: int, offset: int) -> ProcessedBatch:
    """A batch with one timeline entry and one changelog record, ending at ``offset``."""
    result = BatchResult(timeline=[(b"child", f"entry-{n}".encode())])
    result.last_offsets[(INGEST, 0)] = offset
    records = {0: {"dedupe": [(b"0|head", str(n).encode())]}}
    return ProcessedBatch(result, records, started=0.0, size=1)


def queue(producer: RecordingProducer, max_ahead: int = 3) -> CommitQueue:
    return CommitQueue(producer, Group(), TOPICS, CHANGELOGS, max_ahead)  # type: ignore[arg-type]


def wait_done(commits: CommitQueue) -> list[ProcessedBatch]:
    done: list[ProcessedBatch] = []
    deadline = time.monotonic() + 5
    while not commits.idle and time.monotonic() < deadline:
        done += commits.completed()
        time.sleep(0.005)
    return done


def test_each_batch_commits_its_outputs_changelog_and_next_offset() -> None:
    producer = RecordingProducer()
    commits = queue(producer)
    commits.submit(batch(1, offset=41))
    done = wait_done(commits)
    assert [b.result.timeline for b in done] == [[(b"child", b"entry-1")]]
    (txn,) = producer.committed
    assert (TOPICS.timeline, b"entry-1", -1) in txn["records"]
    assert (CHANGELOGS["dedupe"], b"1", 0) in txn["records"]  # its own partition
    assert txn["offsets"] == {(INGEST, 0): 42}  # the next offset to read
    commits.close(stuck=False)


def test_batches_queued_behind_a_slow_commit_share_the_next_transaction_in_order() -> None:
    producer = RecordingProducer()
    commits = queue(producer, max_ahead=4)
    producer.release.clear()  # the first commit hangs until released
    commits.submit(batch(1, offset=10))
    time.sleep(0.05)  # the commit thread has taken batch 1
    commits.submit(batch(2, offset=20))
    commits.submit(batch(3, offset=30))
    assert commits.full is False and commits.completed() == []
    producer.release.set()
    done = wait_done(commits)
    assert [b.result.timeline[0][1] for b in done] == [b"entry-1", b"entry-2", b"entry-3"]
    first, second = producer.committed
    assert first["offsets"] == {(INGEST, 0): 11}
    entries = [value for topic, value, _ in second["records"] if topic == TOPICS.timeline]
    assert entries == [b"entry-2", b"entry-3"]
    assert second["offsets"] == {(INGEST, 0): 31}  # the newer batch's offset wins
    commits.close(stuck=False)


def test_the_queue_is_full_at_max_ahead_uncommitted_batches() -> None:
    producer = RecordingProducer()
    producer.release.clear()
    commits = queue(producer, max_ahead=2)
    commits.submit(batch(1, offset=1))
    assert not commits.full
    commits.submit(batch(2, offset=2))
    assert commits.full
    producer.release.set()
    wait_done(commits)
    assert not commits.full
    commits.close(stuck=False)


def test_after_a_failed_transaction_no_later_batch_commits() -> None:
    producer = RecordingProducer()
    producer.release.clear()
    producer.refuse_next = True
    commits = queue(producer)
    commits.submit(batch(1, offset=10))
    time.sleep(0.05)
    commits.submit(batch(2, offset=20))  # would move the offsets past batch 1's lost outputs
    producer.release.set()
    with pytest.raises(BatchFailed, match="_FENCED"):
        wait_done(commits)
    with pytest.raises(BatchFailed):
        wait_done(commits)
    assert producer.committed == []
    commits.close(stuck=False)


def test_wait_all_returns_once_every_transaction_did_and_leaves_failures_to_completed() -> None:
    producer = RecordingProducer()
    producer.refuse_next = True
    commits = queue(producer)
    commits.submit(batch(1, offset=10))
    commits.wait_all()  # the rebalance callback's wait: does not raise
    assert commits.oldest is not None and commits.oldest.done()
    with pytest.raises(BatchFailed):
        commits.completed()
    commits.close(stuck=False)
