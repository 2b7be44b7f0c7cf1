"""The timeline entry: the contract of ``send.timeline`` between the worker and its readers.

The worker publishes a `TimelineEntry` (key = child id) for every accepted event. Readers
project entries idempotently on ``entry_id`` (= the event id), so a redelivered entry replaces
itself. Timeline order is `TimelineEntry.sort_key`: (occurred, recorded, entry id). On the
wire the embedded event travels as its own single-object bytes (any event version); the
``schemas`` package converts it both ways.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from hub.models.base import AvroModel, UtcMillis
from hub.models.envelope import Event
from hub.models.match import MatchInfo

__all__ = ["EntryFlag", "Provenance", "TimelineEntry"]


class EntryFlag(StrEnum):
    """Data-quality flags intake puts on an entry (the event is kept, the item not trusted)."""

    NHS_NUMBER_INVALID = "NHS_NUMBER_INVALID"
    UPN_INVALID = "UPN_INVALID"
    DATE_OF_BIRTH_IMPLAUSIBLE = "DATE_OF_BIRTH_IMPLAUSIBLE"
    IDENTIFIER_CONFLICT = "IDENTIFIER_CONFLICT"


class Provenance(AvroModel):
    """Where an entry came from: the source event and its Kafka coordinates."""

    event_id: str
    topic: str
    partition: int
    offset: int
    match: MatchInfo


class TimelineEntry(AvroModel):
    """One accepted event on one child's timeline; ``entry_id`` is the idempotency key."""

    entry_id: str
    child_id: str
    event: Event
    summary: str
    provenance: Provenance
    flags: tuple[EntryFlag, ...] = ()
    published_at: UtcMillis

    @property
    def sort_key(self) -> tuple[datetime, datetime, str]:
        """Timeline order: occurred, then recorded, then entry id (total and stable)."""
        return (self.event.occurred_at, self.event.recorded_at, self.entry_id)
