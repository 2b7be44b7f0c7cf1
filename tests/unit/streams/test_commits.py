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
from streams import commits as commits_module
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
        self.began = threading.Semaphore(0)  # one release per transaction begun
        self.refuse: set[int] = set()  # numbers (from 1) of the transactions to refuse
        self.begun = 0
        self.groups: list[object] = []

    def begin_transaction(self) -> None:
        assert self.open is None, "a transaction began while another was open"
        self.open = []
        self.begun += 1
        self.began.release()

    def produce(self, topic: str, value: bytes | None, key: bytes, partition: int) -> None:
        assert self.open is not None
        self.open.append((topic, value, partition))

    def send_offsets_to_transaction(
        self, offsets: list[TopicPartition], group: object, *_: Any
    ) -> None:
        self.offsets = offsets
        self.groups.append(group)

    def commit_transaction(self, *_: Any) -> None:
        self.release.wait(5)
        records, self.open = self.open, None
        if self.begun in self.refuse:
            raise KafkaException(KafkaError(KafkaError._FENCED, "fenced"))
        offsets = {(tp.topic, tp.partition): tp.offset for tp in self.offsets}
        self.committed.append({"records": records, "offsets": offsets})


class Group:
    """The consumer's group metadata: a new generation after each `rebalance`."""

    def __init__(self) -> None:
        self.generation = 1

    def consumer_group_metadata(self) -> object:
        return f"generation {self.generation}"


def batch(n: int, offset: int) -> ProcessedBatch:
    """A batch with one timeline entry and one changelog record, ending at ``offset``."""
    result = BatchResult(timeline=[(b"child", f"entry-{n}".encode())])
    result.last_offsets[(INGEST, 0)] = offset
    records = {0: {"dedupe": [(b"0|head", str(n).encode())]}}
    return ProcessedBatch(result, records, started=0.0, size=1)


def queue(
    producer: RecordingProducer, max_ahead: int = 3, group: Group | None = None
) -> CommitQueue:
    consumer = group or Group()
    return CommitQueue(producer, consumer, TOPICS, CHANGELOGS, max_ahead)  # type: ignore[arg-type]


def begun(producer: RecordingProducer) -> None:
    """Wait until the commit thread began a transaction."""
    assert producer.began.acquire(timeout=5), "no transaction began"


def offsets_sent(producer: RecordingProducer, transactions: int) -> None:
    """Wait until ``transactions`` transactions reached their offsets (all produced)."""
    deadline = time.monotonic() + 5
    while len(producer.groups) < transactions:
        assert time.monotonic() < deadline, "no offsets sent"
        time.sleep(0.001)


def wait_done(commits: CommitQueue) -> list[ProcessedBatch]:
    done: list[ProcessedBatch] = []
    deadline = time.monotonic() + 5
    while commits.oldest is not None and time.monotonic() < deadline:
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
    begun(producer)  # the commit thread has taken batch 1
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
    producer.refuse = {1}
    commits = queue(producer)
    commits.submit(batch(1, offset=10))
    begun(producer)
    commits.submit(batch(2, offset=20))  # would move the offsets past batch 1's lost outputs
    producer.release.set()
    commits.close(stuck=False)  # every queued task has run
    assert producer.committed == []
    with pytest.raises(BatchFailed, match="_FENCED"):
        commits.completed()


def test_committed_batches_are_handed_back_before_a_later_failure() -> None:
    producer = RecordingProducer()
    producer.release.clear()
    producer.refuse = {2}  # batch 2's transaction is refused
    commits = queue(producer)
    commits.submit(batch(1, offset=10))
    begun(producer)
    commits.submit(batch(2, offset=20))
    producer.release.set()
    commits.close(stuck=False)
    assert [b.result.timeline[0][1] for b in commits.completed()] == [b"entry-1"]
    with pytest.raises(BatchFailed):
        commits.completed()


def test_a_batch_commits_with_the_generation_it_was_consumed_under() -> None:
    producer, group = RecordingProducer(), Group()
    producer.release.clear()
    commits = queue(producer, group=group)
    commits.submit(batch(1, offset=10))
    begun(producer)
    commits.submit(batch(2, offset=20))
    group.generation = 2  # a rebalance after batch 2 was consumed
    producer.release.set()
    wait_done(commits)
    assert producer.groups == ["generation 1", "generation 1"]  # the broker fences them
    commits.close(stuck=False)


def test_wait_all_returns_once_every_transaction_did_and_leaves_failures_to_completed() -> None:
    producer = RecordingProducer()
    producer.refuse = {1}
    commits = queue(producer)
    commits.submit(batch(1, offset=10))
    commits.wait_all()  # the rebalance callback's wait: does not raise
    assert commits.oldest is not None and commits.oldest.done()
    with pytest.raises(BatchFailed):
        commits.completed()
    commits.close(stuck=False)


def test_a_transaction_stuck_at_a_rebalance_fails_everything_queued_behind_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(commits_module, "TRANSACTION_LIMIT_S", 0.2)
    producer = RecordingProducer()
    producer.release.clear()  # never released while the rebalance waits
    commits = queue(producer)
    commits.submit(batch(1, offset=10))
    begun(producer)
    commits.submit(batch(2, offset=20))
    started = time.monotonic()
    commits.wait_all()
    assert time.monotonic() - started < 2 and commits.stuck
    producer.release.set()  # the stuck call returns after the rebalance went ahead
    commits.close(stuck=False)
    assert len(producer.committed) == 1  # batch 1 (its own, old generation); never batch 2
    assert [b.result.timeline[0][1] for b in commits.completed()] == [b"entry-1"]
    with pytest.raises(BatchFailed, match="at a rebalance"):
        commits.completed()


def test_an_unexpected_error_in_a_transaction_also_stops_later_commits() -> None:
    producer = RecordingProducer()
    producer.release.clear()
    commits = queue(producer)
    commits.submit(batch(1, offset=10))
    offsets_sent(producer, 1)
    commits.submit(batch(2, offset=20))

    def broken(*_: Any) -> None:
        raise RuntimeError("client closed")

    producer.produce = broken  # type: ignore[method-assign]  # batch 1 has produced already
    producer.release.set()
    commits.close(stuck=False)
    assert [b.result.timeline[0][1] for b in commits.completed()] == [b"entry-1"]
    assert len(producer.committed) == 1
    with pytest.raises(BatchFailed, match="RuntimeError"):
        commits.completed()
