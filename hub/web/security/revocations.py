"""Sign-outs shared between web instances over ``send.auth.revocations`` (compacted).

`KafkaRevocationSink.publish` produces a `TokenRevocation` (key = the token's ``jti``) when a
caller signs out; `RevocationFollower` (a background thread in every instance) reads the topic
from the start and adds each one to the instance's `Revocations`, so a token signed out on one
instance is refused by all of them within a poll. The instance that signed the caller out has
already refused the token locally before publishing, so a broker outage never un-revokes a
token there; a failed publish is logged and counted (result ``failed``), not hidden.
"""

import logging
import threading
from datetime import UTC, datetime
from typing import Protocol

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from hub.auth import Session
from hub.errors import HubError
from hub.models import TokenRevocation
from hub.revocation import Revocations
from hub.web.metrics import TOKEN_REVOCATIONS
from hub.web.sinks.acked import AckedProducer
from infra.security import KafkaConnection, as_connection, start_client
from schemas.serde import decode_model

__all__ = [
    "KafkaRevocationSink",
    "RevocationFollower",
    "RevocationSink",
    "apply_revocation",
    "revocation_of",
]

_RETRY_SECONDS = 2.0
_NO_TOPIC_SECONDS = 15.0
log = logging.getLogger(__name__)


class RevocationSink(Protocol):
    """Where sign-outs go so the other instances hear of them."""

    def publish(self, session: Session, now: datetime) -> None: ...

    def close(self) -> None: ...


def revocation_of(session: Session, now: datetime) -> TokenRevocation:
    """The revocation record of a signed-out session."""
    return TokenRevocation(token_id=session.token_id, expires_at=session.expires_at,
                           revoked_at=now)  # fmt: skip


class KafkaRevocationSink(AckedProducer):
    """Produces revocations to ``topic`` and waits for the broker's ack."""

    def publish(self, session: Session, now: datetime) -> None:
        """Share the sign-out in the background: the caller is signed out here already, and a
        slow or absent broker must not hold the sign-out page."""
        record = revocation_of(session, now)
        threading.Thread(target=self._send, args=(record,), name="revoke", daemon=True).start()

    def _send(self, record: TokenRevocation) -> None:
        try:
            self.send_acked(record.token_id, record)
        except KafkaError as exc:
            TOKEN_REVOCATIONS.labels("failed").inc()
            log.error("sign-out not shared with other web instances (%s): %s", self.topic, exc)
            return
        TOKEN_REVOCATIONS.labels("published").inc()


def apply_revocation(revoked: Revocations, value: bytes | None) -> bool:
    """Add one record of the topic to ``revoked``; False (logged) if it is not a revocation."""
    try:
        record = decode_model(value or b"")
    except HubError as exc:
        log.warning("skipping an unreadable token revocation: %s", type(exc).__name__)
        return False
    if not isinstance(record, TokenRevocation):
        log.warning("skipping a %s record on the revocations topic", type(record).__name__)
        return False
    revoked.revoke(record.token_id, record.expires_at)
    TOKEN_REVOCATIONS.labels("applied").inc()
    return True


class RevocationFollower:
    """Reads ``topic`` from the start into ``revoked`` in a daemon thread."""

    def __init__(self, bootstrap: KafkaConnection | str, topic: str, revoked: Revocations) -> None:
        self.kafka = as_connection(bootstrap)  # address and the web principal's credentials
        self.bootstrap, self.topic, self.revoked = self.kafka.bootstrap, topic, revoked
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="revocations", daemon=True)
        self._warned = False

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except KafkaError as exc:  # broker away, or the topic not created yet
                log.warning("token revocations: %s; retrying", exc)
                self._stop.wait(_RETRY_SECONDS)
            except Exception:
                log.exception("token revocation follower failed; retrying")
                self._stop.wait(_RETRY_SECONDS)

    def _follow(self) -> None:
        consumer = start_client(
            KafkaConsumer, **self.kafka.kafka_python(), group_id=None,
            client_id="send-hub-web-revocations",
            enable_auto_commit=False, auto_offset_reset="earliest",
            allow_auto_create_topics=False,
        )  # fmt: skip
        try:
            ids = consumer.partitions_for_topic(self.topic)
            if not ids:
                if not self._warned:  # once: then quietly look again every few seconds
                    log.warning(
                        "token revocations: no topic %s yet: sign-outs on other web"
                        " instances are not seen until it exists",
                        self.topic,
                    )
                    self._warned = True
                self._stop.wait(_NO_TOPIC_SECONDS)
                return
            parts = [TopicPartition(self.topic, p) for p in sorted(ids)]
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            while not self._stop.is_set():
                for records in consumer.poll(timeout_ms=500, max_records=1000).values():
                    for record in records:
                        apply_revocation(self.revoked, record.value)
                self.revoked.purge(datetime.now(UTC))  # expired tokens are refused anyway
        finally:
            consumer.close()
