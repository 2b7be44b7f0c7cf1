"""Who may do what on the broker: the hub's ACLs, as data, and applying them.

Deny by default (the local broker runs KRaft's StandardAuthorizer with
``allow.everyone.if.no.acl.found=false``); these grants are all a service gets:

- each agency publisher writes only its own agency's ingest topic;
- only the worker writes ``timeline``, ``identity.links``, ``identity.review`` and
  ``deadletter``; it and the web (access alerts) write ``alerts``; the worker reads the
  ingest topics, ``consent`` and ``identity.decisions``, and owns its consumer groups,
  changelog topics and transactional ids, all named after its app id (``<prefix>-hub``
  unless ``SEND_HUB_WORKER_APP_ID`` is set);
- only the web writes ``identity.decisions``, ``audit`` and ``auth.revocations``; it reads
  ``timeline``, the identity topics, ``alerts``, ``consent``, ``audit`` (each child's access
  log) and ``auth.revocations``; its consumer groups start ``<prefix>-web``;
- no other service reads ``audit``, and only the super users (``admin``, the broker itself)
  read ``deadletter`` or write ``consent`` (no service of the project publishes consent yet).

`hub_acls` is pure (the table below, per topic prefix); `ensure_hub_acls` creates them
(idempotent: the broker ignores an ACL it already holds) and returns once the broker enforces
them: the controller commits ACLs before the broker's authorizer has applied them, and a
client arriving in between would be refused. `send-hub kafka acls` prints them
for an operator who manages an existing cluster's ACLs elsewhere.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import KafkaError

from hub.config import Settings
from hub.errors import InfraError
from hub.models import AgencyKind
from infra.credentials import Principal, publisher_for
from infra.probe import admin_client
from infra.security import KafkaConnection

__all__ = ["Grant", "ensure_hub_acls", "hub_acls", "worker_app_id"]

_W, _R = "WRITE", "READ"
_VISIBLE_TIMEOUT_S = 30.0
_EVERY_ACL = ACLFilter(
    principal=None,
    host=None,
    operation=ACLOperation.ANY,
    permission_type=ACLPermissionType.ANY,
    resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
)
# short topic name -> {principal: operations}; publishers' ingest grants are added per kind.
_TOPIC_GRANTS: dict[str, dict[Principal, tuple[str, ...]]] = {
    "consent": {Principal.WORKER: (_R,), Principal.WEB: (_R,)},
    "identity.links": {Principal.WORKER: (_R, _W), Principal.WEB: (_R,)},
    "identity.review": {Principal.WORKER: (_R, _W), Principal.WEB: (_R,)},
    "identity.decisions": {Principal.WORKER: (_R,), Principal.WEB: (_R, _W)},
    "timeline": {Principal.WORKER: (_R, _W), Principal.WEB: (_R,)},
    "alerts": {Principal.WORKER: (_W,), Principal.WEB: (_R, _W)},
    "audit": {Principal.WEB: (_R, _W)},
    # Signed-out tokens: every web instance writes its sign-outs and reads everyone's.
    "auth.revocations": {Principal.WEB: (_R, _W)},
    # The web's stream-health page (/ops) counts dead letters by reason: read only.
    "deadletter": {Principal.WORKER: (_W,), Principal.WEB: (_R,)},
}


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW rule: ``principal`` may ``operation`` on a resource (literal or by prefix)."""

    principal: str
    operation: str  # an ACLOperation name: READ, WRITE, ALL...
    resource: str  # TOPIC, GROUP or TRANSACTIONAL_ID
    name: str
    prefixed: bool = False

    def __str__(self) -> str:
        how = "prefix" if self.prefixed else "name"
        return f"User:{self.principal} {self.operation} {self.resource} {how} {self.name}"

    @property
    def key(self) -> tuple[str, str, str, str, bool]:
        return (f"User:{self.principal}", self.operation, self.resource, self.name, self.prefixed)

    def to_acl(self) -> ACL:
        kind = ACLResourcePatternType
        pattern = kind.PREFIXED if self.prefixed else kind.LITERAL
        return ACL(
            principal=f"User:{self.principal}", host="*", operation=ACLOperation[self.operation],
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(ResourceType[self.resource], self.name, pattern),
        )  # fmt: skip


def worker_app_id(settings: Settings, app_id: str | None = None) -> str:
    """The worker's app id: its consumer group, changelog topics' and transactional ids' prefix."""
    return app_id or f"{settings.topic_prefix}-hub"


def hub_acls(settings: Settings, app_id: str | None = None) -> list[Grant]:
    """Every grant the hub's services need under ``settings.topic_prefix`` (sorted)."""
    grants = [
        Grant(principal, op, "TOPIC", settings.topic(short))
        for short, rules in _TOPIC_GRANTS.items()
        for principal, ops in rules.items()
        for op in ops
    ]
    for kind in AgencyKind:
        topic = settings.topic(f"ingest.{kind.value.lower()}")
        grants += [Grant(publisher_for(kind), _W, "TOPIC", topic),
                   Grant(Principal.WORKER, _R, "TOPIC", topic),
                   # /ops: end offsets and the worker's committed offsets (no reading).
                   Grant(Principal.WEB, "DESCRIBE", "TOPIC", topic)]  # fmt: skip
    own = worker_app_id(settings, app_id)
    grants += [
        # The worker's state: its changelog topics, created by itself.
        Grant(Principal.WORKER, "ALL", "TOPIC", f"{own}-", prefixed=True),
        # Its ingest group (<app id>) and its decisions group (<app id>-decisions).
        Grant(Principal.WORKER, _R, "GROUP", own, prefixed=True),
        # Its intake transactions (<app id>-intake-<partition>): WRITE covers DESCRIBE.
        Grant(Principal.WORKER, _W, "TRANSACTIONAL_ID", f"{own}-", prefixed=True),
        Grant(Principal.WEB, _R, "GROUP", f"{settings.topic_prefix}-web", prefixed=True),
        # /ops: the worker group's members and committed offsets, described, never joined.
        Grant(Principal.WEB, "DESCRIBE", "GROUP", own),
    ]
    return sorted(grants)


def ensure_hub_acls(
    connection: KafkaConnection, settings: Settings, app_id: str | None = None
) -> int:
    """Create the hub's ACLs with ``connection`` (an admin); returns how many were asked for."""
    return create_acls(connection, hub_acls(settings, app_id))


def create_acls(connection: KafkaConnection, grants: Iterable[Grant]) -> int:
    """Create ``grants``; ``InfraError`` naming the first the broker refused."""
    grants = list(grants)
    with admin_client(connection) as admin:
        try:
            result = admin.create_acls([g.to_acl() for g in grants])
            failed = result["failed"]
            if failed:
                raise InfraError(f"the broker refused {len(failed)} ACL(s): {failed[0]}")
            _wait_enforced(admin, {g.key for g in grants})
        except KafkaError as exc:
            raise InfraError(f"creating ACLs at {connection.bootstrap} failed: {exc}") from exc
    return len(grants)


def _wait_enforced(admin: Any, wanted: set[tuple[str, str, str, str, bool]]) -> None:
    """Poll the broker's own view of its ACLs (what it authorises with) until all are there."""
    deadline = time.monotonic() + _VISIBLE_TIMEOUT_S
    while True:
        acls, _ = admin.describe_acls(_EVERY_ACL)
        held = {_key(acl) for acl in acls}
        missing = wanted - held
        if not missing:
            return
        if time.monotonic() > deadline:
            raise InfraError(f"{len(missing)} ACL(s) not in force after {_VISIBLE_TIMEOUT_S:.0f} s")
        time.sleep(0.05)


def _key(acl: ACL) -> tuple[str, str, str, str, bool]:
    pattern = acl.resource_pattern
    prefixed = pattern.pattern_type == ACLResourcePatternType.PREFIXED
    return (acl.principal, acl.operation.name, pattern.resource_type.name,
            pattern.resource_name, prefixed)  # fmt: skip
