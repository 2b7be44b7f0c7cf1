"""Applies reviewers' decisions in the worker, and follows the review topic.

`ReviewFollower` (every worker, no consumer group) reads ``send.identity.review`` from the
start into the `ReviewMatcher`: raised items (so a pair is raised once) and decided ones
(so a NOT_A_MATCH pair is never asked again nor auto-linked, after a restart too).

`DecisionApplier` (one consumer group, so each decision goes to one worker) reads
``send.identity.decisions`` once the crosswalk and the review book have caught up, checks each
decision with `hub.identity.trust.judge` (a known OPEN item, the first decision wins, a signed
reviewer involved with both children, an approved unmerge; a refusal is counted, audited and
applies nothing), applies an accepted one with `hub.identity.review.apply_decision`,
publishes the MERGE/UNMERGE links, the DECIDED review item and — for an unmerge — every
affected timeline entry again with the new child id (same ``entry_id``, so consumers
re-project), waits for the acks and only then commits. A decision redelivered after a crash
changes nothing the second time (its item is DECIDED by then: refused, counted as such).
Unmerge finds the entries by reading ``send.timeline`` to its end (a rare, operator-driven
action: cost is one pass over the topic) and schedules the move in this worker's timeline
state.
"""

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.identity.involvement import Partnership
from hub.identity.review import Applied, apply_decision, record_key
from hub.identity.trust import Refusal, judge
from hub.intake.validate import source_key
from hub.models import IdentityReviewDecision, ReviewItem
from infra.security import KafkaConnection, as_connection
from schemas.catalogue import TIMELINE_ENTRY
from schemas.serde import Serde, default_serde, encode_model
from streams.identity import ReviewMatcher
from streams.links import TopicFollower
from streams.output import BatchSender
from streams.pipeline import Pipeline, link_message
from streams.topics import HubTopics
from streams.trusted import involvement, refusal_audit

__all__ = ["DecisionApplier", "ReviewFollower", "read_to_end"]

log = logging.getLogger(__name__)


class ReviewFollower(TopicFollower):
    """Tails the review topic into the matcher's review book."""

    def __init__(
        self, bootstrap: KafkaConnection | str, topic: str, matcher: ReviewMatcher
    ) -> None:
        super().__init__(bootstrap, topic)
        self.matcher = matcher

    async def _apply(self, values: list[bytes]) -> None:
        for value in values:
            try:
                item = ReviewItem.model_validate(self.serde.decode(value).record)
            except Exception as exc:  # a bad record must not stop the follower
                log.warning("skipping unreadable review item: %s", type(exc).__name__)
                continue
            self.matcher.remember(item)
            self.applied += 1


async def read_to_end(
    bootstrap: KafkaConnection | str, topic: str, timeout_s: float = 60.0
) -> list[Any]:
    """Every record of ``topic`` up to its end offsets once assigned (all partitions)."""
    consumer = AIOKafkaConsumer(
        topic, **as_connection(bootstrap).aiokafka(), group_id=None, enable_auto_commit=False,
        auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    out: list[Any] = []
    ends: dict[TopicPartition, int] | None = None
    try:
        async with asyncio.timeout(timeout_s):
            while ends is None or await _behind(consumer, ends):
                batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
                for messages in batch.values():
                    out.extend(messages)
                if ends is None and consumer.assignment():
                    ends = await consumer.end_offsets(list(consumer.assignment()))
    finally:
        await consumer.stop()
    assert ends is not None
    return [m for m in out if m.offset < ends.get(TopicPartition(m.topic, m.partition), 0)]


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


class DecisionApplier:
    """Consumes decisions (consumer group), applies them once in effect, publishes results."""

    def __init__(
        self, bootstrap: KafkaConnection | str, topics: HubTopics, group_id: str,
        pipeline: Pipeline, matcher: ReviewMatcher, sender: BatchSender,
        partnership: Partnership | None = None,
    ) -> None:  # fmt: skip
        self.bootstrap, self.topics, self.group_id = bootstrap, topics, group_id
        self.pipeline, self.matcher, self.sender = pipeline, matcher, sender
        self.partnership = partnership
        if partnership is None:
            log.warning("no SEND_HUB_PARTNERSHIP_FILE: only a reviewer whose organisation holds a"
                        " record of both children may decide; others are refused")  # fmt: skip
        self.serde: Serde = default_serde()
        self.applied = self.refused = 0

    async def run(self, *ready: asyncio.Event) -> None:
        """Apply decisions forever (a Faust task), after the followers are ready."""
        for event in ready:
            await event.wait()
        consumer = AIOKafkaConsumer(
            self.topics.decisions, **as_connection(self.bootstrap).aiokafka(),
            group_id=self.group_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
        )  # fmt: skip
        await consumer.start()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=300, max_records=100)
                for messages in batch.values():
                    for message in messages:
                        await self._apply_logged(message.value)
                if batch:
                    await consumer.commit()  # only after every output was acknowledged
        finally:
            await consumer.stop()

    async def _apply_logged(self, value: bytes | None) -> None:
        try:
            await self.apply(value)
        except Exception:  # a bug must not stop decisions: logged, then the next one
            log.exception("identity decision failed")

    async def apply(self, value: bytes | None) -> None:
        """Apply one decision and wait for its outputs' acks; a bad record is logged."""
        try:
            decision = IdentityReviewDecision.model_validate(self.serde.decode(value or b"").record)
        except Exception as exc:
            log.warning("skipping unreadable identity decision: %s", type(exc).__name__)
            return
        now = datetime.now(UTC)
        item = self.matcher.reviews.get(decision.review_id)
        if not await self._trusted(decision, item, now):
            return
        done = apply_decision(self.pipeline.crosswalk, decision, item, self.matcher.people, now)
        if done.refused:
            log.warning("decision %s: LINK refused (different NHS numbers)", decision.review_id)
        if done.not_a_match:
            self.matcher.not_a_match.add(done.not_a_match)
        if done.decided is not None:
            self.matcher.remember(done.decided)
        entries = await self._unmerged_entries(done, now) if done.moved else []
        await self._publish(done, entries)
        self.applied += 1

    async def _trusted(
        self, decision: IdentityReviewDecision, item: ReviewItem | None, now: datetime
    ) -> bool:
        """Judge ``decision``; a refusal is counted and audited (acked) and applies nothing."""
        key = record_key(decision.records[0], self.matcher.people)
        involved = involvement(self.pipeline.crosswalk, self.partnership)
        verdict = judge(decision, item, key, involved)
        if verdict.accepted:
            return True
        if verdict.refusal is Refusal.UNAPPROVED and decision.approver is None:
            log.info("unmerge %s waits for a second reviewer", decision.review_id)
            return False  # a request, not an attempt: its approval comes as its own record
        log.warning("identity decision refused (%s): %s", verdict.refusal, verdict.why)
        futures = await self.sender.send(self.topics.audit, refusal_audit(decision, verdict, now))
        await asyncio.gather(*futures)
        self.refused += 1
        return False

    async def _publish(self, done: Applied, entries: list[tuple[bytes, bytes]]) -> None:
        futures = await self.sender.send(
            self.topics.links, [link_message(link, self.serde) for link in done.links]
        )
        if done.decided is not None:
            item = done.decided
            futures += await self.sender.send(
                self.topics.review, [(item.review_id.encode(), encode_model(item))]
            )
        futures += await self.sender.send(self.topics.timeline, entries)
        await asyncio.gather(*futures)

    async def _unmerged_entries(self, done: Applied, now: datetime) -> list[tuple[bytes, bytes]]:
        """The moved records' timeline entries, re-keyed to the new child; moves scheduled."""
        assert done.new_child is not None and done.old_child is not None
        index = self.matcher.inner.index
        for key in done.moved:
            if index.child_of(key) is not None:
                index.reassign(key, done.new_child)
        members = self.pipeline.crosswalk.members(done.old_child)
        latest: dict[str, dict[str, Any]] = {}
        for message in await read_to_end(self.bootstrap, self.topics.timeline):
            record = self.serde.decode(message.value).record
            event = self.serde.decode(record["event"]).record
            if source_key(event["source"], event["subject"]) in done.moved:
                latest[record["entry_id"]] = record | {"_occurred": event["occurred_at"]}
        out = []
        for entry_id, record in latest.items():
            if record["child_id"] not in members:
                continue
            occurred_ms = int(record.pop("_occurred").timestamp() * 1000)
            move = (record["child_id"], occurred_ms, entry_id, done.new_child)
            self.pipeline.schedule_move(record["provenance"]["partition"], move)
            record |= {"child_id": done.new_child, "published_at": now}
            out.append((done.new_child.encode(), self.serde.encode(TIMELINE_ENTRY, record)))
        return out
