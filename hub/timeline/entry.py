"""Timeline entry and identity link models: the contract between the pipeline and readers.

The pipeline (``streams/``) publishes a `TimelineEntry` to ``send.timeline`` (key = child
id) for every accepted event, and an `IdentityLink` to ``send.identity.links`` (compacted,
key = `IdentityLink.key`) for every identifier it ties to a child. Readers (the web
service) project both: entries are idempotent on ``entry_id`` (= the event id), so a
redelivered entry replaces itself; a MERGE link redirects the loser's entries to the
survivor. Timeline order is `TimelineEntry.sort_key`: (occurred, recorded, entry id).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_serializer,
    field_validator,
)

from hub.models import AvroModel, Event, UtcMillis
from hub.timeline.match import ExplanationItem, MatchExplanation, PersonSnapshot

__all__ = [
    "AVRO_CONTEXT",
    "EntryFlag",
    "ExplanationItem",
    "IdentityLink",
    "LinkKind",
    "MatchExplanation",
    "MatchInfo",
    "MatchOutcome",
    "PersonSnapshot",
    "Provenance",
    "TimelineEntry",
]

MatchOutcome = Literal["LINK_IDENTIFIER", "LINK_SCORE", "REVIEW", "NEW_CHILD"]
LinkKind = Literal["LINK", "MERGE", "UNMERGE"]


AVRO_CONTEXT = {"avro": True}
"""``model_dump(context=AVRO_CONTEXT)`` gives the Avro-shaped dict (event as its bytes)."""


class EntryFlag(StrEnum):
    """Data-quality flags intake puts on an entry (the event is kept, the item not trusted)."""

    NHS_NUMBER_INVALID = "NHS_NUMBER_INVALID"
    UPN_INVALID = "UPN_INVALID"
    DATE_OF_BIRTH_IMPLAUSIBLE = "DATE_OF_BIRTH_IMPLAUSIBLE"
    IDENTIFIER_CONFLICT = "IDENTIFIER_CONFLICT"


class MatchInfo(AvroModel):
    """How the event's subject was tied to the child."""

    outcome: MatchOutcome
    rule: str  # e.g. "source_person", "nhs_number", "upn", "score", "new"
    score: float | None = None
    model_version: str | None = None
    explanation: MatchExplanation | None = None  # on LINK_SCORE and REVIEW decisions


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

    @field_validator("event", mode="before")
    @classmethod
    def _event_from_bytes(cls, value: Any) -> Any:
        # On send.timeline the event travels as its own single-object bytes (any version).
        if isinstance(value, bytes | bytearray | memoryview):
            from schemas.serde import decode_event  # schemas imports hub.models: import late

            return decode_event(bytes(value))
        return value

    @field_serializer("event", mode="wrap")
    def _event_to_bytes(
        self, value: Event, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        if isinstance(info.context, dict) and info.context.get("avro"):
            from schemas.serde import encode_model

            return encode_model(value)
        return handler(value)

    @property
    def sort_key(self) -> tuple[datetime, datetime, str]:
        """Timeline order: occurred, then recorded, then entry id (total and stable)."""
        return (self.event.occurred_at, self.event.recorded_at, self.entry_id)


class IdentityLink(AvroModel):
    """A key tied to a child (LINK), a child merged into another (MERGE), or moved (UNMERGE).

    Keys: ``src:<agency_kind>:<org_code>:<system>:<source_person_id>``, ``nhs:<10 digits>``,
    ``upn:<13 chars>``, and for MERGE ``child:<loser id>`` with ``merged_into`` = survivor.
    UNMERGE re-ties a ``src:``/``nhs:``/``upn:`` key to ``child_id`` (split off its old child).
    """

    key: str
    child_id: str
    kind: LinkKind
    merged_into: str | None = None
    match: MatchInfo
    at: UtcMillis
    person: PersonSnapshot | None = None  # on src: links, to rebuild the candidate index
