"""The dead-letter record: the contract of ``send.deadletter``.

A rejected ingest message with its reason, origin and original bytes. Operators list and
replay them (``send-hub dlq``). ``detail`` is written for an operator and never carries names
or identifiers; the original bytes are kept whole so a replay re-submits exactly what the
agency sent.
"""

from hub.models.base import AvroModel, UtcMillis

__all__ = ["DeadLetter"]


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
