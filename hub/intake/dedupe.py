"""Deduplication by event id over a bounded window, kept per source partition.

Window: the ids of the last ``buckets`` x ``bucket_size`` accepted events of one partition
(default 64 x 1024 = 65,536 per partition). Agencies re-send a record soon after the first
send (retries, duplicate exports), and the publisher keys by source person so a re-send lands
on the same partition; a duplicate arriving later than the window is still harmless, because
the timeline itself is idempotent on the entry id, but it is not counted as a duplicate here.

State is bucketed so it can be persisted per batch: the caller writes the buckets returned by
`DedupeWindow.dirty` and deletes the numbers returned by `DedupeWindow.evicted`.
"""

from collections.abc import Iterable

__all__ = ["DedupeWindow"]


class DedupeWindow:
    """Recently seen event ids of one partition, in numbered buckets of ids."""

    def __init__(self, bucket_size: int = 1024, buckets: int = 64) -> None:
        if bucket_size < 1 or buckets < 1:
            raise ValueError("bucket_size and buckets must be positive")
        self.bucket_size, self.max_buckets = bucket_size, buckets
        self._buckets: dict[int, list[str]] = {}
        self._seen: dict[str, int] = {}  # event id -> bucket number
        self._head = 0
        self._dirty: set[int] = set()
        self._evicted: set[int] = set()

    def load(self, number: int, ids: Iterable[str]) -> None:
        """Restore one persisted bucket (at start-up); the newest bucket becomes the head."""
        bucket = self._buckets.setdefault(number, [])
        for event_id in ids:
            if event_id not in self._seen:
                bucket.append(event_id)
                self._seen[event_id] = number
        self._head = max(self._head, number)
        self._evict()

    def seen(self, event_id: str) -> bool:
        return event_id in self._seen

    def add(self, event_id: str) -> bool:
        """Remember ``event_id``; False when it was already in the window (a duplicate)."""
        if event_id in self._seen:
            return False
        bucket = self._buckets.setdefault(self._head, [])
        if len(bucket) >= self.bucket_size:
            self._head += 1
            bucket = self._buckets[self._head] = []
            self._evict()
        bucket.append(event_id)
        self._seen[event_id] = self._head
        self._dirty.add(self._head)
        return True

    def discard(self, event_id: str) -> None:
        """Forget ``event_id`` (its processing failed, so a replay must not be a duplicate)."""
        number = self._seen.pop(event_id, None)
        bucket = self._buckets.get(number) if number is not None else None
        if bucket is not None and event_id in bucket:
            bucket.remove(event_id)
            self._dirty.add(number)  # type: ignore[arg-type]  # number is set when bucket is

    def _evict(self) -> None:
        for number in [n for n in self._buckets if n <= self._head - self.max_buckets]:
            for event_id in self._buckets.pop(number):
                self._seen.pop(event_id, None)
            self._dirty.discard(number)
            self._evicted.add(number)

    def take_changes(self) -> tuple[dict[int, list[str]], set[int]]:
        """Buckets changed since the last call (to write) and bucket numbers to delete."""
        dirty = {n: list(self._buckets[n]) for n in sorted(self._dirty)}
        evicted = self._evicted
        self._dirty, self._evicted = set(), set()
        return dirty, evicted

    def __len__(self) -> int:
        return len(self._seen)
