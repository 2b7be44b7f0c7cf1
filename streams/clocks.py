"""The clock stage: per-child statutory clocks and signals, alerts to ``send.alerts``.

It tails every partition of ``send.timeline`` (the child's accepted events, keyed by child)
and ``send.identity.links`` (merges), folds each entry into its child's `ChildClocks`
(`hub.clocks.fold`), and publishes the alerts that became due. A timer drives time forward
when no event arrives: every ``clock_tick_seconds`` it ticks the children whose next check
day has come, and checks each source system's freshness.

Exactly once: a batch's alerts are acknowledged by the broker first, then its state (with
the ids of the alerts raised) and the offsets it covers are written in one SQLite
transaction. A graceful restart resumes from those offsets and never raises an alert twice;
after a crash between the acks and the write, the batch is applied again and its alerts are
re-published with the same deterministic ``alert_id`` (readers keep the first).

Merges join the two children's facts; an entry re-published under another child id (an
unmerge) moves its fact to that child. One process runs this stage (``clocks_enabled``).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from hub import metrics
from hub.clocks.fold import ChildClocks, Rulebook, apply, local_day, merge, next_check, split, tick
from hub.clocks.freshness import FeedPolicy, check, observe, seconds_since_last
from hub.config import Settings
from hub.models import Alert, IdentityLink, TimelineEntry
from infra.credentials import Principal
from infra.security import connection_for
from schemas.catalogue import ALERT
from schemas.serde import Serde, default_serde, from_avro, to_avro
from streams.clock_store import ClockStore, StoreChanges
from streams.output import BatchSender

__all__ = ["ClockStage", "clock_now"]

log = logging.getLogger(__name__)


def clock_now(settings: Settings) -> Callable[[], datetime]:
    """The stage's clock: the real time, or the fixed time a test sets (``clocks_now``)."""
    fixed = settings.clocks_now
    return (lambda: fixed) if fixed is not None else (lambda: datetime.now(UTC))


class _Batch:
    """State touched by one batch or tick: loaded lazily, written together."""

    def __init__(self, store: ClockStore) -> None:
        self.store, self.changes, self.alerts = store, StoreChanges(), list[Alert]()

    def root(self, child_id: str) -> str:
        seen = {child_id}
        while parent := self.changes.parents.get(child_id) or self.store.parent(child_id):
            if parent in seen:  # a cycle cannot come from union-by-min; never loop on one
                break
            seen.add(parent)
            child_id = parent
        return child_id

    def load(self, child_id: str) -> ChildClocks:
        held = self.changes.children.get(child_id)
        if held is not None:
            return held[0]
        return self.store.child(child_id) or ChildClocks(child_id=child_id)

    def owner(self, event_id: str) -> str | None:
        return self.changes.owners.get(event_id) or self.store.owner(event_id)


class ClockStage:
    """Runs the clock stage inside the worker process (a Faust task)."""

    def __init__(
        self, settings: Settings, book: Rulebook, sender: BatchSender,
        serde: Serde | None = None, state_dir: Path | None = None,
    ) -> None:  # fmt: skip
        self.settings, self.book, self.sender = settings, book, sender
        self.serde = serde or default_serde()
        self.timeline, self.links = settings.topic("timeline"), settings.topic("identity.links")
        self.alerts_topic = settings.topic("alerts")
        # Beside the worker's tables (per Kafka cluster id: a fresh broker starts fresh state).
        folder = state_dir or Path(settings.data_dir) / "worker"
        self.store = ClockStore(folder / "clocks.sqlite3")
        self.policy = FeedPolicy(configured=dict(settings.feed_intervals))
        self.freshness = self.store.freshness()
        self.now = clock_now(settings)
        self.raised = 0

    async def run(self) -> None:
        """Follow the topics and tick forever."""
        # No group: aiokafka assigns every partition of both topics to this consumer.
        consumer = AIOKafkaConsumer(
            self.links, self.timeline,
            **connection_for(self.settings, Principal.WORKER).aiokafka(), group_id=None,
            enable_auto_commit=False, auto_offset_reset="earliest",
            isolation_level="read_committed",  # entries of aborted intake batches never count
        )  # fmt: skip
        await consumer.start()
        try:
            await self._resume(consumer)
            last_tick = 0.0
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                if batch:
                    await self.process(batch)
                if time.monotonic() - last_tick >= self.settings.clock_tick_seconds:
                    await self.tick()
                    last_tick = time.monotonic()
        finally:
            await consumer.stop()

    async def _resume(self, consumer: AIOKafkaConsumer) -> None:
        """Wait for the partitions, then seek each to the offset the state was saved with."""
        while not consumer.assignment():
            await asyncio.sleep(0.1)
        tps = consumer.assignment()
        log.info(
            "clock stage follows %d partitions of %s and %s", len(tps), self.links, self.timeline
        )
        stored = self.store.offsets()
        for tp in tps:
            if (tp.topic, tp.partition) in stored:
                consumer.seek(tp, stored[(tp.topic, tp.partition)])

    async def process(self, batch: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Apply one fetched batch, publish its alerts, then persist state and offsets."""
        work, now = _Batch(self.store), self.now()
        for tp, messages in batch.items():
            for message in messages:
                if message.value is None:
                    continue
                if tp.topic == self.links:
                    self._link(work, message.value, now)
                else:
                    self._entry(work, message.value, now)
            if messages:
                work.changes.offsets[(tp.topic, tp.partition)] = messages[-1].offset + 1
        work.changes.freshness = self.freshness
        await self._publish_and_save(work)

    def _decode(self, value: bytes, model: type[TimelineEntry] | type[IdentityLink]) -> object:
        try:
            subject, _, record = self.serde.decode(value)
            found = from_avro(record, subject)  # timeline entries embed the event's own bytes
            return found if isinstance(found, model) else None
        except Exception as exc:  # a bad record on a topic must not stop the clocks
            log.warning(
                "clock stage skipped an unreadable %s: %s", model.__name__, type(exc).__name__
            )
            return None

    def _entry(self, work: _Batch, value: bytes, now: datetime) -> None:
        entry = self._decode(value, TimelineEntry)
        if not isinstance(entry, TimelineEntry):
            return
        src = entry.event.source
        self.freshness = observe(
            self.freshness, f"{src.agency_kind.value}/{src.org_code}/{src.system}", now, self.policy
        )
        if entry.event.event_type not in self.book.needed:
            return  # no rule reads this kind of event
        child, event_id = work.root(entry.child_id), entry.event.event_id
        owner = work.owner(event_id)
        if owner is not None and (old := work.root(owner)) != child:
            kept, _ = split(work.load(old), child, lambda f: f.event_id == event_id)
            self._save(work, kept, now)  # an unmerge: the fact follows its entry
        state, raised = apply(work.load(child), entry.event, self.book, now)
        self._save(work, state, now)
        work.changes.owners[event_id] = child
        work.alerts.extend(raised)

    def _link(self, work: _Batch, value: bytes, now: datetime) -> None:
        link = self._decode(value, IdentityLink)
        if not isinstance(link, IdentityLink) or link.kind != "MERGE" or not link.merged_into:
            return
        loser, survivor = work.root(link.key.removeprefix("child:")), work.root(link.merged_into)
        if loser == survivor:
            return
        moved = work.load(loser)
        joined, raised = tick(merge(work.load(survivor), moved), self.book, now)
        self._save(work, joined, now)
        work.changes.children.pop(loser, None)
        work.changes.gone.add(loser)
        work.changes.parents[loser] = survivor
        work.changes.owned((f.event_id for f in moved.facts), survivor)
        work.alerts.extend(raised)

    def _save(self, work: _Batch, state: ChildClocks, now: datetime) -> None:
        work.changes.children[state.child_id] = (state, next_check(state, self.book, now))

    async def tick(self) -> None:
        """Raise what time alone made due: clocks of children whose day came, quiet feeds."""
        work, now = _Batch(self.store), self.now()
        for child in self.store.due(local_day(now)):
            state, raised = tick(work.load(child), self.book, now)
            self._save(work, state, now)
            work.alerts.extend(raised)
        self.freshness, quiet = check(self.freshness, now, self.policy)
        work.alerts.extend(quiet)
        work.changes.freshness = self.freshness
        await self._publish_and_save(work)
        self._gauges(now)

    async def _publish_and_save(self, work: _Batch) -> None:
        if work.alerts:
            messages = [(self._key(a), self.serde.encode(ALERT, to_avro(a))) for a in work.alerts]
            await asyncio.gather(*await self.sender.send(self.alerts_topic, messages))
            for alert in work.alerts:
                metrics.ALERTS_RAISED.labels(kind=alert.kind.value).inc()
            self.raised += len(work.alerts)
        self.store.write(work.changes)  # after the acks: see the module docstring

    @staticmethod
    def _key(alert: Alert) -> bytes:
        return (alert.child_id or alert.subject_key or alert.alert_id).encode()

    def _gauges(self, now: datetime) -> None:
        metrics.CLOCK_CHILDREN.set(self.store.count())
        for source, seconds in seconds_since_last(self.freshness, now).items():
            metrics.FEED_SECONDS_SINCE_LAST.labels(source_system=source).set(seconds)
            feed = self.freshness.feeds[source]
            quiet = feed.alerted_for_ms == feed.last_seen_ms
            metrics.FEED_QUIET.labels(source_system=source).set(1 if quiet else 0)

    def close(self) -> None:
        self.store.close()
