"""Timeline entry and identity link models: the contract between the pipeline and readers.

The pipeline (``streams/``) publishes a `TimelineEntry` to ``send.timeline`` (key = child
id) for every accepted event, and an `IdentityLink` to ``send.identity.links`` (compacted,
key = `IdentityLink.key`) for every identifier it ties to a child. Readers (the web
service) project both: entries are idempotent on ``entry_id`` (= the event id), so a
redelivered entry replaces itself; a MERGE link redirects the loser's entries to the
survivor. Timeline order is `TimelineEntry.sort_key`: (occurred, recorded, entry id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

if TYPE_CHECKING:
    from hub.models import Event
else:  # pragma: no cover - until the contract models land, keep the shape importable
    try:
        from hub.models import Event
    except ImportError:
        Event = dict[str, Any]

__all__ = [
    "EntryFlag",
    "IdentityLink",
    "LinkKind",
    "MatchInfo",
    "MatchOutcome",
    "Provenance",
    "TimelineEntry",
]

MatchOutcome = Literal["LINK_IDENTIFIER", "LINK_SCORE", "REVIEW", "NEW_CHILD"]
LinkKind = Literal["LINK", "MERGE", "UNMERGE"]


def _utc_millis(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


_UtcMillis = Annotated[AwareDatetime, AfterValidator(_utc_millis)]


class EntryFlag(StrEnum):
    """Data-quality flags intake puts on an entry (the event is kept, the item not trusted)."""

    NHS_NUMBER_INVALID = "NHS_NUMBER_INVALID"
    UPN_INVALID = "UPN_INVALID"
    DATE_OF_BIRTH_IMPLAUSIBLE = "DATE_OF_BIRTH_IMPLAUSIBLE"
    RECORDED_LONG_AFTER = "RECORDED_LONG_AFTER"
    IDENTIFIER_CONFLICT = "IDENTIFIER_CONFLICT"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MatchInfo(_Frozen):
    """How the event's subject was tied to the child."""

    outcome: MatchOutcome
    rule: str  # e.g. "source_person", "nhs_number", "upn", "score", "new"
    score: float | None = None
    model_version: str | None = None


class Provenance(_Frozen):
    """Where an entry came from: the source event and its Kafka coordinates."""

    event_id: str
    topic: str
    partition: int
    offset: int
    match: MatchInfo


class TimelineEntry(_Frozen):
    """One accepted event on one child's timeline; ``entry_id`` is the idempotency key."""

    entry_id: str
    child_id: str
    event: Event
    summary: str
    provenance: Provenance
    flags: list[EntryFlag] = []
    published_at: _UtcMillis

    @property
    def sort_key(self) -> tuple[datetime, datetime, str]:
        """Timeline order: occurred, then recorded, then entry id (total and stable)."""
        return (self.event.occurred_at, self.event.recorded_at, self.entry_id)


class IdentityLink(_Frozen):
    """A key tied to a child (LINK), a child merged into another (MERGE), or moved (UNMERGE).

    Keys: ``src:<agency_kind>:<org_code>:<system>:<source_person_id>``, ``nhs:<10 digits>``,
    ``upn:<13 chars>``, and for MERGE ``child:<loser id>`` with ``merged_into`` = survivor.
    """

    key: str
    child_id: str
    kind: LinkKind
    merged_into: str | None = None
    match: MatchInfo
    at: _UtcMillis
