"""The worker's persisted state in Faust tables (RocksDB in normal runs), written per batch.

Two tables, both keyed ``<partition>|...`` and written with the changelog partition equal to
that source partition, so a partition's state moves with the partition on a rebalance:

- ``dedupe``: ``<p>|head`` -> newest bucket number, ``<p>|dd|<n>`` -> event ids of bucket n;
- ``timeline``: ``<p>|<child>|<YYYY-MM>`` -> the bucket's items.

Faust ties a table write to the "current event" (it picks the changelog partition and the
RocksDB partition database from it). Batches from ``take_events`` mix partitions, so before
touching partition p we make one of p's events current; that is the one private Faust name
used here (``faust.streams._current_event``).
"""

import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from faust.streams import _current_event
from faust.types import EventT, TableT

from hub.timeline.buckets import TimelineItem
from streams.pipeline import PartitionChanges

__all__ = ["TableState"]


class TableState:
    """`StateLoader` over the Faust tables, plus the per-batch write."""

    def __init__(self, dedupe: TableT, timeline: TableT, window_buckets: int) -> None:
        self.dedupe, self.timeline_table = dedupe, timeline
        self.window_buckets = window_buckets
        self._events: dict[int, EventT] = {}

    def set_batch(self, events: Sequence[EventT]) -> None:
        """Remember one event per partition of the batch, to make current before I/O."""
        self._events = {e.message.partition: e for e in events}

    def _on(self, partition: int) -> None:
        _current_event.set(weakref.ref(self._events[partition]))

    def dedupe_buckets(self, partition: int) -> Iterable[tuple[int, list[str]]]:
        self._on(partition)
        head = self.dedupe.get(f"{partition}|head")
        if head is None:
            return []
        found = []
        for number in range(max(0, int(head) - self.window_buckets + 1), int(head) + 1):
            ids = self.dedupe.get(f"{partition}|dd|{number}")
            if ids:
                found.append((number, list(ids)))
        return found

    def timeline_bucket(self, partition: int, key: str) -> list[TimelineItem] | None:
        self._on(partition)
        items: Any = self.timeline_table.get(f"{partition}|{key}")
        return [TimelineItem(*item) for item in items] if items else None

    def write(self, changes: dict[int, PartitionChanges]) -> int:
        """Persist one batch's changes; returns the number of table writes."""
        writes = 0
        for partition, change in changes.items():
            self._on(partition)
            for number, ids in change.dedupe.items():
                self.dedupe[f"{partition}|dd|{number}"] = ids
                writes += 1
            if change.dedupe:
                self.dedupe[f"{partition}|head"] = max(change.dedupe)
                writes += 1
            for number in change.dedupe_evicted:
                self.dedupe.pop(f"{partition}|dd|{number}", None)
            for key, items in change.timeline.items():
                self.timeline_table[f"{partition}|{key}"] = [list(item) for item in items]
                writes += 1
        return writes
