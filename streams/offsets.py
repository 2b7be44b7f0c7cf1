"""Ingest offsets are committed by the worker itself, and only for batches that are durable.

Faust's own acking marks messages done that never reached a timeline, and then commits them:

- ``Stream.take_events`` acks a whole batch in a ``finally``, also when the agent raised or
  was cancelled mid-batch (a graceful stop while the batch waits for the broker's acks);
- messages still queued when flow control is suspended (at a stop or a rebalance) or fetched
  in an older consumer generation are skipped *and acked*;
- its commit tolerates a gap of unacked offsets at the head of a partition that has no commit
  yet (the check is ``if committed_offset:``, false for ``None`` and ``0``).

- after a seek (recovery seeks to the committed offsets), a record fetched *before* the seek
  can still be delivered; Faust's read offset jumps to it and the re-fetched records below
  it are dropped as "already read" (faust-streaming #221 family).

Each path was seen to lose events on the real broker. So the ingest topics are consumed with
``acks=False`` (Faust never commits them) and `BatchOffsets` does it:

- `admit` keeps, per partition, only the events that continue exactly where this worker's
  processing stands (anchored at the committed offset when the partition is assigned). An
  event past a gap is not processed: the partition is rewound to the missing offset, so
  nothing is skipped and a commit never jumps a gap. An open gap is rewound again every
  second; only records deleted by retention (below the earliest offset) are stepped over;

- `begin` puts a batch's messages in the consumer's in-flight set, so a rebalance or a stop
  waits for the batch (Faust's ``wait_empty``) as it would for its own acked messages;
- `done`, called once a batch's outputs and state are durable, takes them out of that set and
  records the next offset of each partition; `commit_pending` flushes the table (changelog)
  writes and commits those offsets. The worker calls it on a one-second timer, when
  partitions are revoked and before shutdown, never from the batch path: the flush waits for
  the whole producer buffer, and the agent goes on meanwhile.

A crash before a commit only means redelivery, which the idempotent outputs absorb. Events
fetched before the latest rebalance, or handed over while one is under way, are left
unprocessed (`current`), as Faust itself does for its acking streams: the partition's owner
re-reads them from the committed offset.
"""

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from faust.types import TP, EventT, Message

from hub import metrics

__all__ = ["BatchOffsets", "Committer", "current", "in_order", "next_offsets", "own_read_order"]

_REWIND_WAIT = 1.0  # seconds a rewind is given before it is repeated

log = logging.getLogger(__name__)


class Committer(Protocol):
    """What `BatchOffsets` needs of Faust's consumer."""

    @property
    def unacked(self) -> set[Message]: ...  # in flight: wait_empty waits until these are acked

    async def _commit(self, offsets: dict[TP, int]) -> bool: ...  # only assigned partitions

    async def seek(self, partition: TP, offset: int) -> None: ...  # also resets the read offset

    async def earliest_offsets(self, *partitions: TP) -> dict[TP, int]: ...

    @property
    def _committed_offset(self) -> dict[TP, int | None]: ...  # set by Faust's seek to committed


def current(events: Sequence[EventT], generation: int, flowing: bool = True) -> list[EventT]:
    """The events to process: none while a rebalance or stop has suspended the flow, else
    those fetched in consumer generation ``generation``. The rest are re-read later."""
    return [e for e in events if e.message.generation_id == generation] if flowing else []


def next_offsets(events: Sequence[EventT]) -> dict[TP, int]:
    """Per partition, the offset after the batch's last event there: what to commit."""
    out: dict[TP, int] = {}
    for event in events:
        message = event.message
        out[message.tp] = max(out.get(message.tp, 0), message.offset + 1)
    return out


def in_order(
    events: Sequence[EventT], expected: dict[TP, int]
) -> tuple[list[EventT], dict[TP, int]]:
    """The events that continue each partition exactly at ``expected`` (advanced in place).

    An event below ``expected`` was processed already and is left out; at the first event
    above it the partition has a gap, and that event and the rest of the partition's are left
    out too. Returns the kept events and, per partition with a gap, the first offset seen past
    it (the missing one is ``expected[tp]``).
    """
    kept: list[EventT] = []
    gaps: dict[TP, int] = {}
    for event in events:
        tp, offset = event.message.tp, event.message.offset
        if tp in gaps or offset < expected[tp]:
            continue
        if offset > expected[tp]:
            gaps[tp] = offset
            continue
        kept.append(event)
        expected[tp] = offset + 1
    return kept, gaps


class _ReadOffsets(defaultdict[TP, int | None]):
    """Faust's read offsets, except that the ingest partitions never have one.

    Faust drops a fetched record below the highest offset it delivered for the partition.
    After a seek that also drops the re-fetched records once a stale one (fetched before the
    seek) got through, so a rewind could never be read. `in_order` keeps the ingest order
    instead, so Faust's check is switched off for those topics.
    """

    def __init__(self, topics: frozenset[str], current: dict[TP, int | None]) -> None:
        super().__init__(lambda: None, current)
        self.topics = topics

    def __getitem__(self, tp: TP) -> int | None:
        return None if tp.topic in self.topics else super().__getitem__(tp)


def own_read_order(consumer: object, topics: frozenset[str]) -> None:
    """Switch Faust's read-offset check off for ``topics`` (before the consumer starts)."""
    current = getattr(consumer, "_read_offset")  # noqa: B009  # private Faust state
    setattr(consumer, "_read_offset", _ReadOffsets(topics, dict(current)))  # noqa: B010


class BatchOffsets:
    """Tracks batches in flight and commits the offsets of finished ones."""

    def __init__(
        self,
        consumer: Committer,
        flush: Callable[[], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.consumer, self.flush, self.clock = consumer, flush, clock
        self.pending: dict[TP, int] = {}
        self.expected: dict[TP, int] = {}  # per partition: the next offset to process
        self.stale = self.rewinds = 0
        self._generation = -1
        self._gaps: dict[TP, tuple[int, float]] = {}  # tp -> (missing offset, when rewound)
        self._lock = asyncio.Lock()  # commits in order: an older one never lands last

    def current(self, events: Sequence[EventT], generation: int, flowing: bool) -> list[EventT]:
        fresh = current(events, generation, flowing)
        if len(fresh) < len(events):
            self.stale += len(events) - len(fresh)
            metrics.INGEST_REREADS.labels(reason="rebalance").inc(len(events) - len(fresh))
            log.info("left %d events to be re-read after a rebalance", len(events) - len(fresh))
        return fresh

    async def admit(self, events: Sequence[EventT], generation: int, flowing: bool) -> list[EventT]:
        """The events to process now: current (see `current`) and in order (see `in_order`).

        Partitions with a gap are rewound to the missing offset.
        """
        fresh = self.current(events, generation, flowing)
        if generation != self._generation:  # a rebalance: anchor again at the commits
            self._generation, self.expected, self._gaps = generation, {}, {}
        for tp in {e.message.tp for e in fresh} - self.expected.keys():
            self.expected[tp] = await self._anchor(tp)
        kept, gaps = in_order(fresh, self.expected)
        for tp in {e.message.tp for e in kept}:
            self._gaps.pop(tp, None)
        for tp, seen in gaps.items():
            await self._rewind(tp, seen)
        return kept

    async def _anchor(self, tp: TP) -> int:
        """Where processing of ``tp`` resumes: its committed offset, else its earliest."""
        committed = self.consumer._committed_offset.get(tp)
        if committed:  # Faust keeps 0 as None; too low is safe (re-processing is idempotent)
            return committed
        return (await self.consumer.earliest_offsets(tp)).get(tp, 0)

    async def _rewind(self, tp: TP, seen: int) -> None:
        """Seek ``tp`` back to its missing offset, once per gap (see `retry_gaps`).

        Records already queued past the gap keep arriving for a while after the seek; they
        are dropped (`in_order`) without seeking again, since each extra seek only restarts
        the fetch (and a storm of them once crashed Faust's fetcher).
        """
        missing = self.expected[tp]
        if self._gaps.get(tp, (-1, 0.0))[0] == missing:
            return
        log.info(
            "%s jumped from offset %d to %d: reading again from %d", tp, missing, seen, missing
        )
        await self._seek_back(tp, missing)

    async def retry_gaps(self) -> None:
        """Rewind again every gap that stayed open ``_REWIND_WAIT`` seconds (on a timer).

        Needed because a stale record can arrive after the seek and move the fetch past the
        gap again; then nothing more is delivered for the partition that could trigger it.
        A gap below the partition's earliest offset (deleted by retention) is stepped over.
        """
        now = self.clock()
        for tp, (missing, when) in list(self._gaps.items()):
            if now - when < _REWIND_WAIT or self.expected.get(tp) != missing:
                continue
            earliest = (await self.consumer.earliest_offsets(tp)).get(tp, 0)
            if missing < earliest:
                log.warning("%s offsets %d-%d were deleted; going on at %d", tp, missing,
                            earliest - 1, earliest)  # fmt: skip
                self.expected[tp] = earliest
                self._gaps.pop(tp)
                continue
            await self._seek_back(tp, missing)

    async def _seek_back(self, tp: TP, missing: int) -> None:
        self._gaps[tp] = (missing, self.clock())
        self.rewinds += 1
        metrics.INGEST_REREADS.labels(reason="gap").inc()
        await self.consumer.seek(tp, missing)

    def begin(self, events: Sequence[EventT]) -> None:
        """The batch is in flight: a rebalance or stop waits for it."""
        self.consumer.unacked.update(e.message for e in events)

    def abandon(self, events: Sequence[EventT]) -> None:
        """The batch failed: stop waiting for it, and never commit it."""
        self.consumer.unacked.difference_update(e.message for e in events)

    def done(self, events: Sequence[EventT]) -> None:
        """The batch is durable: record its offsets for the next `commit_pending`."""
        for tp, offset in next_offsets(events).items():
            self.pending[tp] = max(self.pending.get(tp, 0), offset)
        self.consumer.unacked.difference_update(e.message for e in events)

    async def commit_pending(self) -> bool:
        """Flush the table writes, then commit every finished batch's offsets."""
        async with self._lock:
            offsets, self.pending = self.pending, {}
            if not offsets:
                return False
            await self.flush()  # the changelog writes first, as Faust's own commit does
            return await self.consumer._commit(offsets)
