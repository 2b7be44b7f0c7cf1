"""Ingest offsets are committed by the worker itself, and only after a batch is durable.

Faust's own acking marks messages done that never reached a timeline, and then commits them:

- ``Stream.take_events`` acks a whole batch in a ``finally``, also when the agent raised or
  was cancelled mid-batch (a graceful stop while the batch waits for the broker's acks);
- messages still queued when flow control is suspended (at a stop or a rebalance) or fetched
  in an older consumer generation are skipped *and acked*;
- its commit tolerates a gap of unacked offsets at the head of a partition that has no commit
  yet (the check is ``if committed_offset:``, false for ``None`` and ``0``).

Each path was seen to lose events on the real broker. So the ingest topics are consumed with
``acks=False`` (Faust never tracks or commits them) and `BatchOffsets` commits, after each
batch's outputs and state (with its changelog writes) are durable, the next offset of every
partition in the batch. A crash or stop before that leaves the batch uncommitted: it is
redelivered, and the idempotent outputs absorb the repeat. Events fetched before the latest
rebalance are dropped unprocessed (`current`), as Faust itself does for its acking streams:
the partition's owner re-reads them from the committed offset.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from faust.types import TP, EventT

__all__ = ["BatchOffsets", "Committer", "current", "next_offsets"]

log = logging.getLogger(__name__)


class Committer(Protocol):
    """What `BatchOffsets` needs of Faust's consumer (``ThreadDelegateConsumer._commit``)."""

    async def _commit(self, offsets: dict[TP, int]) -> bool: ...


def current(events: Sequence[EventT], generation: int) -> list[EventT]:
    """The events fetched in consumer generation ``generation`` (older ones are re-read)."""
    return [e for e in events if e.message.generation_id == generation]


def next_offsets(events: Sequence[EventT]) -> dict[TP, int]:
    """Per partition, the offset after the batch's last event there: what to commit."""
    out: dict[TP, int] = {}
    for event in events:
        message = event.message
        out[message.tp] = max(out.get(message.tp, 0), message.offset + 1)
    return out


class BatchOffsets:
    """Commits a finished batch's offsets; counts what it dropped as stale."""

    def __init__(self, consumer: Committer, flush: Callable[[], Awaitable[None]]) -> None:
        self.consumer, self.flush = consumer, flush
        self.stale = 0

    def current(self, events: Sequence[EventT], generation: int) -> list[EventT]:
        fresh = current(events, generation)
        if len(fresh) < len(events):
            self.stale += len(events) - len(fresh)
            log.info("dropped %d events fetched before a rebalance", len(events) - len(fresh))
        return fresh

    async def commit(self, events: Sequence[EventT]) -> bool:
        """Commit after ``events``; False when a rebalance took their partitions meanwhile.

        Faust's ``_commit`` skips partitions no longer assigned and reports a commit refused
        for an older generation as False; either way the new owner re-reads from the last
        commit, so nothing is lost.
        """
        offsets = next_offsets(events)
        if not offsets:
            return False
        await self.flush()  # the batch's table (changelog) writes first, as Faust's commit does
        return await self.consumer._commit(offsets)
