"""The worker's transactions: processed batches committed in order, in a thread of their own.

The intake loop hands over each processed batch (`CommitQueue.submit`) and goes on with the
next one. The commit thread runs one transaction at a time; each takes EVERY batch queued
since the previous one began and commits, atomically: their outputs (timeline entries,
links, dead letters, reviews), their changelog records and the next input offsets
(``send_offsets_to_transaction`` with the consumer's group metadata, KIP-447).

Why several batches per transaction: a transaction's cost is mostly fixed (coordinator round
trips; the first ones of a producer, or one after a broker hiccup, took 200-350 ms in
replay), so while one is slow the loop keeps processing and the next transaction carries
what piled up, instead of the loop stalling behind it. At most ``max_ahead`` batches wait
uncommitted (`CommitQueue.full`), so memory and the re-work after a crash stay bounded.

Order and failure: batches commit in the order they were processed. Once a transaction
fails, every later one refuses too (a later commit would move the offsets past a batch whose
outputs were never written): the worker stops and its successor resumes from the last
committed offsets. `CommitQueue.completed` hands back the committed batches, oldest first,
so the loop writes their state to the local copy only after their commit.
"""

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from hub.errors import HubError
from streams.pipeline import BatchResult
from streams.state import Message as Record
from streams.topics import HubTopics

__all__ = ["TIMEOUT_S", "TRANSACTION_LIMIT_S", "BatchFailed", "CommitQueue", "ProcessedBatch"]

log = logging.getLogger(__name__)
TIMEOUT_S = 30.0  # a transaction step or an offsets read; beyond it the batch fails
# A whole transaction (produce, offsets, commit), enforced by the waiter: librdkafka's
# send_offsets_to_transaction can ignore its timeout and block for good when the group
# coordinator's broker died (librdkafka issues 5456 and 5511, open). A stuck batch then
# stops the worker (exit 1) for its supervisor to restart it, instead of a silent hang.
TRANSACTION_LIMIT_S = 2.5 * TIMEOUT_S


class BatchFailed(HubError):
    """A batch's transaction could not commit (refused outputs, fenced): the worker stops."""


@dataclass
class ProcessedBatch:
    """A processed batch on its way to the broker."""

    result: BatchResult
    records: dict[int, dict[str, list[Record]]]  # partition -> store -> changelog records
    started: float
    size: int  # ingest records
    group: object = None  # the consumer's group metadata when the batch was processed


class CommitQueue:
    """Commits queued batches in order, several per transaction when they pile up."""

    def __init__(
        self, producer: Producer, consumer: Consumer, topics: HubTopics,
        changelogs: dict[str, str], max_ahead: int = 3,
    ) -> None:  # fmt: skip
        self.producer, self.consumer, self.topics = producer, consumer, topics
        self.changelogs, self.max_ahead = changelogs, max_ahead
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="intake-commit")
        self._lock = threading.Lock()
        self._queued: list[ProcessedBatch] = []  # the commit thread takes them all at once
        self._futures: deque[Future[list[ProcessedBatch]]] = deque()  # one per submit
        self._failed: BatchFailed | None = None  # set by the first failed transaction
        self._stuck = False

    def submit(self, batch: ProcessedBatch) -> None:
        """Queue ``batch`` for the next transaction (call `full` first to bound the queue).

        The group metadata (generation) is taken now, in the thread that consumed the batch:
        should the batch commit after a rebalance, the broker refuses it as a zombie's.
        """
        batch.group = self.consumer.consumer_group_metadata()
        with self._lock:
            self._queued.append(batch)
        self._futures.append(self._thread.submit(self._commit_queued))

    @property
    def full(self) -> bool:
        """True when ``max_ahead`` batches are already waiting for their commit."""
        return len(self._futures) >= self.max_ahead

    @property
    def oldest(self) -> "Future[list[ProcessedBatch]] | None":
        """The oldest transaction not yet handed back by `completed` (None: all are)."""
        return self._futures[0] if self._futures else None

    def completed(self) -> list[ProcessedBatch]:
        """The batches committed since the last call, oldest first; does not wait.

        Raises `BatchFailed` when the oldest finished transaction failed.
        """
        done: list[ProcessedBatch] = []
        while self._futures and self._futures[0].done():
            if done and self._futures[0].exception() is not None:
                return done  # the committed ones first; the failure on the next call
            done += self._futures[0].result()
            self._futures.popleft()
        return done

    @property
    def stuck(self) -> bool:
        """A transaction never returned within `TRANSACTION_LIMIT_S` (see `wait_all`)."""
        return self._stuck

    def wait_all(self) -> None:
        """Block until every queued batch's transaction returned (rebalance callback thread).

        Failures are left for `completed` to raise. Past `TRANSACTION_LIMIT_S` in all, the
        queue fails: nothing queued may commit after the rebalance this wait precedes.
        """
        deadline = time.monotonic() + TRANSACTION_LIMIT_S
        for future in list(self._futures):
            try:
                future.result(max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                self._stuck = True
                self._failed = BatchFailed(
                    f"a transaction took over {TRANSACTION_LIMIT_S:.0f} s (at a rebalance)"
                )
                return
            except BatchFailed:
                return  # nothing after it commits (`_failed`)

    def close(self, stuck: bool) -> None:
        """Stop the commit thread (not waiting for it if a transaction is stuck)."""
        self._thread.shutdown(wait=not stuck, cancel_futures=stuck)

    # -- in the commit thread ---------------------------------------------------------------

    def _commit_queued(self) -> list[ProcessedBatch]:
        with self._lock:
            batches, self._queued = self._queued, []
        if self._failed is not None:
            raise self._failed  # an earlier batch never committed: nothing after it may
        if batches:
            try:
                self._transact(batches)
            except BatchFailed as exc:
                self._failed = exc
                raise
            except Exception as exc:  # not the broker's refusal, but as fatal to the order
                self._failed = BatchFailed(f"a transaction failed: {type(exc).__name__}: {exc}")
                raise self._failed from exc
        return batches

    def _transact(self, batches: list[ProcessedBatch]) -> None:
        """Outputs, changelog records and offsets of ``batches`` in one transaction."""
        producer = self.producer
        last: dict[tuple[str, int], int] = {}
        for batch in batches:  # in order: a later batch's offset is the newer one
            last.update(batch.result.last_offsets)
        offsets = [TopicPartition(t, p, offset + 1) for (t, p), offset in last.items()]
        try:
            producer.begin_transaction()
            for batch in batches:
                self._produce(batch)
            # The oldest batch's generation: batches share a transaction only when no
            # rebalance came between them (`wait_all` before every rebalance).
            producer.send_offsets_to_transaction(offsets, batches[0].group, TIMEOUT_S)
            producer.commit_transaction(TIMEOUT_S)
        except KafkaException as exc:
            error = exc.args[0]
            self._abort(error)
            raise BatchFailed(f"{error.name()}: {error.str()}") from exc

    def _produce(self, batch: ProcessedBatch) -> None:
        result, topics = batch.result, self.topics
        for topic, messages in (
            (topics.links, result.links), (topics.timeline, result.timeline),
            (topics.deadletter, result.deadletters), (topics.review, result.reviews),
        ):  # fmt: skip
            for key, value in messages:
                self._send(topic, key, value, -1)
        for partition, stores in batch.records.items():
            for store, records in stores.items():
                topic = self.changelogs[store]
                for key, record in records:
                    self._send(topic, key, record, partition)

    def _send(self, topic: str, key: bytes, value: bytes | None, partition: int) -> None:
        """Queue one record (-1: the key's partition, as Java's murmur2 partitioner puts it)."""
        while True:
            try:
                self.producer.produce(topic, value, key, partition)
                return
            except BufferError:  # the local queue is full: let deliveries drain it
                self.producer.poll(0.05)

    def _abort(self, error: object) -> None:
        """Abort the open transaction if it can be (a fenced or fatal producer cannot)."""
        if getattr(error, "txn_requires_abort", lambda: False)():
            try:
                self.producer.abort_transaction(TIMEOUT_S)
            except KafkaException as exc:  # the original failure is what matters
                log.warning("could not abort a transaction: %s", exc.args[0].name())
