"""One batch of ingest messages through the hub: decode, validate, dedupe, identity, timeline.

This is the whole per-event path, in plain Python so it runs (and is measured) without Faust:
the Faust agent hands it raw messages and gets back the bytes to produce and the state to
persist. Every message either becomes one timeline entry, is dropped as a duplicate, or is
dead-lettered with its reason and original bytes; an unexpected error is caught per message,
counted and dead-lettered, never raised.

State (all per source partition except the crosswalk): a dedupe window and timeline buckets
keyed ``<partition>|<child>|<YYYY-MM>`` (a partition owns its buckets, so a rebalance moves
them with the partition). Persisted state is loaded lazily through `StateLoader`.

With a `ReviewMatcher` the identity step also raises review items (``reviews``) and puts the
record's `PersonSnapshot` on its ``src:`` link. An unmerge schedules timeline moves
(`Pipeline.schedule_move`); they are applied when the partition is next in a batch, because
the tables can only be written while one of that partition's events is current.
"""

import gc
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

from hub.errors import DecodeError
from hub.identity.crosswalk import Crosswalk
from hub.identity.resolve import Matcher, Resolution, resolve
from hub.intake.deadletter import dead_letter_id
from hub.intake.dedupe import DedupeWindow
from hub.intake.validate import DEFAULT_POLICY, Accepted, IntakePolicy, Rejected, validate
from hub.models import DeadLetter, IdentityLink, MatchInfo
from hub.models.timeline import EntryFlag
from hub.timeline.buckets import TimelineItem, TimelineState, bucket_key
from hub.timeline.summary import summarise
from schemas.catalogue import DEADLETTER, EVENT, IDENTITY_LINK
from schemas.serde import (
    DecodeMemo,
    Serde,
    TimelineWriter,
    default_serde,
    encode_model,
    to_avro,
)
from streams.identity import ReviewMatcher
from streams.topics import HubTopics

__all__ = ["BatchResult", "Pipeline", "Raw", "StateLoader", "link_message"]


class Raw(NamedTuple):
    """One ingest message as the consumer saw it."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes


class StateLoader(Protocol):
    """Reads persisted state (the worker's tables) when a partition or bucket is first used."""

    def dedupe_buckets(self, partition: int) -> Iterable[tuple[int, list[str]]]: ...

    def timeline_bucket(self, partition: int, key: str) -> list[TimelineItem] | None: ...


@dataclass
class PartitionChanges:
    """State to persist for one partition after a batch."""

    dedupe: dict[int, list[str]] = field(default_factory=dict)
    dedupe_evicted: set[int] = field(default_factory=set)
    timeline: dict[str, list[TimelineItem]] = field(default_factory=dict)


@dataclass
class BatchResult:
    """What a batch produced: messages to send, state to write, counts for metrics."""

    timeline: list[tuple[bytes, bytes]] = field(default_factory=list)
    links: list[tuple[bytes, bytes]] = field(default_factory=list)
    deadletters: list[tuple[bytes, bytes]] = field(default_factory=list)
    reviews: list[tuple[bytes, bytes]] = field(default_factory=list)
    entry_timestamps_ms: list[int] = field(default_factory=list)
    changes: dict[int, PartitionChanges] = field(default_factory=dict)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    last_offsets: dict[tuple[str, int], int] = field(default_factory=dict)


def link_message(link: IdentityLink, serde: Serde | None = None) -> tuple[bytes, bytes]:
    """(key, value) of a link on ``send.identity.links``."""
    record = to_avro(link)
    return link.key.encode(), (serde or default_serde()).encode(IDENTITY_LINK, record)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch runs.

    A batch allocates a score of dicts and tuples per event and frees nearly all of them by
    reference counting, but the allocations alone set the collector off about ten times per
    batch, and now and then for a full pass over the whole crosswalk, index and timeline
    state: 10-15% of the core's time (bench/pipeline_core.py). Nothing here makes cycles
    but an exception's traceback, which waits until the batch ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


Move = tuple[str, int, str, str]  # (old child, occurred ms, entry id, new child)


class Pipeline:
    """Runs batches through the hub stages; holds the in-memory state of this worker."""

    def __init__(
        self,
        topics: HubTopics,
        loader: StateLoader,
        *,
        crosswalk: Crosswalk | None = None,
        matcher: Matcher | None = None,
        policy: IntakePolicy = DEFAULT_POLICY,
        dedupe_bucket_size: int = 1024,
        dedupe_buckets: int = 64,
        serde: Serde | None = None,
    ) -> None:
        self.topics, self.loader, self.matcher, self.policy = topics, loader, matcher, policy
        self.crosswalk = crosswalk if crosswalk is not None else Crosswalk()
        self.serde = serde or default_serde()
        self.entries = TimelineWriter(self.serde)
        self.memo = DecodeMemo()  # a person's subject and common event tails, decoded once
        # Events share their times, and the memo hands out one datetime per time.
        self._millis = lru_cache(maxsize=65_536)(_ms)
        self._window_shape = (dedupe_bucket_size, dedupe_buckets)
        self.windows: dict[int, DedupeWindow] = {}
        self.timelines: dict[int, TimelineState] = {}
        self.pending_moves: dict[int, list[Move]] = {}

    def schedule_move(self, partition: int, move: Move) -> None:
        """Move an entry between children in ``partition``'s state at its next batch."""
        self.pending_moves.setdefault(partition, []).append(move)

    def _apply_moves(self, partitions: set[int]) -> None:
        for partition in partitions & set(self.pending_moves):
            for old, occurred_ms, entry_id, new in self.pending_moves.pop(partition):
                self._ensure_bucket(partition, old, occurred_ms)
                self._ensure_bucket(partition, new, occurred_ms)
                self.timeline(partition).move({entry_id}, [old], new)

    def window(self, partition: int) -> DedupeWindow:
        window = self.windows.get(partition)
        if window is None:
            window = self.windows[partition] = DedupeWindow(*self._window_shape)
            for number, ids in self.loader.dedupe_buckets(partition):
                window.load(number, ids)
            window.take_changes()  # what was loaded is already persisted
        return window

    def timeline(self, partition: int) -> TimelineState:
        state = self.timelines.get(partition)
        if state is None:
            state = self.timelines[partition] = TimelineState()
        return state

    def process(self, records: Sequence[Raw], now: datetime) -> BatchResult:
        """Run one batch; never raises for a bad message."""
        out = BatchResult()
        with _collector_paused():
            if self.pending_moves:
                self._apply_moves({raw.partition for raw in records})
            for raw in records:
                out.last_offsets[(raw.topic, raw.partition)] = raw.offset
                self._one(raw, now, out)
            self._collect_changes(out)
        return out

    def _one(self, raw: Raw, now: datetime, out: BatchResult) -> None:
        kind = self.topics.agency_of(raw.topic)
        out.counts[("ingested", kind)] += 1
        event_id = None
        try:
            subject, _, record = self.serde.decode(raw.value, None, self.memo)
            if subject != EVENT:
                self._reject(raw, Rejected("not_an_event", f"a {subject} record"), now, out)
                return
            event_id = record["event_id"]
            verdict = validate(record, now, self.policy)
            if isinstance(verdict, Rejected):
                self._reject(raw, verdict, now, out, record)
                return
            self._accept(raw, verdict, now, out, kind)
        except DecodeError as exc:
            self._reject(raw, Rejected("decode", str(exc), type(exc).__name__), now, out)
        except Exception as exc:  # a bug must not stop the worker: count and dead-letter
            if event_id is not None:
                self.window(raw.partition).discard(event_id)  # so a replay is not a duplicate
            out.counts[("error", "pipeline")] += 1
            detail = f"unexpected {type(exc).__name__} while processing"
            self._reject(raw, Rejected("internal_error", detail, type(exc).__name__), now, out)

    def _accept(self, raw: Raw, ok: Accepted, now: datetime, out: BatchResult, kind: str) -> None:
        event = ok.event
        out.counts[("validated", kind)] += 1
        if not self.window(raw.partition).add(event["event_id"]):
            out.counts[("duplicate", kind)] += 1
            return
        _, res = resolve(self.crosswalk, event, ok.keys, now, self.matcher)
        out.counts[("match", res.match.outcome)] += 1
        if res.links or res.proposal is not None:  # else no link and no review: most events
            self._publish_identity(event, res, now, out)
        millis = self._millis
        item = TimelineItem(
            millis(event["occurred_at"]), millis(event["recorded_at"]), event["event_id"],
            f"{raw.topic}:{raw.partition}:{raw.offset}",
        )  # fmt: skip
        if not self._add_to_timeline(raw.partition, res.child_id, item):
            out.counts[("duplicate", kind)] += 1  # beyond the dedupe window, same entry
            return
        flags = (*ok.flags, *res.flags)
        out.timeline.append(self._entry(raw, event, res.child_id, res.match, flags, now))
        out.entry_timestamps_ms.append(raw.timestamp_ms or 0)
        out.counts[("entry", kind)] += 1

    def _publish_identity(
        self, event: Any, res: Resolution, now: datetime, out: BatchResult
    ) -> None:
        for link in self._identity_outputs(event, res, now, out):
            out.links.append(link_message(link, self.serde))
            if link.kind == "MERGE":
                out.counts[("merge", "")] += 1

    def _identity_outputs(
        self, event: Any, res: Resolution, now: datetime, out: BatchResult
    ) -> list[IdentityLink]:
        """The links to publish (``src:`` ones with the record's snapshot); review items."""
        matcher = self.matcher
        if not isinstance(matcher, ReviewMatcher):
            return list(res.links)
        item = matcher.review_for(event, res, now)
        if item is not None:
            out.reviews.append((item.review_id.encode(), encode_model(item)))
            out.counts[("review", "")] += 1
        people = matcher.people
        return [
            link.model_copy(update={"person": people.get(link.key)})
            if link.key.startswith("src:") else link
            for link in res.links
        ]  # fmt: skip

    def _ensure_bucket(self, partition: int, child_id: str, occurred_ms: int) -> str:
        """Load the bucket ``child_id``'s entry at ``occurred_ms`` goes in; returns its key."""
        state = self.timeline(partition)
        key = bucket_key(child_id, occurred_ms)
        if key not in state.buckets:
            self._load_bucket(state, partition, key)
        return key

    def _load_bucket(self, state: TimelineState, partition: int, key: str) -> None:
        stored = self.loader.timeline_bucket(partition, key)
        if stored:
            state.load(key, stored)

    def _add_to_timeline(self, partition: int, child_id: str, item: TimelineItem) -> bool:
        state = self.timeline(partition)
        key = bucket_key(child_id, item.occurred_ms)
        if key not in state.buckets:
            self._load_bucket(state, partition, key)
        return state.add(child_id, item, key)

    def _entry(
        self,
        raw: Raw,
        event: Any,
        child_id: str,
        match: MatchInfo,
        flags: tuple[EntryFlag, ...],
        now: datetime,
    ) -> tuple[bytes, bytes]:
        event_id = event["event_id"]
        summary = summarise(event["event_type"], event.get("payload"))
        where = (event_id, raw.topic, raw.partition, raw.offset)
        # raw.value: the entry carries the event's original bytes, never a re-encode
        value = self.entries.encode(
            event_id, child_id, raw.value, summary, where, match, flags, now
        )  # fmt: skip
        return child_id.encode(), value

    def _reject(
        self,
        raw: Raw,
        why: Rejected,
        now: datetime,
        out: BatchResult,
        record: Any = None,
    ) -> None:
        kind = self.topics.agency_of(raw.topic)
        out.counts[("deadletter", f"{kind}|{why.reason}")] += 1
        dl_id = dead_letter_id(raw.topic, raw.partition, raw.offset)
        when = None if raw.timestamp_ms is None else raw.timestamp_ms / 1000
        dead = DeadLetter.model_construct(
            dead_letter_id=dl_id, reason=why.reason, error_class=why.error_class,
            detail=why.detail, source_topic=raw.topic, source_partition=raw.partition,
            source_offset=raw.offset,
            source_timestamp=None if when is None else datetime.fromtimestamp(when, now.tzinfo),
            original_key=raw.key, original_value=raw.value,
            event_id=record.get("event_id") if record else None,
            agency_kind=kind, dead_lettered_at=now,
        )  # fmt: skip
        out.deadletters.append((dl_id.encode(), self.serde.encode(DEADLETTER, to_avro(dead))))

    def _collect_changes(self, out: BatchResult) -> None:
        for partition, window in self.windows.items():
            dirty, evicted = window.take_changes()
            if dirty or evicted:
                changes = out.changes.setdefault(partition, PartitionChanges())
                changes.dedupe, changes.dedupe_evicted = dirty, evicted
        for partition, state in self.timelines.items():
            buckets = state.take_dirty()
            if buckets:
                out.changes.setdefault(partition, PartitionChanges()).timeline = buckets

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop the in-memory state of partitions this worker no longer owns.

        Another worker carries on from the tables; if a partition comes back, its state is
        reloaded from them rather than trusted from a stale copy here.
        """
        for partition in partitions:
            self.windows.pop(partition, None)
            self.timelines.pop(partition, None)

    def cached_buckets(self) -> int:
        """Timeline buckets held in memory, all partitions."""
        return sum(len(state.buckets) for state in self.timelines.values())

    def trim(self, max_buckets: int, pending: Mapping[int, Collection[str]] | None = None) -> None:
        """Forget clean timeline buckets beyond ``max_buckets`` (they reload on demand).

        ``pending``: per partition, buckets changed by batches whose state is not stored yet
        (their transactions have not committed): they stay, or a reload would miss items.
        """
        share = max_buckets // max(1, len(self.timelines))
        for partition, state in self.timelines.items():
            state.evict(share, (pending or {}).get(partition, ()))
