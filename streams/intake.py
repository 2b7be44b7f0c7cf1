"""The ingest hot path: consumer-group batches through the pipeline, one Kafka transaction each.

One confluent-kafka (librdkafka) consumer in the worker's group reads the four ingest topics
with the range assignor, so a member gets the same partition number of every topic (they have
equal partition counts): partition number p owns its changelog partition p and its state.

Per batch (``consume``, up to the configured size): `Pipeline.process` runs the records, then
in ONE transaction the worker's producer sends the outputs (timeline entries, links, dead
letters, reviews), the state changes to the changelogs and the next input offsets
(``send_offsets_to_transaction`` with the consumer's group metadata, KIP-447). Only after the
commit is the local state copy written. A ``read_committed`` reader therefore sees a batch's
outputs exactly once or not at all, and a restarted worker resumes from offsets that match
its changelogs. The transaction of batch n runs in a commit thread while batch n+1 is
processed; batch n+1's transaction begins once n's committed (one open at a time).

Fencing: the group metadata carries the consumer's generation, so the broker refuses the
offsets of a worker that lost its partitions (a zombie): its transaction aborts and it stops.
The transactional id is stable per worker instance (`streams.instance`), so a restarted
worker's ``init_transactions`` aborts what its killed predecessor left open at once.

Rebalances (eager): ``on_revoke`` waits for the transaction in flight, so no batch straddles
a generation. ``on_assign`` takes the partitions paused; the loop then drops what that
``consume`` call returned (fetched before the rebalance: it comes again), reads the committed
offsets (waiting for a previous owner's open transaction), restores every owned partition's
state from its changelogs, and resumes.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition

from hub.errors import HubError
from infra.security import KafkaConnection
from streams.pipeline import BatchResult, Pipeline, Raw
from streams.state import LocalState, changelog_messages, restore_partition
from streams.state import Message as Record
from streams.topics import HubTopics

__all__ = ["BatchFailed", "IntakeLoop", "IntakeOptions"]

log = logging.getLogger(__name__)
Observe = Callable[[BatchResult, float], None]
_TIMEOUT_S = 30.0  # a transaction step or an offsets read; beyond it the batch fails
# A whole transaction (produce, offsets, commit), enforced here: librdkafka's
# send_offsets_to_transaction can ignore its timeout and block for good when the group
# coordinator's broker died (librdkafka issues 5456 and 5511, open). A stuck batch then
# stops the worker (exit 1) for its supervisor to restart it, instead of a silent hang.
_TRANSACTION_LIMIT_S = 2.5 * _TIMEOUT_S


class BatchFailed(HubError):
    """A batch's transaction could not commit (refused outputs, fenced): the worker stops."""


@dataclass(frozen=True)
class IntakeOptions:
    """Names and sizes the intake loop needs."""

    group_id: str  # the consumer group, also the prefix of the transactional id
    transactional_id: str  # stable per worker instance (see `streams.instance`)
    changelogs: dict[str, str]  # store -> changelog topic
    batch_size: int = 5000
    batch_wait_ms: int = 50
    session_timeout_ms: int = 10_000
    cache_buckets: int = 200_000  # timeline buckets kept in memory
    persist_timeline: bool = True  # off: only the dedupe window guards against repeats


@dataclass
class _Batch:
    """A processed batch on its way to the broker."""

    result: BatchResult
    records: dict[int, dict[str, list[Record]]]  # partition -> store -> changelog records
    started: float
    size: int  # ingest records


def _clients(kafka: KafkaConnection, options: IntakeOptions) -> tuple[Consumer, Producer, Consumer]:
    """The group consumer, the transactional producer and the changelog restorer."""
    base = kafka.librdkafka() | {"logger": logging.getLogger("librdkafka")}
    consumer = Consumer(base | {
        "group.id": options.group_id, "enable.auto.commit": False,
        "auto.offset.reset": "earliest", "isolation.level": "read_committed",
        "partition.assignment.strategy": "range",
        "session.timeout.ms": options.session_timeout_ms, "heartbeat.interval.ms": 2000,
        "max.poll.interval.ms": 300_000, "fetch.max.bytes": 64 * 1024 * 1024,
        "max.partition.fetch.bytes": 4 * 1024 * 1024, "fetch.wait.max.ms": 50,
    })  # fmt: skip
    producer = Producer(base | {
        "transactional.id": options.transactional_id, "transaction.timeout.ms": 30_000,
        "linger.ms": 5, "compression.type": "lz4", "partitioner": "murmur2_random",
        "queue.buffering.max.messages": 1_000_000, "queue.buffering.max.kbytes": 1_048_576,
    })  # fmt: skip
    restorer = Consumer(base | {
        "group.id": f"{options.group_id}-restore", "enable.auto.commit": False,
        "isolation.level": "read_committed", "enable.partition.eof": True,
        "fetch.wait.max.ms": 10, "fetch.max.bytes": 64 * 1024 * 1024,
    })  # fmt: skip
    return consumer, producer, restorer


class IntakeLoop:
    """Consumes ingest batches and commits each in one transaction."""

    def __init__(
        self, kafka: KafkaConnection, topics: HubTopics, pipeline: Pipeline, state: LocalState,
        options: IntakeOptions, observe: Observe,
        sending: Callable[[list[tuple[bytes, bytes]]], None] = lambda links: None,
    ) -> None:  # fmt: skip
        self.topics, self.pipeline, self.state = topics, pipeline, state
        self.options, self.observe = options, observe
        self.sending = sending  # told a batch's links before its transaction starts
        self.consumer, self.producer, self.restorer = _clients(kafka, options)
        self.ready = asyncio.Event()  # set once the first assignment is set up
        self.batches = 0
        self.records = 0  # ingest records in committed batches (batch fill = records / batches)
        self.full = 0  # committed batches of the configured size
        self.epoch = 0  # bumped by every rebalance callback
        self.assignment: set[tuple[str, int]] = set()  # written by the callbacks
        self.owned: set[int] = set()  # partition numbers whose state is set up
        self._stop = asyncio.Event()
        self._commits = ThreadPoolExecutor(1, thread_name_prefix="intake-commit")
        self._pending: tuple[Future[None], _Batch] | None = None
        self.stuck = False  # a transaction never returned: its thread cannot be joined

    def stop(self) -> None:
        """Finish the batch in flight, then leave the group (SIGTERM)."""
        self._stop.set()

    async def run(self) -> None:
        """Consume until `stop`; `BatchFailed` when a batch cannot commit."""
        try:
            await asyncio.to_thread(self.producer.init_transactions, _TIMEOUT_S)
        except KafkaException as exc:
            raise BatchFailed(f"no transactional producer: {exc.args[0].str()}") from exc
        self.consumer.subscribe(
            list(self.topics.ingest), on_assign=self._on_assign, on_revoke=self._on_revoke,
            on_lost=self._on_revoke,
        )  # fmt: skip
        try:
            while not self._stop.is_set():
                await self._step()
        finally:
            try:
                await self.drain()  # the last batch commits before the worker leaves
            finally:
                await asyncio.to_thread(self._close)

    async def _step(self) -> None:
        epoch, wait = self.epoch, self.options.batch_wait_ms / 1000
        messages = await asyncio.to_thread(self.consumer.consume, self.options.batch_size, wait)
        if epoch != self.epoch:
            await self._settle()  # what this call returned predates the rebalance: dropped
            return
        raws = _raws(messages)
        if not raws:
            await self.drain()  # idle: nothing to overlap the commit with
            return
        started = asyncio.get_running_loop().time()
        batch = self._process(raws, started)
        # The previous batch's transaction ran while this one was processed.
        await self.drain()
        self.sending(batch.result.links)
        self._pending = (self._commits.submit(self._commit, batch), batch)

    def _process(self, raws: list[Raw], started: float) -> _Batch:
        result = self.pipeline.process(raws, datetime.now(UTC))
        if not self.options.persist_timeline:
            for change in result.changes.values():
                change.timeline = {}
        # Serialised now: the state's lists are shared with the pipeline, and the next batch
        # (processed while this one commits) changes them.
        records = {p: changelog_messages(p, c) for p, c in result.changes.items()}
        return _Batch(result, records, started, len(raws))

    async def drain(self) -> None:
        """Wait for the batch being committed, then write its state to the local copy."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        future, batch = pending
        try:  # BatchFailed propagates: the worker stops
            await asyncio.wait_for(asyncio.wrap_future(future), _TRANSACTION_LIMIT_S)
        except TimeoutError as exc:
            self.stuck = True
            raise BatchFailed(f"a transaction took over {_TRANSACTION_LIMIT_S:.0f} s") from exc
        for stores in batch.records.values():
            for records in stores.values():
                self.state.write(records)
        self.pipeline.trim(self.options.cache_buckets)
        self.batches += 1
        self.records += batch.size
        self.full += batch.size >= self.options.batch_size
        self.observe(batch.result, batch.started)

    def _commit(self, batch: _Batch) -> None:
        """In the commit thread: outputs, changelog records and offsets in one transaction."""
        producer = self.producer
        try:
            producer.begin_transaction()
            self._produce(batch)
            offsets = [
                TopicPartition(topic, partition, offset + 1)
                for (topic, partition), offset in batch.result.last_offsets.items()
            ]  # fmt: skip
            metadata = self.consumer.consumer_group_metadata()
            producer.send_offsets_to_transaction(offsets, metadata, _TIMEOUT_S)
            producer.commit_transaction(_TIMEOUT_S)
        except KafkaException as exc:
            error = exc.args[0]
            self._abort(error)
            raise BatchFailed(f"{error.name()}: {error.str()}") from exc

    def _produce(self, batch: _Batch) -> None:
        result, topics = batch.result, self.topics
        for topic, messages in (
            (topics.links, result.links), (topics.timeline, result.timeline),
            (topics.deadletter, result.deadletters), (topics.review, result.reviews),
        ):  # fmt: skip
            for key, value in messages:
                self._send(topic, key, value, -1)
        for partition, stores in batch.records.items():
            for store, records in stores.items():
                topic = self.options.changelogs[store]
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
                self.producer.abort_transaction(_TIMEOUT_S)
            except KafkaException as exc:  # the original failure is what matters
                log.warning("could not abort a transaction: %s", exc.args[0].name())

    # -- rebalances: the callbacks run inside ``consume`` (in its thread) ------------------

    def _wait_commit(self) -> None:
        pending = self._pending
        if pending is not None:
            with contextlib.suppress(BatchFailed):  # `drain` raises it again
                pending[0].result()

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._wait_commit()  # the batch in flight commits under the generation it came from
        self.assignment = set()
        self.epoch += 1
        consumer.unassign()

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        consumer.assign(partitions)
        consumer.pause(partitions)  # until the loop restored their state (`_settle`)
        self.assignment = {(tp.topic, tp.partition) for tp in partitions}
        self.epoch += 1

    async def _settle(self) -> None:
        """After a rebalance: drop old state, restore the new partitions', then resume."""
        await self.drain()
        assignment = sorted(self.assignment)
        owned = {partition for _, partition in assignment}
        # Every owned partition starts afresh, also one this worker kept: it may have been
        # out of the group a while and another worker may have owned it meanwhile.
        self.pipeline.forget(self.owned | owned)
        self.owned = set()
        tps = [TopicPartition(topic, partition) for topic, partition in assignment]
        if tps:  # read_committed: waits for a previous owner's pending offsets
            await asyncio.to_thread(self.consumer.committed, tps, _TIMEOUT_S)
        for partition in sorted(owned):
            restored = await asyncio.to_thread(
                restore_partition, self.state, self.restorer, self.options.changelogs, partition
            )
            log.info("partition %d: state restored (%d changelog records)", partition, restored)
        self.owned = owned
        if tps:
            self.consumer.resume(tps)
        self.ready.set()

    def _close(self) -> None:
        mean = self.records / self.batches if self.batches else 0.0
        log.info(
            "intake: %d batches (%d of the full %d records), %.0f records per batch",
            self.batches, self.full, self.options.batch_size, mean,
        )  # fmt: skip
        self.consumer.close()  # leaves the group: the partitions move on at once
        self.restorer.close()
        if not self.stuck:
            self.producer.flush(_TIMEOUT_S)
        self._commits.shutdown(wait=not self.stuck)

    def lag(self) -> dict[str, int]:
        """Messages behind the high watermark per ingest topic (from the last fetches)."""
        lag: dict[str, int] = {}
        for tp in self.consumer.position([TopicPartition(t, p) for t, p in self.assignment]):
            _, high = self.consumer.get_watermark_offsets(tp, cached=True)
            if tp.offset >= 0 and high >= 0:
                lag[tp.topic] = lag.get(tp.topic, 0) + max(0, high - tp.offset)
        return lag


def _raws(messages: list[Message]) -> list[Raw]:
    """The good messages as `Raw`; a consumer error is logged (the client retries by itself)."""
    raws = []
    for m in messages:
        error = m.error()
        if error is None:
            raws.append(Raw(m.topic(), m.partition(), m.offset(), m.timestamp()[1], m.key(),
                            m.value() or b""))  # fmt: skip
        elif error.fatal():
            raise BatchFailed(f"consumer: {error.name()}: {error.str()}")
        else:
            log.warning("consumer: %s", error.str())
    return raws
