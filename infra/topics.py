"""The hub's Kafka topics (docs/contracts.md, names from ``settings.topic``): create, describe.

Creation is idempotent - existing topics are left as they are - so ``send-hub kafka
start`` can run it every time. Topics are created as the admin principal, and on the local
broker `ensure_hub_topics` also grants each service its ACLs for the prefix (``infra.acls``).
Each topic gets ``SEND_HUB_KAFKA_REPLICATION_FACTOR`` replicas, by default min(3, the brokers
the cluster's metadata lists): 1 on the single local broker, 3 on a local cluster
(``send-hub kafka start --brokers 3``), where each also gets ``min.insync.replicas=2`` so that
an ``acks=all`` write survives, and is not refused for, the loss of one broker.
``send.identity.links`` and ``send.identity.review`` are compacted: they hold the latest
link per record id and the latest state of each review item, which is all a consumer
rebuilding state needs.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka.admin import ConfigResource
from kafka.errors import KafkaError

from hub.config import Settings
from hub.errors import ConfigError, InfraError
from infra.acls import ensure_hub_acls
from infra.credentials import Principal
from infra.kraft import is_local
from infra.kraft_cluster import min_insync, replication_for
from infra.probe import admin_client, broker_ids
from infra.security import KafkaConnection, as_connection, connection_for

__all__ = [
    "HUB_TOPICS",
    "TopicInfo",
    "TopicSpec",
    "create_topics",
    "delete_topics",
    "describe_topics",
    "ensure_hub_topics",
    "hub_replication",
    "hub_topic_specs",
    "list_hub_topics",
    "manages_acls",
]

# Short names (docs/contracts.md, topics); the prefix comes from SEND_HUB_TOPIC_PREFIX.
HUB_TOPICS: tuple[str, ...] = (
    "ingest.education",
    "ingest.health",
    "ingest.social_care",
    "ingest.local_authority",
    "consent",
    "identity.links",
    "identity.review",
    "identity.decisions",
    "timeline",
    "alerts",
    "audit",
    "deadletter",
    "auth.revocations",
)
# Compacted: the latest record per key is the state. Links are the shared crosswalk; a review
# item's DECIDED version is how every worker remembers a not-a-match, so it must outlive retention.
# Kept (retention.ms -1): the timeline is what every read model is rebuilt from, and the audit,
# consent and decision topics are records the partnership must be able to produce later. Dead
# letters hold an agency's original bytes: kept 30 days, long enough to fix and replay.
# Ingest topics keep the broker's default: they need only cover the longest worker outage.
_KEEP = {"retention.ms": "-1"}
_TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    "identity.links": {"cleanup.policy": "compact"},
    "identity.review": {"cleanup.policy": "compact"},
    # Signed-out tokens (key = jti): every web instance reads it from the start.
    "auth.revocations": {"cleanup.policy": "compact"},
    "timeline": _KEEP,
    "audit": _KEEP,
    "consent": _KEEP,
    "identity.decisions": _KEEP,
    "alerts": _KEEP,
    "deadletter": {"retention.ms": str(30 * 24 * 3600 * 1000)},
}
log = logging.getLogger(__name__)
_TOPIC_EXISTS = 36  # Kafka error code TOPIC_ALREADY_EXISTS
# A service principal may not create topics on a cluster its operator manages; the topics are
# then the operator's to create, and a missing one shows at `send-hub kafka topics`.
_NOT_AUTHORISED = 29  # TOPIC_AUTHORIZATION_FAILED
_UNKNOWN_TOPIC = 3  # Kafka error code UNKNOWN_TOPIC_OR_PARTITION
_TIMEOUT_MS = 30_000
_DESCRIBED = ("cleanup.policy", "min.insync.replicas")


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create: partitions, topic-level configs, replicas (-1: the cluster's default)."""

    name: str
    partitions: int
    configs: Mapping[str, str] = field(default_factory=dict)
    replication: int = -1


@dataclass(frozen=True)
class TopicInfo:
    """A topic as the broker describes it (``exists`` False: not created yet)."""

    name: str
    exists: bool
    partitions: int = 0
    cleanup_policy: str | None = None
    replicas: int = 0  # of partition 0
    min_insync: str | None = None  # the topic's own min.insync.replicas; None: the broker's


def hub_topic_specs(settings: Settings, replication: int = -1) -> list[TopicSpec]:
    """The hub's topics with full names, ``settings.topic_partitions`` partitions each.

    ``replication`` replicas each (-1: the cluster's default); with 3 or more, each also has
    ``min.insync.replicas=2``.
    """
    durable = {"min.insync.replicas": str(min_insync(replication))} if replication >= 3 else {}
    partitions = settings.topic_partitions
    specs = []
    for short in HUB_TOPICS:
        configs = {**_TOPIC_CONFIGS.get(short, {}), **durable}
        specs.append(TopicSpec(settings.topic(short), partitions, configs, replication))
    return specs


def hub_replication(settings: Settings, admin: KafkaConnection) -> int:
    """``SEND_HUB_KAFKA_REPLICATION_FACTOR``, else min(3, brokers the cluster lists now)."""
    brokers = len(broker_ids(admin, timeout=10.0))
    if brokers == 0:
        raise InfraError(f"no Kafka broker answers at {admin.bootstrap} as {admin.username!r}")
    wanted = settings.kafka_replication_factor
    if wanted is None:
        return replication_for(brokers)
    if wanted > brokers:
        raise ConfigError(
            f"SEND_HUB_KAFKA_REPLICATION_FACTOR={wanted} but the cluster at {admin.bootstrap} "
            f"has {brokers} broker(s): lower it, or start more brokers"
        )
    return wanted


def create_topics(target: KafkaConnection | str, specs: Iterable[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created now."""
    wanted = {
        s.name: {"num_partitions": s.partitions, "replication_factor": s.replication,
                 "configs": {**s.configs}}
        for s in specs
    }  # fmt: skip
    if not wanted:
        return []
    bootstrap = as_connection(target).bootstrap
    with admin_client(target) as admin:
        try:
            result = admin.create_topics(
                wanted, timeout_ms=_TIMEOUT_MS, raise_errors=False, wait_for_metadata=False
            )
            created = _created(result)
            if created:
                admin.wait_for_topics(created, timeout_ms=_TIMEOUT_MS)
        except KafkaError as exc:
            raise InfraError(f"creating Kafka topics at {bootstrap} failed: {exc}") from exc
    return created


def _created(result: Mapping[str, Any]) -> list[str]:
    created, failed = [], []
    for topic in result.get("topics", []):
        code = topic.get("error_code", 0)
        if code == 0:
            created.append(topic["name"])
        elif code == _NOT_AUTHORISED:
            log.warning("not authorised to create topic %s: the operator's job", topic["name"])
        elif code != _TOPIC_EXISTS:
            failed.append(f"{topic['name']}: {topic.get('error_message') or f'error {code}'}")
    if failed:
        raise InfraError("could not create Kafka topics: " + "; ".join(failed))
    return created


def delete_topics(target: KafkaConnection | str, names: Iterable[str]) -> None:
    """Delete the named topics; ones that do not exist are ignored."""
    names = list(names)
    if not names:
        return
    bootstrap = as_connection(target).bootstrap
    with admin_client(target) as admin:
        try:
            admin.delete_topics(names, timeout_ms=_TIMEOUT_MS, raise_errors=False)
        except KafkaError as exc:
            raise InfraError(f"deleting Kafka topics at {bootstrap} failed: {exc}") from exc


def describe_topics(target: KafkaConnection | str, names: Iterable[str]) -> list[TopicInfo]:
    """Partitions and cleanup policy of each named topic, in the order given."""
    names = list(names)
    bootstrap = as_connection(target).bootstrap
    with admin_client(target) as admin:
        try:
            meta = {t["name"]: t for t in admin.describe_topics(names)}
            present = [n for n in names if meta.get(n, {}).get("error_code") == 0]
            resources = [ConfigResource("topic", n, list(_DESCRIBED)) for n in present]
            configs = admin.describe_configs(resources).get("topic", {}) if present else {}
        except KafkaError as exc:
            raise InfraError(f"describing Kafka topics at {bootstrap} failed: {exc}") from exc
    return [_info(n, meta.get(n), configs.get(n, {})) for n in names]


def _info(name: str, meta: Mapping[str, Any] | None, configs: Mapping[str, Any]) -> TopicInfo:
    if not meta or meta.get("error_code", _UNKNOWN_TOPIC) != 0:
        return TopicInfo(name=name, exists=False)
    # describe_configs reports only non-default values; Kafka's default policy is delete.
    policy = configs.get("cleanup.policy", {}).get("value") or "delete"
    partitions = meta.get("partitions", [])
    first: Mapping[str, Any] = min(
        partitions, key=lambda p: p.get("partition_index", 0), default={}
    )
    isr = configs.get("min.insync.replicas", {}).get("value")
    return TopicInfo(name, True, len(partitions), policy, len(first.get("replica_nodes", [])), isr)


def manages_acls(settings: Settings) -> bool:
    """True when send-hub keeps the broker's ACLs: its own local broker, own principals.

    On an existing cluster (or with one configured identity) the operator manages ACLs;
    `send-hub kafka acls` prints what the hub needs.
    """
    return (
        is_local(settings)
        and settings.kafka_username is None
        and settings.kafka_security_protocol == "SASL_PLAINTEXT"
    )


def ensure_hub_topics(settings: Settings, app_id: str | None = None) -> list[str]:
    """Create any missing hub topic, and on the local broker its ACLs (idempotent).

    Returns the topic names created now. ``app_id`` is the worker's app id when it is
    not the default ``<prefix>-hub`` (its groups and changelogs are named after it).
    """
    admin = connection_for(settings, Principal.ADMIN)
    created = create_topics(admin, hub_topic_specs(settings, hub_replication(settings, admin)))
    if manages_acls(settings):
        ensure_hub_acls(admin, settings, app_id)
    return created


def list_hub_topics(settings: Settings) -> list[TopicInfo]:
    """Each hub topic as the broker sees it, present or not."""
    admin = connection_for(settings, Principal.ADMIN)
    return describe_topics(admin, (s.name for s in hub_topic_specs(settings)))
