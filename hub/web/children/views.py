"""Response models of the JSON API (the OpenAPI description is generated from these).

Kept apart from the contract models so the API can show less than the pipeline carries:
search results give only minimum identifying details; the timeline shows each event's
payload and provenance but not the subject block (that is on the child's record).
"""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from hub.consent import Decision, Outcome
from hub.models import (
    AgencyKind,
    DataCategory,
    LinkKind,
    MatchInfo,
    NhsNumberStatus,
    Provenance,
    Purpose,
    Sensitivity,
    Sex,
    TimelineEntry,
)
from hub.models.timeline import EntryFlag
from hub.web.clocks.alerts import AlertView
from hub.web.clocks.views import ClockView

__all__ = [
    "AccessView",
    "ChildRecord",
    "ChildSummary",
    "ErrorBody",
    "LinkView",
    "SearchResult",
    "SourceRecord",
    "TimelineItem",
    "TimelinePage",
    "timeline_item",
]


class ErrorBody(BaseModel):
    """Every error response: a short code and one readable sentence."""

    error: str = Field(examples=["unauthorized"])
    detail: str = Field(examples=["token has expired"])


class AccessView(BaseModel):
    """Why something was shown: the lawful basis, the explanation, any objection on record."""

    detail: str = Field(examples=["full"], description="full, or thin: type, date and agency only")
    basis: str | None = Field(examples=["STATUTORY"])
    reason: str = Field(
        examples=["statutory: CFA 2014 s.31, EHC needs assessment opened 2026-03-02"]
    )
    objection: str | None = None


def access_view(decision: Decision) -> AccessView:
    """The response view of an allowing decision."""
    detail = "thin" if decision.outcome is Outcome.ALLOW_THIN else "full"
    basis = decision.basis.value if decision.basis is not None else None
    return AccessView(detail=detail, basis=basis, reason=decision.reason,
                      objection=decision.objection)  # fmt: skip


class ChildSummary(BaseModel):
    """A search hit: the child id and just enough to tell children apart."""

    child_id: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    agencies: list[AgencyKind]


class SearchResult(BaseModel):
    """Children matching every criterion given (most recently recorded names shown)."""

    results: list[ChildSummary]
    truncated: bool = False


class SourceRecord(BaseModel):
    """The child as one source system knows them, and how that source was matched."""

    source_key: str
    agency_kind: AgencyKind
    org_code: str
    system: str
    source_person_id: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    sex: Sex | None
    postcode: str | None
    nhs_number: str | None
    nhs_number_verified: NhsNumberStatus | None
    upn: str | None
    first_seen: datetime
    last_seen: datetime
    entries: int
    match: MatchInfo
    flags: list[EntryFlag]


class LinkView(BaseModel):
    """An identity link that ties a key to this child (or merged a child into it)."""

    key: str
    child_id: str
    kind: LinkKind
    merged_into: str | None
    match: MatchInfo
    at: datetime


class ChildRecord(BaseModel):
    """One child: identifiers and demographics per source, links, and merged-in children."""

    child_id: str
    requested_id: str
    merged_from: list[str]
    sources: list[SourceRecord]
    identifiers: list[LinkView]
    purpose: Purpose
    access: AccessView
    withheld: dict[str, int] = Field(description="Entries withheld, by reason class.")
    clocks: list[ClockView] = []  # statutory clocks from the entries the caller may see
    alerts: list[AlertView] = []  # alerts raised for the child that the caller may see


class TimelineItem(BaseModel):
    """One entry of a child's timeline with where it came from and how it was matched."""

    entry_id: str
    child_id: str
    occurred_at: datetime
    recorded_at: datetime
    event_type: str
    agency_kind: AgencyKind
    org_code: str
    system: str
    category: DataCategory
    sensitivity: Sensitivity
    purpose: Purpose
    summary: str
    flags: list[EntryFlag]
    payload: dict[str, Any]
    provenance: Provenance
    access: AccessView


class TimelinePage(BaseModel):
    """A page of the timeline in order (occurred, recorded, entry id); follow ``next_cursor``."""

    child_id: str
    items: list[TimelineItem]
    limit: int
    next_cursor: str | None
    purpose: Purpose
    withheld: dict[str, int] = Field(
        description="Entries withheld while filling this page, by reason class (never content)."
    )


def _thin_summary(entry: TimelineEntry) -> str:
    event = entry.event
    kind = event.source.agency_kind.value.replace("_", " ").lower()
    return (f"{event.event_type.value} on {event.occurred_at.date().isoformat()} "
            f"({kind} {event.source.org_code}); details withheld")  # fmt: skip


def timeline_item(entry: TimelineEntry, decision: Decision) -> TimelineItem:
    """The API view of one entry the caller may see: in full, or thin (type, date and agency
    only: no payload, summary or match explanation)."""
    event, thin = entry.event, decision.outcome is Outcome.ALLOW_THIN
    provenance = entry.provenance
    if thin:
        match = provenance.match.model_copy(update={"explanation": None})
        provenance = provenance.model_copy(update={"match": match})
    return TimelineItem(
        entry_id=entry.entry_id, child_id=entry.child_id, occurred_at=event.occurred_at,
        recorded_at=event.recorded_at, event_type=event.event_type.value,
        agency_kind=event.source.agency_kind, org_code=event.source.org_code,
        system=event.source.system, category=decision.category, sensitivity=event.sensitivity,
        purpose=event.purpose, summary=_thin_summary(entry) if thin else entry.summary,
        flags=[] if thin else list(entry.flags),
        payload={} if thin else event.payload.model_dump(mode="json"),
        provenance=provenance, access=access_view(decision),
    )  # fmt: skip
