"""Talking to a broker with kafka-python: an admin client with bounded waits, and a probe.

Each takes a `KafkaConnection` (address and security, ``infra.security``); a bare
``host:port`` string means an unauthenticated PLAINTEXT connection.

kafka-python logs every refused connection at WARNING/ERROR; while we poll a broker
that is still starting those lines are expected noise, so the probe silences them.
"""

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from hub.errors import KafkaUnavailable
from infra.security import KafkaConnection, as_connection

__all__ = [
    "admin_client",
    "broker_answers",
    "broker_api_version",
    "broker_ids",
    "quiet_kafka_logs",
]

_CLIENT_ID = "send-hub-infra"


@contextlib.contextmanager
def quiet_kafka_logs() -> Iterator[None]:
    """Raise the ``kafka`` logger to CRITICAL for the duration (restored afterwards)."""
    logger = logging.getLogger("kafka")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _new_admin(connection: KafkaConnection, timeout: float) -> Any:
    ms = max(int(timeout * 1000), 500)
    return KafkaAdminClient(
        **connection.kafka_python(),
        client_id=_CLIENT_ID,
        bootstrap_timeout_ms=ms,
        request_timeout_ms=max(ms, 5000),
        reconnect_backoff_max_ms=500,
    )


@contextlib.contextmanager
def admin_client(target: KafkaConnection | str, timeout: float = 10.0) -> Iterator[Any]:
    """A connected ``KafkaAdminClient``, closed on exit; ``KafkaUnavailable`` if none answers."""
    connection = as_connection(target)
    try:
        with quiet_kafka_logs():
            admin = _new_admin(connection, timeout)
    except (KafkaError, OSError) as exc:
        # kafka-python reports refused credentials as a bootstrap timeout too, so say both.
        who = f" or it refused {connection.username!r}" if connection.uses_sasl else ""
        raise KafkaUnavailable(
            f"no Kafka broker answers at {connection.bootstrap}{who}: start one with "
            "`send-hub kafka start`, or set SEND_HUB_KAFKA_BOOTSTRAP (and its credentials)"
        ) from exc
    try:
        yield admin
    finally:
        with quiet_kafka_logs(), contextlib.suppress(Exception):
            admin.close()


def broker_answers(target: KafkaConnection | str, timeout: float = 2.0) -> bool:
    """True when a broker answers this connection's metadata request within ``timeout`` s."""
    return bool(broker_ids(target, timeout))


def broker_ids(target: KafkaConnection | str, timeout: float = 2.0) -> set[int]:
    """The ids of the brokers the cluster's metadata lists now; empty if none answers."""
    try:
        with quiet_kafka_logs():
            admin = _new_admin(as_connection(target), timeout)
    except (KafkaError, OSError):
        return set()
    try:
        with quiet_kafka_logs():
            cluster = admin.describe_cluster()
        return {int(b["broker_id"]) for b in cluster.get("brokers", [])}
    except (KafkaError, OSError):
        return set()
    finally:
        with quiet_kafka_logs(), contextlib.suppress(Exception):
            admin.close()


def broker_api_version(target: KafkaConnection | str, timeout: float = 5.0) -> str | None:
    """The Kafka release a broker's ApiVersions answer matches (e.g. ``4.1``), or None.

    For a cluster send-hub did not start, where there is no jar name or log to read.
    """
    try:
        with admin_client(target, timeout) as admin:
            # kafka-python keeps the inferred version on its connection manager (3.x).
            version = getattr(getattr(admin, "_manager", None), "broker_version", None)
    except KafkaUnavailable:
        return None
    return ".".join(str(p) for p in version) if version else None
