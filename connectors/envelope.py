"""From adapter output to a validated contract `Event`, or the reasons it cannot be one.

Adapters describe a record as a `Draft` (source identity, subject as plain values,
payload as a plain mapping). `to_event` checks the subject's identifiers (an invalid
NHS number, UPN or ULN rejects the record: a wrong identifier is worse than none for
matching), derives the deterministic event id and the catalogue's tier, category and
purpose, and validates with the pydantic mirror of the Avro contract. Every problem
names the *source* field it came from, so the rejects file points at the right column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from connectors.fields import FieldProblem
from hub.identifiers import check_nhs_number, check_uln, check_upn
from hub.models import (
    EVENT_SCHEMA_VERSION,
    EVENT_TYPES,
    AgencyKind,
    Event,
    EventType,
    EventTypeInfo,
    Source,
)

__all__ = ["Draft", "DraftRejected", "as_utc", "check_identifiers", "to_event"]

# Exports repeat a pupil's identifiers on every row (40 attendance weeks a year), so the
# check of each distinct value is cached: a large share of per-row cost otherwise.
_CHECKS = {
    "nhs_number": lru_cache(maxsize=65536)(check_nhs_number),
    "upn": lru_cache(maxsize=65536)(check_upn),
    "former_upn": lru_cache(maxsize=65536)(check_upn),
    "uln": lru_cache(maxsize=65536)(check_uln),
}


class DraftRejected(ValueError):
    """One or more problems with a draft; each names a source field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        if len(problems) == 1:
            super().__init__(problems[0].reason)
        else:
            super().__init__("; ".join(f"{p.column}: {p.reason}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything needed for one event, before validation."""

    event_type: str
    agency_kind: AgencyKind
    org_code: str
    system: str
    record_id: str
    version: int
    occurred: date | datetime
    recorded: date | datetime
    subject: Mapping[str, Any]
    payload: Mapping[str, Any]
    case_id: str | None = None
    clock_id: str | None = None
    # Contract field name -> source field name, for naming problems in the rejects file.
    origin: Mapping[str, str] = field(default_factory=dict)


def as_utc(value: date | datetime) -> datetime:
    """A date becomes midnight UTC; a naive datetime is taken as UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def check_identifiers(subject: dict[str, Any], origin: Mapping[str, str]) -> list[FieldProblem]:
    """Normalise identifiers in place; return a problem for each invalid one."""
    problems = []
    for name, check in _CHECKS.items():
        raw = subject.get(name)
        if not raw:
            subject[name] = None
            continue
        result = check(raw)
        if result.ok:
            subject[name] = result.value
        else:
            problems.append(FieldProblem(origin.get(name, name), result.error or "invalid"))
    return problems


def to_event(draft: Draft) -> Event:
    """Validate a draft into an Event; raises `DraftRejected` naming each bad source field."""
    subject = dict(draft.subject)
    problems = check_identifiers(subject, draft.origin)
    if problems:
        raise DraftRejected(problems)
    info = EVENT_TYPES[EventType(draft.event_type)]
    source = Source(
        agency_kind=draft.agency_kind,
        org_code=draft.org_code,
        system=draft.system,
        source_record_id=draft.record_id,
        record_version=draft.version,
    )
    try:
        return Event.model_validate(_event_fields(draft, info, source, subject))
    except ValidationError as exc:
        raise DraftRejected(_problems(exc, draft.origin)) from exc


def _event_fields(
    draft: Draft, info: EventTypeInfo, source: Source, subject: dict[str, Any]
) -> dict[str, Any]:
    """The envelope: identity from the source record, classification from the catalogue."""
    return {
        "event_id": source.event_id(),
        "event_type": info.event_type,
        "schema_version": EVENT_SCHEMA_VERSION,
        "occurred_at": as_utc(draft.occurred),
        "recorded_at": as_utc(draft.recorded),
        "source": source,
        "subject": subject,
        "sensitivity": info.sensitivity,
        "category": info.category,
        "purpose": info.purpose,
        "case_id": draft.case_id,
        "clock_id": draft.clock_id,
        "payload": dict(draft.payload),
    }


def _problems(exc: ValidationError, origin: Mapping[str, str]) -> list[FieldProblem]:
    found = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        # loc is e.g. ("payload", "<EventType>", "sessions") or ("subject", "sex").
        names = loc[2:] if loc[:1] == ["payload"] else loc[1:]
        key = names[0] if names else (loc[0] if loc else "")
        where = origin.get(key) or ".".join(loc) or "record"
        found.append(FieldProblem(where, str(error["msg"])))
    return found
