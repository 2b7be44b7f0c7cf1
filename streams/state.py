"""The worker's local state: a cache of its compacted changelog topics, per source partition.

Two stores, each with a compacted changelog topic whose partition p holds the state of
ingest partition p (so a rebalance moves the state with the partition):

- ``dedupe``: ``<p>|head`` -> newest bucket number, ``<p>|dd|<n>`` -> event ids of bucket n;
- ``timeline``: ``<p>|<child>|<YYYY-MM>`` -> the bucket's items.

The changelog is the truth; the local copy (rocksdict on disk, or a dict with
``SEND_HUB_WORKER_STORE=memory``) only saves re-reading it. A batch's state changes are
produced to the changelogs in the batch's Kafka transaction (`changelog_messages`) and
written to the local copy only after that transaction committed (`LocalState.write`), so the
local copy never holds state a reader of the changelog would not see. On assignment a
partition is caught up from its changelogs (`restore_partition`) from the offset the local
copy had reached (kept under ``<p>|ckpt|<store>``) to the end visible to a ``read_committed``
reader; a worker that crashed after a commit but before its local write re-reads it there.

Values are JSON: lists of event ids, lists of ``[occurred_ms, recorded_ms, entry_id, ref]``.
"""

import json
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka import Message as ConsumerMessage

from hub.errors import InfraError
from hub.timeline.buckets import TimelineItem
from streams.pipeline import PartitionChanges

__all__ = ["STORES", "LocalState", "changelog_messages", "changelog_topic", "restore_partition"]

log = logging.getLogger(__name__)
STORES = ("dedupe", "timeline")
Message = tuple[bytes, bytes | None]  # key, value (None: a tombstone)
_TIMEOUT_S = 30.0  # one broker round trip (end offsets)
_RESTORE_LIMIT_S = 600.0  # one partition's catch-up; beyond it something is wrong
_RESTORE_BATCH = 20_000


def changelog_topic(app_id: str, store: str) -> str:
    """``<app id>-state-<store>``: the compacted changelog topic of one store."""
    return f"{app_id}-state-{store}"


class _KV(Protocol):
    def get(self, key: bytes) -> Any: ...

    def keys(self, *, from_key: bytes) -> Iterable[bytes]: ...

    def __setitem__(self, key: bytes, value: bytes) -> None: ...

    def __delitem__(self, key: bytes) -> None: ...


class _Memory(dict[bytes, bytes]):
    """The in-memory store, with rocksdict's forgiving delete and ordered key scan."""

    def __delitem__(self, key: bytes) -> None:
        self.pop(key, None)

    def keys(self, *, from_key: bytes = b"") -> Iterable[bytes]:  # type: ignore[override]
        return sorted(k for k in dict.__iter__(self) if k >= from_key)


def _open(path: Path | None) -> _KV:
    """A rocksdict database in raw (bytes) mode at ``path``; a dict when ``path`` is None."""
    if path is None:
        return _Memory()
    from rocksdict import Options, Rdict  # imported here: the memory store does not need it

    path.mkdir(parents=True, exist_ok=True)
    db: _KV = Rdict(str(path), Options(raw_mode=True))  # type: ignore[assignment]
    return db


def changelog_messages(partition: int, change: PartitionChanges) -> dict[str, list[Message]]:
    """One partition's batch changes as changelog records, per store."""
    p = str(partition)
    dedupe: list[Message] = [
        (f"{p}|dd|{n}".encode(), json.dumps(ids).encode()) for n, ids in change.dedupe.items()
    ]
    if change.dedupe:
        dedupe.append((f"{p}|head".encode(), str(max(change.dedupe)).encode()))
    dedupe += [(f"{p}|dd|{n}".encode(), None) for n in change.dedupe_evicted]
    timeline: list[Message] = [
        (f"{p}|{key}".encode(), json.dumps(items, separators=(",", ":")).encode())
        for key, items in change.timeline.items()
    ]
    return {"dedupe": dedupe, "timeline": timeline}


class LocalState:
    """`StateLoader` over the local copy, plus writes after commit and restore checkpoints."""

    def __init__(self, path: Path | None, window_buckets: int) -> None:
        self.db = _open(path)
        self.window_buckets = window_buckets

    def dedupe_buckets(self, partition: int) -> Iterable[tuple[int, list[str]]]:
        head = self.db.get(f"{partition}|head".encode())
        if head is None:
            return []
        found = []
        top = int(head)
        for number in range(max(0, top - self.window_buckets + 1), top + 1):
            ids = self.db.get(f"{partition}|dd|{number}".encode())
            if ids:
                found.append((number, json.loads(ids)))
        return found

    def timeline_bucket(self, partition: int, key: str) -> list[TimelineItem] | None:
        items = self.db.get(f"{partition}|{key}".encode())
        return [TimelineItem(*item) for item in json.loads(items)] if items else None

    def write(self, messages: Iterable[Message]) -> None:
        """Apply committed changelog records (both stores share one key space)."""
        db = self.db
        for key, value in messages:
            if value is None:
                del db[key]
            else:
                db[key] = value

    def checkpoint(self, partition: int, store: str) -> int:
        value = self.db.get(f"{partition}|ckpt|{store}".encode())
        return int(value) if value is not None else 0

    def set_checkpoint(self, partition: int, store: str, offset: int) -> None:
        self.db[f"{partition}|ckpt|{store}".encode()] = str(offset).encode()

    def purge(self, partition: int) -> int:
        """Forget everything held for ``partition`` (its changelog no longer matches it)."""
        prefix = f"{partition}|".encode()
        doomed = []
        for key in self.db.keys(from_key=prefix):
            if not key.startswith(prefix):
                break
            doomed.append(key)
        for key in doomed:
            del self.db[key]
        return len(doomed)

    def close(self) -> None:
        close = getattr(self.db, "close", None)
        if close is not None:
            close()


def restore_partition(
    state: LocalState, consumer: Consumer, topics: dict[str, str], partition: int
) -> int:
    """Catch ``partition`` of every store up from its changelog; returns records applied.

    ``consumer`` is a ``read_committed`` consumer used only by assignment (aborted records are
    skipped) with partition-end events on, so the end is the last committed record, past the
    transaction markers. A checkpoint beyond the changelog's end (the topic was recreated)
    restarts the partition from 0. Blocking: the worker runs it in a thread.
    """
    tps = {store: TopicPartition(topic, partition) for store, topic in topics.items()}
    ends = {
        store: consumer.get_watermark_offsets(tp, timeout=_TIMEOUT_S, cached=False)[1]
        for store, tp in tps.items()
    }  # fmt: skip
    if any(state.checkpoint(partition, store) > ends[store] for store in tps):
        log.warning("changelogs of partition %d are behind the local copy: rebuilt", partition)
        state.purge(partition)
    starts = {store: state.checkpoint(partition, store) for store in tps}
    todo = {store: tp for store, tp in tps.items() if starts[store] < ends[store]}
    if not todo:
        return 0  # empty or caught-up changelogs: no fetch round trip
    consumer.assign([TopicPartition(tp.topic, partition, starts[s]) for s, tp in todo.items()])
    try:
        topics_todo = {tp.topic for tp in todo.values()}
        applied, ends_seen = _read_to_end(state, consumer, topics_todo, partition)
    finally:
        consumer.unassign()
    for store, tp in todo.items():
        state.set_checkpoint(partition, store, ends_seen.get(tp.topic, starts[store]))
    return applied


def _read_to_end(
    state: LocalState, consumer: Consumer, topics: set[str], partition: int
) -> tuple[int, dict[str, int]]:
    """Apply records until every topic in ``topics`` reported ``partition``'s end.

    Returns the records applied and, per topic that had any, the offset after the last one:
    where the next restore starts. Neither the end event's offset nor the consumer's position
    after it is that offset when transaction markers and aborted records sit at the end
    (measured: both were off), so they are not used.
    """
    applied, nexts, ended = 0, dict[str, int](), set[str]()
    deadline = time.monotonic() + _RESTORE_LIMIT_S
    while ended != topics:
        if time.monotonic() > deadline:
            late = sorted(topics - ended)
            raise InfraError(f"restoring state from {late} took over {_RESTORE_LIMIT_S} s")
        records: list[Message] = []
        for message in consumer.consume(_RESTORE_BATCH, 0.5):
            if message.partition() not in (partition, -1):
                continue  # left over from the previous partition's restore
            if _is_end(message):
                ended.add(message.topic())
            elif message.error() is None:
                nexts[message.topic()] = message.offset() + 1
                if message.key() is not None:
                    records.append((message.key(), message.value()))
        state.write(records)
        applied += len(records)
    return applied, nexts


def _is_end(message: ConsumerMessage) -> bool:
    """Whether ``message`` is a partition's end event; raises on a fatal error."""
    error = message.error()
    if error is None:
        return False
    if error.code() == KafkaError._PARTITION_EOF:  # a documented public code name
        return True
    if error.fatal():
        raise InfraError(f"restoring state from {message.topic()}: {error.str()}")
    log.warning("restoring state: %s", error.str())  # the client retries by itself
    return False
