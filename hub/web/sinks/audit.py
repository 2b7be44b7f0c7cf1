"""Audit of every read of a child's data: the record, and where it goes.

`audit_record` builds the `AuditRecord` of a read, with what the consent policy showed and
withheld; an `AuditSink` takes it. The service uses `hub.web.sinks.outbox.OutboxAuditSink`,
which fails closed; `MemoryAuditSink` keeps records in a list for tests.
"""

import uuid
from datetime import datetime
from typing import Protocol

from hub.auth import Caller
from hub.models import AuditAction, AuditRecord

__all__ = ["AuditSink", "MemoryAuditSink", "Shown", "audit_record"]


class Shown(Protocol):
    """What a read showed and withheld (`hub.web.children.access.Tally`)."""

    @property
    def shown(self) -> int: ...
    @property
    def withheld(self) -> int: ...
    def withheld_text(self) -> str: ...
    def bases_text(self) -> str: ...


def audit_record(
    caller: Caller, child_id: str, action: AuditAction, *, now: datetime,
    detail: str = "", entries: int = 0, channel: str = "api", tally: Shown | None = None,
) -> AuditRecord:  # fmt: skip
    """The audit record of ``caller`` reading ``child_id`` at ``now``, with what it showed."""
    return AuditRecord(
        audit_id=str(uuid.uuid4()), at=now, subject=caller.subject, org=caller.org,
        org_kind=caller.org_kind, role=caller.role, purpose=caller.purpose, child_id=child_id,
        action=action, detail=detail, entries=entries, channel=channel,
        shown=tally.shown if tally else 0, withheld=tally.withheld if tally else 0,
        withheld_by=tally.withheld_text() if tally else "",
        bases=tally.bases_text() if tally else "",
    )  # fmt: skip


class AuditSink(Protocol):
    """Where audit records go; ``record`` returns once the record is durable, or raises
    `hub.web.sinks.outbox.AuditUnavailable` (the read is then refused)."""

    def record(self, rec: AuditRecord) -> None: ...

    def close(self) -> None: ...


class MemoryAuditSink:
    """Keeps audit records in memory (tests, and runs without a broker)."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def record(self, rec: AuditRecord) -> None:
        self.records.append(rec)

    def close(self) -> None:
        pass
