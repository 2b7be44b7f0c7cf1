"""Reading and replaying the dead-letter topic (``send-hub dlq list|replay``).

Listing reads the whole topic from the beginning with no consumer group (operators' reads
never move anyone's offsets). Replay re-submits the *original* key and bytes of the selected
dead letters to their source topic, so after a fix (a schema added, a clock corrected) the
worker processes them as if the agency had sent them again; a message that fails again is
dead-lettered again, with a new id (its new offset).

Both are operators' tools and connect as the admin principal: the dead-letter topic holds
every agency's original bytes, which no service principal may read, and a replay writes to
any agency's ingest topic.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from hub.config import Settings
from hub.errors import HubError, KafkaUnavailable
from hub.models import DeadLetter
from infra.credentials import Principal
from infra.security import connection_for
from schemas.serde import decode

__all__ = ["DeadLetterQuery", "read_dead_letters", "replay"]


@dataclass(frozen=True)
class DeadLetterQuery:
    """Which dead letters: by id, and/or by reason (substring, case-insensitive)."""

    ids: frozenset[str] = frozenset()
    reason: str | None = None

    def matches(self, letter: DeadLetter) -> bool:
        if self.ids and letter.dead_letter_id not in self.ids:
            return False
        return not self.reason or self.reason.lower() in letter.reason.lower()


# An operator's command: say "no broker" after 5 s rather than kafka-python's default 30 s.
_FAIL_FAST = (
    {"bootstrap_timeout_ms": 5000} if "bootstrap_timeout_ms" in KafkaConsumer.DEFAULT_CONFIG else {}
)


def _no_broker(settings: Settings) -> str:
    return (
        f"no Kafka broker answers at {settings.kafka_bootstrap} (or it refused the admin "
        "credentials): start one with `send-hub kafka start`, or set SEND_HUB_KAFKA_BOOTSTRAP "
        "to a running cluster"
    )


def read_dead_letters(settings: Settings, query: DeadLetterQuery) -> Iterator[DeadLetter]:
    """Every dead letter on the topic now that matches ``query``, oldest first per partition."""
    topic = settings.topic("deadletter")
    try:
        consumer = KafkaConsumer(
            **connection_for(settings, Principal.ADMIN).kafka_python(), group_id=None,
            enable_auto_commit=False, consumer_timeout_ms=2000, **_FAIL_FAST,
        )  # fmt: skip
    except KafkaError as exc:
        raise KafkaUnavailable(_no_broker(settings)) from exc
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise HubError(f"no dead-letter topic {topic!r} at {settings.kafka_bootstrap}")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        yield from _until(consumer, ends, query)
    finally:
        consumer.close()


def _until(
    consumer: KafkaConsumer, ends: dict[TopicPartition, int], query: DeadLetterQuery
) -> Iterator[DeadLetter]:
    remaining = {tp for tp, end in ends.items() if end > 0}
    while remaining:
        batch = consumer.poll(timeout_ms=2000, max_records=5000)
        if not batch:
            break
        for tp, messages in batch.items():
            for message in messages:
                letter = _decode(message.value)
                if letter is not None and query.matches(letter):
                    yield letter
            if consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)


def _decode(value: bytes | None) -> DeadLetter | None:
    if not value:
        return None
    try:
        return DeadLetter.model_validate(decode(value).record)
    except Exception:  # an unreadable record on the DLQ is skipped, not fatal to listing
        return None


def replay(
    settings: Settings, letters: list[DeadLetter], progress: Callable[[int], None] | None = None
) -> int:
    """Re-submit the original bytes of ``letters`` to their source topics; returns the count."""
    try:
        producer = KafkaProducer(
            **connection_for(settings, Principal.ADMIN).kafka_python(), acks="all", **_FAIL_FAST
        )
    except KafkaError as exc:
        raise KafkaUnavailable(_no_broker(settings)) from exc
    try:
        for n, letter in enumerate(letters, 1):
            producer.send(letter.source_topic, key=letter.original_key, value=letter.original_value)
            if progress is not None:
                progress(n)
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    return len(letters)
