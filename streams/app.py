"""The Faust app: one agent over the four ingest topics, batches through `streams.pipeline`.

Per batch (``take_events``): decode → validate → dedupe → identity → timeline in plain
Python, then produce the entries, links and dead letters and *wait for the broker's acks*,
then write the batch's state to the tables, and only then commit the batch's ingest offsets
(the worker commits them itself, not Faust: see `streams.offsets`). So after a crash (even
SIGKILL) or a stop mid-batch an event is either redelivered (its outputs may be
sent again with the same ids: consumers and the timeline state are idempotent on them) or
its outputs and state are both durable. Nothing is lost and no timeline holds an entry twice.

Identity (see `streams.identity` for how it scales): the links follower keeps the crosswalk
and the matcher's index, the review follower the review book; the decision applier (its own
consumer group) applies reviewers' decisions. Ingest batches wait until both followers caught up.
"""

import asyncio
import gc
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
from faust.types import TP, EventT
from faust.types.auth import CredentialsT

from hub import metrics
from hub.config import Settings
from hub.files.clocks import load_rulebook
from hub.files.partnership import load_partnership
from hub.models import IdentityLink
from infra.acls import worker_app_id
from infra.credentials import Principal
from infra.probe import admin_client
from infra.security import KafkaConnection, connection_for
from streams.clocks import ClockStage
from streams.config import WorkerSettings
from streams.identity import ReviewMatcher
from streams.links import LinksFollower
from streams.offsets import BatchOffsets, own_read_order
from streams.output import BatchSender
from streams.pipeline import BatchResult, Pipeline, Raw, link_message
from streams.review_decisions import DecisionApplier, ReviewFollower
from streams.tables import TableState
from streams.topics import HubTopics, hub_topics

__all__ = ["HubWorker", "app_id", "create_app", "faust_credentials"]

log = logging.getLogger(__name__)


def _state_dir(settings: Settings, ws: WorkerSettings) -> Path:
    """Where RocksDB tables live: one folder per Kafka cluster id.

    Table state only makes sense with the changelogs it came from: against a new or wiped
    cluster, Faust refuses local offsets beyond the (empty) changelog's highwater and the
    worker stops. Keying the folder by cluster id makes a fresh cluster start fresh state.
    """
    base = Path(settings.data_dir) / "worker"
    if ws.store == "memory":
        return base
    with admin_client(connection_for(settings, Principal.WORKER)) as admin:
        cluster_id = str(admin.describe_cluster()["cluster_id"])
    return base / f"cluster-{cluster_id}"


def app_id(settings: Settings, ws: WorkerSettings) -> str:
    """The Faust app id: the consumer group and the prefix of the tables' changelog topics."""
    return worker_app_id(settings, ws.app_id)


def faust_credentials(connection: KafkaConnection) -> CredentialsT | None:
    """Faust's form of the worker's connection security (None: PLAINTEXT)."""
    identity = connection.sasl_identity()
    if identity is not None:
        mechanism, username, password = identity
        return faust.SASLCredentials(
            username=username, password=password, mechanism=mechanism,
            ssl_context=connection.ssl_context(),
        )  # fmt: skip
    context = connection.ssl_context()
    return faust.SSLCredentials(context) if context is not None else None


def _faust_app(settings: Settings, ws: WorkerSettings) -> faust.App:
    store = "memory://" if ws.store == "memory" else "rocksdb://"
    connection = connection_for(settings, Principal.WORKER)
    return faust.App(
        app_id(settings, ws),
        broker=[f"kafka://{host}" for host in connection.servers],
        broker_credentials=faust_credentials(connection),
        store=store,
        datadir=str(_state_dir(settings, ws)),
        topic_partitions=settings.topic_partitions,
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        table_standby_replicas=0,
        broker_commit_interval=1.0,
        # A killed worker is noticed after the session timeout; until then its partitions
        # wait. Faust's default is 60 s; 10 s keeps recovery after a crash short.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=2.0,
        stream_buffer_maxsize=max(4096, ws.batch_size * 2),
        producer_linger=0.005,
        producer_acks=-1,
    )


class HubWorker:
    """Glue between Faust and the pipeline: one instance per worker process."""

    def __init__(self, app: faust.App, settings: Settings, ws: WorkerSettings) -> None:
        self.app, self.settings, self.ws = app, settings, ws
        self.topics: HubTopics = hub_topics(settings)
        self.kafka = kafka = connection_for(settings, Principal.WORKER)
        table_opts: dict[str, Any] = {"partitions": settings.topic_partitions}
        self.state = TableState(
            app.Table("dedupe", **table_opts), app.Table("timeline", **table_opts),
            ws.dedupe_buckets,
        )  # fmt: skip
        self.pipeline = Pipeline(
            self.topics, self.state, dedupe_bucket_size=ws.dedupe_bucket_size,
            dedupe_buckets=ws.dedupe_buckets,
        )  # fmt: skip
        self.matcher = ReviewMatcher(self.pipeline.crosswalk) if ws.matching else None
        self.pipeline.matcher = self.matcher
        self.follower = LinksFollower(
            kafka, self.topics.links, self.pipeline.crosswalk,
            self.publish_links, learn=self.matcher.learn if self.matcher else None,
        )  # fmt: skip
        self.sender = BatchSender(kafka)
        self.offsets = BatchOffsets(app.consumer, app.producer.flush)  # type: ignore[arg-type]
        own_read_order(app.consumer, frozenset(self.topics.ingest))
        self.reviews, self.decisions = self._review_parts(f"{app.conf.id}-decisions")
        self.batches = 0
        self.clock_stage: ClockStage | None = None

    def _review_parts(self, group: str) -> tuple[ReviewFollower | None, DecisionApplier | None]:
        """The review follower and decision applier (only when matching is on)."""
        if self.matcher is None:
            return None, None
        bootstrap = self.kafka
        return (
            ReviewFollower(bootstrap, self.topics.review, self.matcher),
            DecisionApplier(
                bootstrap,
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

    async def handle(self, events: Sequence[EventT]) -> None:
        """One batch: process, produce and await acks, then persist state."""
        if not self.follower.ready.is_set():
            await self.follower.ready.wait()
        if self.reviews is not None and not self.reviews.ready.is_set():
            await self.reviews.ready.wait()
        app = self.app
        events = await self.offsets.admit(
            events, app.consumer_generation_id, app.flow_control.is_active()
        )
        if not events:
            return
        self.offsets.begin(events)
        try:
            await self._handle(events)
        except BaseException:
            self.offsets.abandon(events)
            raise
        self.offsets.done(events)  # outputs and state are durable: commit on the next tick

    async def _handle(self, events: Sequence[EventT]) -> None:
        started = time.perf_counter()
        raws = [_raw(event) for event in events]
        self.state.set_batch(events)
        result = self.pipeline.process(raws, datetime.now(UTC))
        await self._produce(result)
        if not self.ws.persist_timeline:
            for change in result.changes.values():
                change.timeline = {}
        self.state.write(result.changes)
        # Table writes queue in Faust's producer buffer; drain them with the batch instead
        # of letting the conductor stall (and warn) once 100 are queued.
        buffer = self.app.producer.buffer
        buffer.max_messages = max(buffer.max_messages, 4 * self.ws.batch_size)
        self.pipeline.trim(self.ws.timeline_cache_buckets)
        self._observe(result, started)
        self.batches += 1
        if self.batches % 200 == 1:
            gc.freeze()  # long-lived state so far: out of the collector's way

    async def _produce(self, result: BatchResult) -> None:
        futures = []
        for topic, messages in (
            (self.topics.links, result.links),
            (self.topics.timeline, result.timeline),
            (self.topics.deadletter, result.deadletters),
            (self.topics.review, result.reviews),
        ):
            futures.extend(await self.sender.send(topic, messages))
        # Outputs must be durable before the batch's state is: see the module docstring.
        await asyncio.gather(*futures)

    def _observe(self, result: BatchResult, started: float) -> None:
        now = time.time()
        metrics.BATCH_SECONDS.observe(time.perf_counter() - started)
        for ts in result.entry_timestamps_ms:
            if ts:
                metrics.END_TO_END_SECONDS.observe(max(0.0, now - ts / 1000))
        _count(result)
        if self.matcher is not None:
            size, oldest = self.matcher.queue_stats(datetime.now(UTC))
            metrics.REVIEW_QUEUE_SIZE.set(size)
            metrics.REVIEW_QUEUE_OLDEST_SECONDS.set(oldest)
        lag: dict[str, int] = {}
        for (topic, partition), offset in result.last_offsets.items():
            high = self.app.consumer.highwater(TP(topic, partition))
            if high is not None:
                lag[topic] = lag.get(topic, 0) + max(0, high - offset - 1)
        for topic, value in lag.items():
            metrics.CONSUMER_LAG.labels(topic=topic).set(value)


def _raw(event: EventT) -> Raw:
    m = event.message
    ts = int(m.timestamp * 1000) if m.timestamp else None
    return Raw(m.topic, m.partition, m.offset, ts, m.key, m.value or b"")


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


async def _stop_on_failed_batch(app: faust.App, exc: Exception) -> None:
    """A batch failed outside the per-message guard (the broker refused its outputs, say).

    Bad input never gets here (the pipeline dead-letters it). Restarting the agent in place
    would skip the failed batch: its ids are already in the in-memory dedupe window. So the
    worker stops with an error instead; the batch's offsets were never committed
    (`streams.offsets`), and the next worker to own its partitions processes it again.
    """
    log.critical("stopping the worker: a batch failed with %s", type(exc).__name__)
    metrics.WORKER_ERRORS.labels(stage="batch").inc()
    await app.crash(exc)


def _identity_tasks(app: faust.App, worker: HubWorker) -> None:
    """The review follower and the decision applier, when probabilistic matching is on."""
    reviews, decisions = worker.reviews, worker.decisions
    if reviews is None or decisions is None:
        return

    @app.task
    async def follow_reviews() -> None:
        await reviews.run()

    @app.task
    async def apply_decisions() -> None:
        await decisions.run(worker.follower.ready, reviews.ready)


def _clock_task(app: faust.App, worker: HubWorker) -> None:
    """The clock stage (statutory clocks, signals, feed freshness), when enabled here."""
    settings = worker.settings
    if not settings.clocks_enabled:
        return
    book = load_rulebook(settings.clock_rules_dir, settings.clock_alert_max_age_days)
    folder = Path(str(app.conf.datadir))
    stage = worker.clock_stage = ClockStage(settings, book, worker.sender, state_dir=folder)

    @app.task
    async def run_clocks() -> None:
        await stage.run()


def _intake(app: faust.App, worker: HubWorker, ws: WorkerSettings) -> None:
    """The intake agent: batches of ingest messages into `HubWorker.handle`."""
    source = app.topic(
        *worker.topics.ingest, key_type=bytes, value_type=bytes,
        key_serializer="raw", value_serializer="raw",
        acks=False,  # the worker commits these offsets itself: see streams.offsets
    )  # fmt: skip

    @app.agent(source, name="intake", concurrency=1)
    async def intake(stream: faust.StreamT) -> None:
        assert isinstance(stream, faust.Stream)  # take_events is on the concrete Stream
        try:
            async for events in stream.take_events(ws.batch_size, within=ws.batch_within):
                await worker.handle(events)
        except Exception as exc:
            await _stop_on_failed_batch(app, exc)


def _offset_hooks(app: faust.App, worker: HubWorker) -> None:
    """Commit finished batches every second, before shutdown and when partitions go."""

    @app.timer(1.0)
    async def commit_offsets() -> None:  # also when no new batch comes to commit them
        await worker.offsets.retry_gaps()
        await worker.offsets.commit_pending()

    async def stop_sender(sender: Any, *args: Any, **kwargs: Any) -> None:
        await worker.offsets.commit_pending()  # every batch that finished before the stop
        await worker.sender.stop()

    app.on_before_shutdown.connect(stop_sender)  # type: ignore[arg-type]  # mode's stub

    async def forget_revoked(sender: Any, *args: Any, **kwargs: Any) -> None:
        revoked: set[TP] = args[0] if args else kwargs.get("revoked", set())
        await worker.offsets.commit_pending()  # Faust waited for the batch in flight (begin)
        worker.pipeline.forget({tp.partition for tp in revoked if tp.topic in worker.topics.ingest})

    app.on_partitions_revoked.connect(forget_revoked)  # type: ignore[arg-type]  # mode's stub


def create_app(settings: Settings, ws: WorkerSettings) -> tuple[faust.App, HubWorker]:
    """The Faust app with its tables, the intake agent and the links-follower task."""
    app = _faust_app(settings, ws)
    worker = HubWorker(app, settings, ws)
    _intake(app, worker, ws)

    @app.task
    async def follow_links() -> None:
        await worker.follower.run()

    _identity_tasks(app, worker)
    _clock_task(app, worker)
    _offset_hooks(app, worker)
    return app, worker
