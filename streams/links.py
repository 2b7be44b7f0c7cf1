"""Keeps this worker's crosswalk in step with ``send.identity.links`` (every worker's links).

The compacted links topic is the crosswalk's log: every worker reads all of its partitions
from the beginning (no consumer group), so a link written by any worker becomes visible to
all, and a restarted worker rebuilds its crosswalk before it processes any event. When a link
read back disagrees with what this worker knows (two workers created two children for one
person), `Crosswalk.apply` merges them and the MERGE is published — every worker that sees
the disagreement publishes the same MERGE, which is harmless (same key, same value).

This plays the part of a Faust GlobalTable, but keeps the topic in the public Avro contract
and gives the reconciliation a hook on every remote link. `TopicFollower` is the generic
part (read every partition from the start, ``ready`` once caught up), also used for the
review topic; ``learn`` hands each link to the matcher so it files the record's snapshot.
"""

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from hub.identity.crosswalk import Crosswalk
from hub.models import IdentityLink
from infra.security import KafkaConnection, as_connection
from schemas.serde import Serde, default_serde

__all__ = ["LinksFollower", "TopicFollower"]

log = logging.getLogger(__name__)
Publish = Callable[[list[IdentityLink]], Awaitable[None]]


class TopicFollower(ABC):
    """Tails every partition of a topic from the start; `ready` is set once it has caught up.

    Subclasses say what applying a batch of record values means (links, review items).
    """

    def __init__(
        self, bootstrap: KafkaConnection | str, topic: str, serde: Serde | None = None
    ) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.serde = serde or default_serde()
        self.ready = asyncio.Event()
        self.applied = 0
        self._consumer: AIOKafkaConsumer | None = None

    @abstractmethod
    async def _apply(self, values: list[bytes]) -> None:
        """Apply one fetched batch of record values to this follower's state."""

    def _consumer_for_topic(self) -> AIOKafkaConsumer:
        # No group: aiokafka then assigns every partition of the topic to this consumer,
        # starting from the beginning (auto_offset_reset) since nothing is committed.
        return AIOKafkaConsumer(
            self.topic, **as_connection(self.bootstrap).aiokafka(), group_id=None,
            enable_auto_commit=False, auto_offset_reset="earliest",
            fetch_max_bytes=16 * 1024 * 1024,
            isolation_level="read_committed",  # links of aborted intake transactions never count
        )  # fmt: skip

    async def run(self) -> None:
        """Follow forever (a Faust task); sets `ready` after reaching the start-up end offsets."""
        consumer = self._consumer = self._consumer_for_topic()
        await consumer.start()
        ends: dict[TopicPartition, int] | None = None
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
                for messages in batch.values():
                    await self._apply([
                        m.value for m in messages
                        if m.value is not None and self._wanted(m.key, m.value)
                    ])  # fmt: skip
                if self.ready.is_set():
                    continue
                if ends is None and consumer.assignment():
                    ends = await consumer.end_offsets(list(consumer.assignment()))
                if ends is not None and await self._caught_up(consumer, ends):
                    log.info("%s ready: %d records applied", self.topic, self.applied)
                    self.ready.set()
        finally:
            await consumer.stop()

    def _wanted(self, key: bytes | None, value: bytes) -> bool:
        """Whether a record read back needs applying (all of them, unless a subclass knows)."""
        return True

    async def _caught_up(self, consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
        for tp, end in ends.items():
            if await consumer.position(tp) < end:
                return False
        return True


class LinksFollower(TopicFollower):
    """Tails the links topic into a crosswalk (and the matcher's index, via ``learn``)."""

    def __init__(
        self, bootstrap: KafkaConnection | str, topic: str, crosswalk: Crosswalk, publish: Publish,
        serde: Serde | None = None,
        learn: Callable[[IdentityLink, bool], list[IdentityLink]] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(bootstrap, topic, serde)
        self.crosswalk, self.publish, self.learn = crosswalk, publish, learn
        # key -> value of links this worker's intake sent: read back, they are already in
        # its crosswalk and matcher, so decoding them again (~10% of a replay) is skipped
        self.own: dict[bytes, bytes] = {}

    def expect(self, links: list[tuple[bytes, bytes]]) -> None:
        """Note links this worker is committing (called before their transaction commits)."""
        self.own.update(links)

    def _wanted(self, key: bytes | None, value: bytes) -> bool:
        return key is None or self.own.pop(key, None) != value

    async def _apply(self, values: list[bytes]) -> None:
        merges: list[IdentityLink] = []
        for value in values:
            try:
                link = IdentityLink.model_validate(self.serde.decode(value).record)
            except Exception as exc:  # a bad record on the topic must not stop the crosswalk
                log.warning("skipping unreadable identity link: %s", type(exc).__name__)
                continue
            merges.extend(self.crosswalk.apply(link))
            if self.learn is not None:
                merges.extend(self.learn(link, self.ready.is_set()))
            self.applied += 1
        if merges:
            await self.publish(merges)
