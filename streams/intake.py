"""The ingest hot path: consumer-group batches through the pipeline, one Kafka transaction each.

One confluent-kafka (librdkafka) consumer in the worker's group reads the four ingest topics
with the range assignor, so a member gets the same partition number of every topic (they have
equal partition counts): partition number p owns its changelog partition p and its state.

Per batch (``consume``, up to the configured size): `Pipeline.process` runs the records, then
the batch goes to the `CommitQueue`, whose thread commits it in a Kafka transaction with its
outputs (timeline entries, links, dead letters, reviews), its state changes to the
changelogs and the next input offsets (``send_offsets_to_transaction`` with the consumer's
group metadata, KIP-447), while this loop goes on with the next batches. Only after the
commit is the local state copy written. A ``read_committed`` reader therefore sees a batch's
outputs exactly once or not at all, and a restarted worker resumes from offsets that match
its changelogs. While a transaction runs, up to ``max_ahead`` more batches are processed;
the next transaction carries all of them (one open at a time, batches in order).

Fencing: the group metadata carries the consumer's generation, so the broker refuses the
offsets of a worker that lost its partitions (a zombie): its transaction aborts and it stops.
The transactional id is stable per worker instance (`streams.instance`), so a restarted
worker's ``init_transactions`` aborts what its killed predecessor left open at once.

Rebalances (eager): ``on_revoke`` waits until every processed batch committed, so no batch
straddles a generation. ``on_assign`` takes the partitions paused; the loop then drops what that
``consume`` call returned (fetched before the rebalance: it comes again), reads the committed
offsets (waiting for a previous owner's open transaction), restores every owned partition's
state from its changelogs, and resumes.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition

from infra.security import KafkaConnection
from streams.commits import (
    TIMEOUT_S,
    TRANSACTION_LIMIT_S,
    BatchFailed,
    CommitQueue,
    ProcessedBatch,
)
from streams.pipeline import BatchResult, Pipeline, Raw
from streams.state import LocalState, changelog_messages, restore_partition
from streams.topics import HubTopics

__all__ = ["IntakeLoop", "IntakeOptions"]

log = logging.getLogger(__name__)
Observe = Callable[[BatchResult, float], None]


@dataclass(frozen=True)
class IntakeOptions:
    """Names and sizes the intake loop needs."""

    group_id: str  # the consumer group, also the prefix of the transactional id
    transactional_id: str  # stable per worker instance (see `streams.instance`)
    changelogs: dict[str, str]  # store -> changelog topic
    batch_size: int = 5000
    batch_wait_ms: int = 50
    max_ahead: int = 3  # batches processed ahead of their commit (see `CommitQueue`)
    session_timeout_ms: int = 10_000
    cache_buckets: int = 200_000  # timeline buckets kept in memory
    persist_timeline: bool = True  # off: only the dedupe window guards against repeats


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
        self.commits = CommitQueue(
            self.producer, self.consumer, topics, options.changelogs, options.max_ahead
        )
        self._stuck = False  # a transaction never returned: its thread cannot be joined
        self._unapplied: list[ProcessedBatch] = []  # submitted, state not yet written

    def stop(self) -> None:
        """Finish the batch in flight, then leave the group (SIGTERM)."""
        self._stop.set()

    async def run(self) -> None:
        """Consume until `stop`; `BatchFailed` when a batch cannot commit."""
        try:
            await asyncio.to_thread(self.producer.init_transactions, TIMEOUT_S)
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
        self._refuse_if_stuck()
        epoch, wait = self.epoch, self.options.batch_wait_ms / 1000
        messages = await asyncio.to_thread(self.consumer.consume, self.options.batch_size, wait)
        if epoch != self.epoch:
            await self._settle()  # what this call returned predates the rebalance: dropped
            return
        raws = _raws(messages)
        if not raws:
            await self.drain()  # idle: nothing to overlap the commits with
            return
        batch = self._process(raws, asyncio.get_running_loop().time())
        self._apply(self.commits.completed())
        while self.commits.full:  # the transactions lag: wait for the oldest
            await self._wait_oldest()
        self.sending(batch.result.links)
        self.commits.submit(batch)
        self._unapplied.append(batch)

    def _process(self, raws: list[Raw], started: float) -> ProcessedBatch:
        result = self.pipeline.process(raws, datetime.now(UTC))
        if not self.options.persist_timeline:
            for change in result.changes.values():
                change.timeline = {}
        # Serialised now: the state's lists are shared with the pipeline, and the next batch
        # (processed while this one commits) changes them.
        records = {p: changelog_messages(p, c) for p, c in result.changes.items()}
        return ProcessedBatch(result, records, started, len(raws))

    @property
    def stuck(self) -> bool:
        """A transaction never returned: its thread cannot be joined (the runner exits hard)."""
        return self._stuck or self.commits.stuck

    def _refuse_if_stuck(self) -> None:
        if self.stuck:  # e.g. seen by the rebalance callback's wait: nothing may go on
            raise BatchFailed(f"a transaction took over {TRANSACTION_LIMIT_S:.0f} s")

    async def drain(self) -> None:
        """Wait until every processed batch committed, and write their state."""
        while self.commits.oldest is not None and not self.stuck:
            await self._wait_oldest()

    async def _wait_oldest(self) -> None:
        """Wait for the oldest transaction, then apply what committed (`BatchFailed` on failure)."""
        future = self.commits.oldest
        if future is None:
            return
        try:
            await asyncio.wait_for(asyncio.wrap_future(future), TRANSACTION_LIMIT_S)
        except TimeoutError as exc:
            self._stuck = True
            raise BatchFailed(f"a transaction took over {TRANSACTION_LIMIT_S:.0f} s") from exc
        self._apply(self.commits.completed())  # BatchFailed propagates: the worker stops

    def _apply(self, committed: list[ProcessedBatch]) -> None:
        """After their commit: the batches' state to the local copy, their counts to metrics."""
        for batch in committed:
            for stores in batch.records.values():
                for records in stores.values():
                    self.state.write(records)
            self.batches += 1
            self.records += batch.size
            self.full += batch.size >= self.options.batch_size
            self.observe(batch.result, batch.started)
        if committed:
            del self._unapplied[: len(committed)]  # committed in the order submitted
            self._trim()

    def _trim(self) -> None:
        """Bound the timeline cache, keeping the buckets of batches not yet stored."""
        limit = self.options.cache_buckets
        if self.pipeline.cached_buckets() <= limit:
            return
        pending: dict[int, set[str]] = {}
        for batch in self._unapplied:
            for partition, changes in batch.result.changes.items():
                pending.setdefault(partition, set()).update(changes.timeline)
        self.pipeline.trim(limit, pending)

    # -- rebalances: the callbacks run inside ``consume`` (in its thread) ------------------

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Every processed batch commits under the generation it came from (a failure is
        # raised by the loop's next wait).
        self.commits.wait_all()
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
        self._refuse_if_stuck()
        assignment = sorted(self.assignment)
        owned = {partition for _, partition in assignment}
        # Every owned partition starts afresh, also one this worker kept: it may have been
        # out of the group a while and another worker may have owned it meanwhile.
        self.pipeline.forget(self.owned | owned)
        self.owned = set()
        tps = [TopicPartition(topic, partition) for topic, partition in assignment]
        if tps:  # read_committed: waits for a previous owner's pending offsets
            await asyncio.to_thread(self.consumer.committed, tps, TIMEOUT_S)
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
            self.producer.flush(TIMEOUT_S)
        self.commits.close(self.stuck)

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
