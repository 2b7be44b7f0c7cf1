"""The worker process: the intake loop plus the identity followers, as asyncio tasks.

`HubWorker` wires the parts together:

- the intake loop (`streams.intake`): consumer-group batches of the four ingest topics
  through `streams.pipeline`, each batch's outputs, state changes and input offsets committed
  in one Kafka transaction; local state (`streams.state`) restored from the changelogs;
- the links follower (`streams.links`): the crosswalk and the matcher's index, from
  ``send.identity.links``; the review follower and the decision applier
  (`streams.review_decisions`) when probabilistic matching is on;
- the clock stage (`streams.clocks`) when ``SEND_HUB_CLOCKS_ENABLED`` (one process only).

Ingest batches start only after the followers caught up, so no event is matched against a
half-loaded crosswalk. `run` returns when `stop` is called (SIGTERM) after the batch in flight
committed, and raises `BatchFailed` when a batch could not commit (the runner exits non-zero).
"""

import asyncio
import contextlib
import gc
import logging
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

from hub import metrics
from hub.config import Settings
from hub.files.clocks import load_rulebook
from hub.files.partnership import load_partnership
from hub.models import IdentityLink
from infra.acls import worker_app_id
from infra.credentials import Principal
from infra.probe import admin_client
from infra.security import connection_for
from streams.clocks import ClockStage
from streams.config import WorkerSettings
from streams.identity import ReviewMatcher
from streams.instance import claim_slot, slots_dir
from streams.intake import IntakeLoop, IntakeOptions
from streams.links import LinksFollower
from streams.output import BatchSender
from streams.pipeline import BatchResult, Pipeline, link_message
from streams.review_decisions import DecisionApplier, ReviewFollower
from streams.state import STORES, LocalState, changelog_topic
from streams.topics import HubTopics, hub_topics

__all__ = ["HubWorker", "app_id", "changelog_topics"]

log = logging.getLogger(__name__)


def app_id(settings: Settings, ws: WorkerSettings) -> str:
    """The worker's id: its consumer group, changelog and transactional id prefix."""
    return worker_app_id(settings, ws.app_id)


def changelog_topics(settings: Settings, ws: WorkerSettings) -> dict[str, str]:
    """Store name -> its compacted changelog topic."""
    return {store: changelog_topic(app_id(settings, ws), store) for store in STORES}


def _state_dir(settings: Settings, ws: WorkerSettings) -> Path:
    """Where the worker's local state lives: one folder per Kafka cluster id.

    Local state only makes sense with the topics it came from; keying the folder by cluster
    id makes a fresh or wiped cluster start from fresh local state.
    """
    base = Path(settings.data_dir) / "worker"
    if ws.store == "memory":
        return base
    with admin_client(connection_for(settings, Principal.WORKER)) as admin:
        cluster_id = str(admin.describe_cluster()["cluster_id"])
    return base / f"cluster-{cluster_id}"


class HubWorker:
    """One worker process: pipeline, state, intake loop and identity followers."""

    def __init__(self, settings: Settings, ws: WorkerSettings) -> None:
        self.settings, self.ws = settings, ws
        self.topics: HubTopics = hub_topics(settings)
        self.kafka = connection_for(settings, Principal.WORKER)
        folder = _state_dir(settings, ws)
        # The slot keeps the transactional id stable across restarts on this data dir.
        self.slot = claim_slot(slots_dir(app_id(settings, ws)))
        slot_dir = folder / app_id(settings, ws) / f"instance-{self.slot.number}"
        copy = None if ws.store == "memory" else slot_dir
        self.state = LocalState(copy, ws.dedupe_buckets)
        self.pipeline = Pipeline(
            self.topics, self.state, dedupe_bucket_size=ws.dedupe_bucket_size,
            dedupe_buckets=ws.dedupe_buckets,
        )  # fmt: skip
        self.matcher = ReviewMatcher(self.pipeline.crosswalk) if ws.matching else None
        self.pipeline.matcher = self.matcher
        self.follower = LinksFollower(
            self.kafka, self.topics.links, self.pipeline.crosswalk,
            self.publish_links, learn=self.matcher.learn if self.matcher else None,
        )  # fmt: skip
        self.sender = BatchSender(self.kafka)  # follower MERGEs and decisions (not the intake)
        self.intake = IntakeLoop(
            self.kafka, self.topics, self.pipeline, self.state, self._options(), self._observe,
            sending=self.follower.expect,
        )  # fmt: skip
        self.reviews, self.decisions = self._review_parts(f"{app_id(settings, ws)}-decisions")
        self.clock_stage = self._clock_stage(folder)

    def _clock_stage(self, folder: Path) -> ClockStage | None:
        """The clock stage (statutory clocks, signals, feed freshness), when enabled here."""
        settings = self.settings
        if not settings.clocks_enabled:
            return None
        book = load_rulebook(settings.clock_rules_dir, settings.clock_alert_max_age_days)
        return ClockStage(settings, book, self.sender, state_dir=folder)

    def _options(self) -> IntakeOptions:
        ws = self.ws
        return IntakeOptions(
            group_id=app_id(self.settings, ws),
            transactional_id=f"{app_id(self.settings, ws)}-intake-{self._instance_id()}",
            changelogs=changelog_topics(self.settings, ws),
            batch_size=ws.batch_size, batch_wait_ms=int(ws.batch_within * 1000),
            cache_buckets=ws.timeline_cache_buckets, persist_timeline=ws.persist_timeline,
        )  # fmt: skip

    def _instance_id(self) -> str:
        """``SEND_HUB_WORKER_INSTANCE_ID``, else this host's name and the worker's slot on it."""
        return self.ws.instance_id or f"{socket.gethostname()}-{self.slot.number}"

    def _review_parts(self, group: str) -> tuple[ReviewFollower | None, DecisionApplier | None]:
        """The review follower and decision applier (only when matching is on)."""
        if self.matcher is None:
            return None, None
        return (
            ReviewFollower(self.kafka, self.topics.review, self.matcher),
            DecisionApplier(
                self.kafka,
                self.topics,
                group,
                self.pipeline,
                self.matcher,
                self.sender,
                load_partnership(self.settings.partnership_file),
            ),
        )

    async def publish_links(self, links: list[IdentityLink]) -> None:
        """Publish reconciliation MERGEs found by the follower (and wait for the acks)."""
        messages = [link_message(link) for link in links]
        await asyncio.gather(*await self.sender.send(self.topics.links, messages))
        metrics.IDENTITY_MERGES.inc(sum(1 for link in links if link.kind == "MERGE"))

    def stop(self) -> None:
        """Stop after the batch in flight (signal handler)."""
        self.intake.stop()

    async def run(self) -> None:
        """Followers first, then the intake loop until `stop`; `BatchFailed` on a failed batch."""
        side = [asyncio.create_task(self.follower.run(), name="links")]
        if self.reviews is not None and self.decisions is not None:
            side.append(asyncio.create_task(self.reviews.run(), name="reviews"))
            side.append(asyncio.create_task(
                self.decisions.run(self.follower.ready, self.reviews.ready), name="decisions"
            ))  # fmt: skip
        if self.clock_stage is not None:
            side.append(asyncio.create_task(self.clock_stage.run(), name="clocks"))
        try:
            await self._wait_followers(side)
            await self.intake.run()
        finally:
            for task in side:
                task.cancel()
            for task in side:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self.sender.stop()
            self.state.close()
            self.slot.release()

    async def _wait_followers(self, side: list[asyncio.Task[None]]) -> None:
        """Until every follower caught up; a follower that fails stops the worker."""
        events = [self.follower.ready] + ([self.reviews.ready] if self.reviews else [])
        for event in events:
            waiter = asyncio.create_task(event.wait())
            done, _ = await asyncio.wait([waiter, *side], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not waiter:
                    waiter.cancel()
                    task.result()  # re-raises the follower's error
                    raise RuntimeError(f"follower {task.get_name()} ended early")

    def _observe(self, result: BatchResult, started: float) -> None:
        now = time.time()
        metrics.BATCH_SECONDS.observe(asyncio.get_running_loop().time() - started)
        for ts in result.entry_timestamps_ms:
            if ts:
                metrics.END_TO_END_SECONDS.observe(max(0.0, now - ts / 1000))
        _count(result)
        if self.matcher is not None:
            size, oldest = self.matcher.queue_stats(datetime.now(UTC))
            metrics.REVIEW_QUEUE_SIZE.set(size)
            metrics.REVIEW_QUEUE_OLDEST_SECONDS.set(oldest)
        self._lag()
        if self.intake.batches % 200 == 1:
            gc.freeze()  # long-lived state so far: out of the collector's way

    def _lag(self) -> None:
        for topic, value in self.intake.lag().items():
            metrics.CONSUMER_LAG.labels(topic=topic).set(value)


def _count(result: BatchResult) -> None:
    simple = {
        "ingested": metrics.EVENTS_INGESTED, "validated": metrics.EVENTS_VALIDATED,
        "duplicate": metrics.EVENTS_DUPLICATE, "entry": metrics.TIMELINE_ENTRIES,
    }  # fmt: skip
    for (name, label), n in result.counts.items():
        if name in simple:
            simple[name].labels(agency_kind=label).inc(n)
        elif name == "match":
            metrics.MATCH_OUTCOMES.labels(outcome=label).inc(n)
        elif name == "merge":
            metrics.IDENTITY_MERGES.inc(n)
        elif name == "deadletter":
            kind, _, reason = label.partition("|")
            metrics.EVENTS_DEADLETTERED.labels(agency_kind=kind, reason=reason).inc(n)
        elif name == "error":
            metrics.WORKER_ERRORS.labels(stage=label).inc(n)
