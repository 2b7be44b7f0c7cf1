"""Per-child timeline state: month buckets that grow by appending, idempotent on entry id.

A child's timeline is split into buckets keyed ``<child_id>|<YYYY-MM>`` of the month the
event occurred in, so a new event touches (and a store rewrites) one small bucket, never the
child's whole history. Within a bucket items are kept in timeline order — (occurred,
recorded, entry id) — so a late or out-of-order event is inserted where it belongs. Inserting
an entry id that is already in its bucket is a no-op: redelivery after a crash cannot
duplicate an entry. Reading a child merges its buckets (and those of children merged into it)
in order.

`TimelineItem` is deliberately small (times in epoch milliseconds, the entry id and where the
full entry is): stores keep items, the entries themselves live on ``send.timeline``.
"""

from bisect import insort
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from heapq import merge
from typing import NamedTuple

__all__ = ["TimelineItem", "TimelineState", "bucket_key", "insert", "month_of"]


class TimelineItem(NamedTuple):
    """One entry's place on a timeline; tuple order is timeline order."""

    occurred_ms: int
    recorded_ms: int
    entry_id: str
    ref: str = ""  # where the full entry is, e.g. "<source topic>:<partition>:<offset>"


def month_of(occurred_ms: int) -> str:
    """``YYYY-MM`` (UTC) of an epoch-millisecond time."""
    return _month_of_day(occurred_ms // _DAY_MS)


_DAY_MS = 86_400_000


@lru_cache(maxsize=8192)  # formatting a date was ~8% of the pipeline; days repeat a lot
def _month_of_day(day: int) -> str:
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m")


def bucket_key(child_id: str, occurred_ms: int) -> str:
    """``<child_id>|<YYYY-MM>``: the bucket an entry occurring at ``occurred_ms`` belongs in."""
    return f"{child_id}|{_month_of_day(occurred_ms // _DAY_MS)}"  # month_of, one call less


def insert(bucket: list[TimelineItem], item: TimelineItem) -> bool:
    """Insert ``item`` in order; False (and no change) when its entry id is already there."""
    entry_id = item.entry_id
    for existing in bucket:  # a bucket is one child's month: a plain scan beats a set
        if existing[2] == entry_id:
            return False
    insort(bucket, item)
    return True


class TimelineState:
    """Buckets by key, plus which months each child has; changed buckets are tracked."""

    def __init__(self) -> None:
        self.buckets: dict[str, list[TimelineItem]] = {}
        self._months: dict[str, set[str]] = {}
        self._dirty: set[str] = set()

    def load(self, key: str, items: Iterable[TimelineItem]) -> None:
        """Restore a persisted bucket (replaces what is held for ``key``)."""
        self.buckets[key] = sorted(items)
        child, _, month = key.partition("|")
        self._months.setdefault(child, set()).add(month)

    def add(self, child_id: str, item: TimelineItem, key: str | None = None) -> bool:
        """Put ``item`` on ``child_id``'s timeline; False if it was already there.

        ``key``: its `bucket_key`, when the caller has it already.
        """
        key = key or bucket_key(child_id, item.occurred_ms)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = []
            self._months.setdefault(child_id, set()).add(key.partition("|")[2])
        if not insert(bucket, item):
            return False
        self._dirty.add(key)
        return True

    def move(self, entry_ids: set[str], from_children: Iterable[str], to_child: str) -> int:
        """Move the held items of ``entry_ids`` from ``from_children`` to ``to_child`` (unmerge).

        Only buckets held in memory are searched (the caller loads what it needs first);
        changed buckets on both sides are marked dirty. Returns how many items moved.
        """
        moved = 0
        for child in list(from_children):
            for month in sorted(self._months.get(child, ())):
                key = f"{child}|{month}"
                bucket = self.buckets.get(key, [])
                leaving = [item for item in bucket if item.entry_id in entry_ids]
                if not leaving:
                    continue
                self.buckets[key] = [item for item in bucket if item.entry_id not in entry_ids]
                self._dirty.add(key)
                moved += sum(self.add(to_child, item) for item in leaving)
        return moved

    def take_dirty(self) -> dict[str, list[TimelineItem]]:
        """Buckets changed since the last call, for the caller to persist."""
        out = {key: self.buckets[key] for key in sorted(self._dirty)}
        self._dirty = set()
        return out

    def timeline(self, child_ids: Iterable[str]) -> Iterator[TimelineItem]:
        """Items of the given children (a survivor and those merged into it), in order."""
        runs = [
            self.buckets[f"{child}|{month}"]
            for child in child_ids
            for month in sorted(self._months.get(child, ()))
        ]
        return merge(*runs)

    def evict(self, max_buckets: int, keep: Collection[str] = ()) -> int:
        """Drop the oldest clean buckets beyond ``max_buckets`` (a store still holds them).

        ``keep``: buckets taken (`take_dirty`) but not yet in the store, which would reload
        without their newest items.
        """
        dropped = 0
        excess = len(self.buckets) - max_buckets
        if excess <= 0:
            return 0
        for key in list(self.buckets):
            if dropped >= excess:
                break
            if key not in self._dirty and key not in keep:
                del self.buckets[key]
                child, _, month = key.partition("|")
                months = self._months.get(child)
                if months is not None:
                    months.discard(month)
                dropped += 1
        return dropped

    def __len__(self) -> int:
        return sum(len(b) for b in self.buckets.values())
