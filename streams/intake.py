"""The ingest hot path: consumer-group batches through the pipeline, one Kafka transaction each.

One aiokafka consumer in the worker's group reads the four ingest topics (the range assignor
gives one member the same partition number of every topic, since they have equal partition
counts). A *task* is one partition number p: ingest partition p of every topic, changelog
partition p of every store, and a transactional producer whose id is ``<app id>-intake-<p>``.

Per batch (``getmany``, up to the configured size), for each task: `Pipeline.process` runs
the records, then in one transaction the task's producer sends the outputs (timeline entries,
links, dead letters, reviews), the state changes to the changelogs and the next input offsets
(``send_offsets_to_transaction``); only after the commit is the local state copy written.
A ``read_committed`` reader therefore sees a batch's outputs exactly once or not at all, and a
restarted worker resumes from offsets that match its changelogs. Batch n+1 is processed while
batch n's transactions are in flight (pipelining); its own transactions begin once n's have
committed, so each task has one open transaction at a time and commits in order.

Why one producer per partition number: aiokafka's ``send_offsets_to_transaction`` takes only
a group id (no KIP-447 group metadata), so zombie fencing comes from the transactional id.
The new owner of p starts a producer with p's id; ``init_transactions`` aborts the previous
owner's open transaction and fences its producer (its commit then fails: that worker stops).

Rebalances: a batch holds ``lock`` from before processing until its transactions committed,
and ``on_partitions_revoked`` takes the same lock, so no batch straddles a rebalance. A batch
fetched before a rebalance is dropped (positions were reset to the committed offsets). On
assignment, tasks that stay keep their producer and state; tasks that leave are forgotten;
new tasks get a producer (fencing), then their state from the changelogs, then their
committed offsets.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.structs import ConsumerRecord

from infra.security import KafkaConnection
from streams.output import BatchSender
from streams.pipeline import BatchResult, Pipeline, Raw
from streams.state import LocalState, Message, changelog_messages, restore_partition
from streams.topics import HubTopics

__all__ = ["BatchFailed", "IntakeLoop", "IntakeOptions"]

log = logging.getLogger(__name__)
Observe = Callable[[BatchResult, float], None]
# partition number -> its share of a batch, and its changelog records per store
_Results = dict[int, tuple[BatchResult, dict[str, list[Message]]]]


class BatchFailed(Exception):
    """A batch's transaction could not commit (refused outputs, fenced): the worker stops."""


@dataclass(frozen=True)
class IntakeOptions:
    """Names and sizes the intake loop needs."""

    group_id: str  # the consumer group, also the prefix of the transactional ids
    changelogs: dict[str, str]  # store -> changelog topic
    batch_size: int = 2000
    batch_wait_ms: int = 50
    session_timeout_ms: int = 10_000
    cache_buckets: int = 200_000  # timeline buckets kept in memory
    persist_timeline: bool = True  # off: only the dedupe window guards against repeats


class _Listener(ConsumerRebalanceListener):
    """Holds the intake lock from revocation until the new assignment is set up."""

    def __init__(self, loop: "IntakeLoop") -> None:
        self.loop, self.held = loop, False

    async def _hold(self) -> None:
        if not self.held:
            await self.loop.lock.acquire()  # waits for the batch in flight to commit
            self.held = True

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._hold()
        await self.loop.drain()  # the batch being committed finishes first

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self._hold()
        await self.loop.drain()
        try:
            await self.loop.assigned(set(assigned))
        finally:
            self.held = False
            self.loop.lock.release()


class _Task:
    """Partition number p: its transactional producer."""

    def __init__(self, partition: int, sender: BatchSender) -> None:
        self.partition, self.sender = partition, sender


class IntakeLoop:
    """Consumes ingest batches and commits each task's share in one transaction."""

    def __init__(
        self, kafka: KafkaConnection, topics: HubTopics, pipeline: Pipeline, state: LocalState,
        options: IntakeOptions, observe: Observe,
    ) -> None:  # fmt: skip
        self.kafka, self.topics, self.pipeline, self.state = kafka, topics, pipeline, state
        self.options, self.observe = options, observe
        self.lock = asyncio.Lock()
        self.tasks: dict[int, _Task] = {}
        self.epoch = 0  # bumped on every assignment: batches fetched before it are stale
        self.ready = asyncio.Event()  # set once the first assignment is set up
        self.batches = 0
        self._stop = asyncio.Event()
        self._pending: asyncio.Task[None] | None = None  # the batch being committed
        self._failure: BatchFailed | None = None
        self.consumer = AIOKafkaConsumer(
            **kafka.aiokafka(), group_id=options.group_id, enable_auto_commit=False,
            auto_offset_reset="earliest", isolation_level="read_committed",
            partition_assignment_strategy=(RangePartitionAssignor,),
            session_timeout_ms=options.session_timeout_ms, heartbeat_interval_ms=2_000,
            max_poll_interval_ms=300_000, rebalance_timeout_ms=120_000,
            fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=4 * 1024 * 1024,
        )  # fmt: skip
        self.restorer = AIOKafkaConsumer(
            **kafka.aiokafka(), group_id=None, enable_auto_commit=False,
            isolation_level="read_committed", fetch_max_bytes=64 * 1024 * 1024,
            fetch_max_wait_ms=20,  # a restore waits for nothing: no long poll per partition
        )  # fmt: skip

    def stop(self) -> None:
        """Finish the batch in flight, then leave the group (SIGTERM)."""
        self._stop.set()

    async def run(self) -> None:
        """Consume until `stop`; `BatchFailed` when a batch cannot commit."""
        await self.restorer.start()
        await self.consumer.start()
        self.consumer.subscribe(list(self.topics.ingest), listener=_Listener(self))
        try:
            while not self._stop.is_set() and self._failure is None:
                await self._next_batch()
        finally:
            await self.drain()  # the last batch commits before the worker leaves the group
            await self._shutdown()
        if self._failure is not None:
            raise self._failure

    async def _next_batch(self) -> None:
        epoch = self.epoch
        batch = await self.consumer.getmany(
            timeout_ms=self.options.batch_wait_ms, max_records=self.options.batch_size
        )
        if not batch:
            await self.drain()  # idle: nothing to overlap the commit with
            return
        async with self.lock:
            if epoch != self.epoch:
                return  # a rebalance reset the positions: these records come again
            started = asyncio.get_running_loop().time()
            results = self._run_pipeline(batch)
            # The previous batch's transactions ran while this one was processed; this
            # batch's transactions start only once they are committed (one open per task).
            await self.drain()
            if self._failure is None:
                self._pending = asyncio.create_task(self._commit_batch(results, started))

    async def drain(self) -> None:
        """Wait for the batch being committed; a failure is kept for `run` to raise."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            await pending
        except BatchFailed as exc:
            self._failure = self._failure or exc

    def _run_pipeline(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> _Results:
        by_task: dict[int, list[Raw]] = {}
        for tp, records in batch.items():
            by_task.setdefault(tp.partition, []).extend(_raw(r) for r in records)
        now = datetime.now(UTC)
        out: _Results = {}
        for p, raws in by_task.items():
            result = self.pipeline.process(raws, now)
            # Serialised now: the state's lists are shared with the pipeline, and the next
            # batch (processed while this one commits) changes them.
            out[p] = (result, self._changelog(p, result))
        return out

    def _changelog(self, partition: int, result: BatchResult) -> dict[str, list[Message]]:
        changes = result.changes.get(partition)
        if changes is None:
            return {}
        if not self.options.persist_timeline:
            changes.timeline = {}
        return changelog_messages(partition, changes)

    async def _commit_batch(self, results: _Results, started: float) -> None:
        """Each task's share in its own transaction, concurrently; then the local state."""
        loop = asyncio.get_running_loop()
        committing = loop.time()
        written = await asyncio.gather(
            *(self._commit(self.tasks[p], *results[p]) for p in results), return_exceptions=True
        )
        failed = [w for w in written if isinstance(w, BaseException)]
        if failed:
            raise BatchFailed(type(failed[0]).__name__) from failed[0]
        for messages in written:
            assert not isinstance(messages, BaseException)
            self.state.write(messages)
        self.pipeline.trim(self.options.cache_buckets)
        log.debug(
            "batch with %d entries: processed in %.3f s, committed in %.3f s",
            sum(len(r.entry_timestamps_ms) for r, _ in results.values()),
            committing - started,
            loop.time() - committing,
        )  # fmt: skip
        for result, _ in results.values():
            self.observe(result, started)
        self.batches += 1

    async def _commit(
        self, task: _Task, result: BatchResult, stores: dict[str, list[Message]]
    ) -> list[Message]:
        """Send ``result``, ``stores`` and the offsets in one transaction; the records sent."""
        producer = task.sender.producer
        await producer.begin_transaction()
        try:
            futures = await self._send_outputs(task, result, stores)
            offsets = {TopicPartition(t, p): o + 1 for (t, p), o in result.last_offsets.items()}
            await producer.send_offsets_to_transaction(offsets, self.options.group_id)
            await asyncio.gather(*futures)
            await producer.commit_transaction()
        except BaseException:
            await _abort(producer)
            raise
        return [m for messages in stores.values() for m in messages]

    async def _send_outputs(
        self, task: _Task, result: BatchResult, stores: dict[str, list[Message]]
    ) -> list[asyncio.Future[object]]:
        sender, partition = task.sender, task.partition
        futures = []
        for topic, messages in (
            (self.topics.links, result.links), (self.topics.timeline, result.timeline),
            (self.topics.deadletter, result.deadletters), (self.topics.review, result.reviews),
        ):  # fmt: skip
            futures.extend(await sender.send(topic, messages))
        for store, records in stores.items():
            topic = self.options.changelogs[store]
            futures.extend(await sender.send_to(topic, partition, records))
        return futures

    async def assigned(self, tps: set[TopicPartition]) -> None:
        """Set up a new assignment (see the module docstring); called under ``lock``.

        Every task starts afresh, also one this worker had before: if it was out of the group
        for a while (paused, cut off), another worker may have owned the partition and
        fenced this producer meanwhile. The local copy makes the restore a short catch-up.
        """
        self.epoch += 1
        owned = {tp.partition for tp in tps if tp.topic in self.topics.ingest}
        old, self.tasks = self.tasks, {}
        await asyncio.gather(*(task.sender.stop() for task in old.values()))
        self.pipeline.forget(set(old) | owned)
        started = await asyncio.gather(*(self._start_task(p) for p in sorted(owned)))
        self.tasks = {task.partition: task for task in started}
        for p in sorted(owned):
            restored = await restore_partition(
                self.state, self.restorer, self.options.changelogs, p
            )
            log.info("partition %d: state restored (%d changelog records)", p, restored)
        await self._seek_committed(sorted(tps, key=lambda tp: (tp.topic, tp.partition)))
        self.ready.set()

    async def _start_task(self, partition: int) -> _Task:
        """A task's producer, made current: its first transaction fences any older owner."""
        sender = BatchSender(
            self.kafka, transactional_id=f"{self.options.group_id}-intake-{partition}"
        )
        await sender.start()
        producer = sender.producer
        await producer.begin_transaction()  # waits for the producer id: the old one is fenced
        await producer.commit_transaction()
        return _Task(partition, sender)

    async def _seek_committed(self, tps: list[TopicPartition]) -> None:
        """Start new partitions at their committed offsets (read after fencing, so final)."""
        committed = await asyncio.gather(*(self.consumer.committed(tp) for tp in tps))
        fresh = [tp for tp, offset in zip(tps, committed, strict=True) if offset is None]
        for tp, offset in zip(tps, committed, strict=True):
            if offset is not None:
                self.consumer.seek(tp, offset)
        if fresh:
            await self.consumer.seek_to_beginning(*fresh)

    async def _shutdown(self) -> None:
        await self.consumer.stop()  # leaves the group: the partitions move on at once
        for task in self.tasks.values():
            await task.sender.stop()
        self.tasks.clear()
        await self.restorer.stop()


def _raw(record: ConsumerRecord) -> Raw:
    return Raw(
        record.topic, record.partition, record.offset, record.timestamp, record.key,
        record.value or b"",
    )  # fmt: skip


async def _abort(producer: AIOKafkaProducer) -> None:
    """Abort the open transaction if the producer still can (a fenced one cannot)."""
    try:
        await producer.abort_transaction()
    except Exception as exc:  # the original failure is what matters; this one is logged
        log.warning("could not abort a transaction: %s", type(exc).__name__)
