"""The dead-letter record: a rejected ingest message with its reason, origin and bytes.

Operators list them (``send-hub dlq list``) and replay them (``send-hub dlq replay``) after
a fix. ``detail`` is written for an operator and never carries names or identifiers; the
original bytes are kept whole so a replay re-submits exactly what the agency sent.
"""

import uuid

from hub.models import AvroModel, UtcMillis

__all__ = ["DEAD_LETTER_NAMESPACE", "DeadLetter", "dead_letter_id"]

DEAD_LETTER_NAMESPACE = uuid.UUID("5d1c0b7e-3f0e-5d55-9a53-0d6c8c1f2a01")
"""Fixed uuid5 namespace of dead-letter ids; never change (replays rely on stable ids)."""


def dead_letter_id(topic: str, partition: int, offset: int) -> str:
    """Deterministic id of a rejected message: a reprocessed message keeps its id."""
    return str(uuid.uuid5(DEAD_LETTER_NAMESPACE, f"{topic}\x1f{partition}\x1f{offset}"))


class DeadLetter(AvroModel):
    """One rejected ingest message (Avro subject ``deadletter``)."""

    dead_letter_id: str
    reason: str
    error_class: str
    detail: str
    source_topic: str
    source_partition: int
    source_offset: int
    source_timestamp: UtcMillis | None = None
    original_key: bytes | None = None
    original_value: bytes
    event_id: str | None = None
    agency_kind: str | None = None
    dead_lettered_at: UtcMillis

    def line(self) -> str:
        """One line for ``dlq list``: no personal data, just where from and why."""
        when = self.dead_lettered_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        kind = self.agency_kind or "-"
        return (
            f"{self.dead_letter_id}  {when}  {self.source_topic}[{self.source_partition}]"
            f"@{self.source_offset}  {kind}  {self.reason}: {self.detail}"
        )
