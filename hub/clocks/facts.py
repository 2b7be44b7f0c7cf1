"""Facts: the few coded values of a child's events that the clocks, signals and KPIs read.

A fact keeps an event's id, type, source record and version, occurred date and only the payload
fields some rule needs (dates as ISO text, enums as their symbols), plus the envelope's clock id,
case id and organisation. A child's clock state is derived from its facts alone, so two
children's facts joined by a merge (or split by an unmerge) give the right clocks, and a
corrected record (same source record, higher version) replaces the fact it corrects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub.models.enums import AgencyKind, EventType
from hub.models.envelope import Event

__all__ = ["Fact", "FactValue", "add_fact", "date_value", "extract_fact"]

FactValue = str | int | bool | None
_ENVELOPE = {
    "@clock_id": lambda e: e.clock_id,
    "@case_id": lambda e: e.case_id,
    "@org": lambda e: e.source.org_code,
}


class Fact(BaseModel):
    """What one event contributes to a child's clocks and signals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    event_type: EventType
    agency: AgencyKind
    org: str
    record: str  # "<org>/<system>/<source record id>": one source record, all its versions
    version: int
    source_person: str  # "<org>/<system>/<source person id>": what an unmerge splits off
    recorded_ms: int
    occurred: date
    values: dict[str, FactValue]

    def day(self, name: str) -> date | None:
        """A date field of this fact (None when absent or not a date)."""
        return date_value(self.values.get(name))


def date_value(value: FactValue) -> date | None:
    """An ISO date value as a date; anything else None."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _plain(value: Any) -> FactValue:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | bool):
        return value
    return None  # nested records are never rule inputs


def extract_fact(event: Event, needed: Mapping[EventType, Iterable[str]]) -> Fact | None:
    """The fact of ``event`` if any rule reads its type, else None."""
    names = needed.get(event.event_type)
    if names is None:
        return None
    payload = event.payload
    values: dict[str, FactValue] = {}
    for name in sorted(names):
        getter = _ENVELOPE.get(name)
        values[name] = _plain(getter(event) if getter else getattr(payload, name, None))
    src = event.source
    return Fact(
        event_id=event.event_id,
        event_type=event.event_type,
        agency=src.agency_kind,
        org=src.org_code,
        record=f"{src.org_code}/{src.system}/{src.source_record_id}",
        version=src.record_version,
        source_person=f"{src.org_code}/{src.system}/{event.subject.source_person_id}",
        recorded_ms=int(event.recorded_at.timestamp() * 1000),
        occurred=event.occurred_at.date(),
        values=values,
    )


def add_fact(facts: tuple[Fact, ...], fact: Fact) -> tuple[Fact, ...] | None:
    """``facts`` plus ``fact``; None when nothing changes (a duplicate or an older version)."""
    for existing in facts:
        if existing.event_id == fact.event_id:
            return None
        if existing.record == fact.record and existing.event_type == fact.event_type:
            if existing.version >= fact.version:
                return None
            kept = tuple(f for f in facts if f is not existing)
            return _ordered((*kept, fact))
    return _ordered((*facts, fact))


def _ordered(facts: Iterable[Fact]) -> tuple[Fact, ...]:
    return tuple(sorted(facts, key=lambda f: (f.occurred, f.recorded_ms, f.event_id)))
