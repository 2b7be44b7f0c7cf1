"""What each event says about an organisation's involvement with the child: the marks the
relationship fold is built from (one table, one small function per kind of agency).

A mark opens (START) or closes (END, on the last day it held) one relationship keyed
(kind, organisation, reference). References are the envelope's case id where the source
gives one, else a fixed name per kind, so a start and its end meet without ids matching
across event types. PLAN marks the day a final EHC plan was issued; ADVISER names an
organisation asked for advice in an EHC case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from hub.models import (
    AppointmentOutcome,
    AssessDecision,
    AssessmentOutcome,
    Event,
    EventType,
    IssueDecision,
)

__all__ = ["Mark", "MarkAction", "mark_from_row", "mark_row", "marks_of"]

MarkAction = Literal["START", "END", "PLAN", "ADVISER"]


@dataclass(frozen=True, slots=True)
class Mark:
    """One event's effect on one relationship."""

    kind: str
    org_code: str
    ref: str
    action: MarkAction
    day: date
    adviser: str | None = None


_T = EventType
# Weekly attendance is not counted as proof of the roll: it is most of a child's entries, and
# a school sends its roll (PupilEnrolled, from the MIS or a CTF) when it joins the hub.
_SCHOOL = (_T.PupilEnrolled, _T.Suspension, _T.Exclusion, _T.SENSupportStarted,
           _T.SENSupportEnded, _T.SENNeedChanged)  # fmt: skip
_HEALTH = (_T.HealthReview2Year, _T.HealthReferralMade, _T.HealthReferralAccepted,
           _T.AppointmentAttended, _T.AppointmentWasNotBrought, _T.Diagnosis)  # fmt: skip
# Social care: event type -> (relationship kind, default reference, START or END).
_SOCIAL: dict[EventType, tuple[str, str, MarkAction]] = {
    _T.SocialCareReferralAccepted: ("SOCIAL_CARE", "cin", "START"),
    _T.CINAssessment: ("SOCIAL_CARE", "cin", "START"),
    _T.CINPlanStarted: ("SOCIAL_CARE", "cin", "START"),
    _T.CINPlanEnded: ("SOCIAL_CARE", "cin", "END"),
    _T.EarlyHelpStarted: ("EARLY_HELP", "early-help", "START"),
    _T.EarlyHelpClosed: ("EARLY_HELP", "early-help", "END"),
    _T.S47Started: ("CHILD_PROTECTION", "cp", "START"),
    _T.InitialCPConference: ("CHILD_PROTECTION", "cp", "START"),
    _T.CPPlanStarted: ("CHILD_PROTECTION", "cp", "START"),
    _T.CPPlanEnded: ("CHILD_PROTECTION", "cp", "END"),
    _T.LookedAfterStarted: ("LOOKED_AFTER", "lac", "START"),
    _T.LookedAfterEnded: ("LOOKED_AFTER", "lac", "END"),
    _T.ShortBreakStarted: ("SOCIAL_CARE", "short-break", "START"),
    _T.ShortBreakEnded: ("SOCIAL_CARE", "short-break", "END"),
}


def mark_row(mark: Mark) -> list[str | None]:
    """A mark as a JSON-ready row (the web read model stores marks per entry)."""
    return [mark.kind, mark.org_code, mark.ref, mark.action, mark.day.isoformat(), mark.adviser]


def mark_from_row(row: list[str | None]) -> Mark:
    """The mark of a `mark_row`."""
    kind, org, ref, action, day, adviser = row
    actions: dict[str | None, MarkAction] = {a: a for a in ("START", "END", "PLAN", "ADVISER")}
    if action not in actions or not (kind and org and ref and day):
        raise ValueError(f"not a relationship mark: {row!r}")
    return Mark(kind, org, ref, actions[action], date.fromisoformat(day), adviser)


def _first_date(payload: Any) -> date | None:
    """The payload's own date: the first date-typed field of the record."""
    for value in payload.__dict__.values():
        if isinstance(value, date):
            return value
    return None


def _start_day(event: Event) -> date:
    """When an event proves involvement: its own date, or when it happened if that is earlier
    (a phase-transfer event carries a future due date but proves the plan today)."""
    own = _first_date(event.payload)
    occurred = event.occurred_at.date()
    return occurred if own is None else min(own, occurred)


def _end_day(event: Event) -> date:
    """When an event ends involvement: its own date, else when it happened."""
    return _first_date(event.payload) or event.occurred_at.date()


def _school(event: Event) -> list[Mark]:
    p: Any = event.payload
    if event.event_type is _T.PupilLeft:
        return [Mark("ON_ROLL", p.urn, p.urn, "END", p.leaving_date)]
    # An enrolment, or a SEN support or behaviour return about the pupil, proves the roll.
    return [Mark("ON_ROLL", p.urn, p.urn, "START", _start_day(event))]


def _ehc(event: Event) -> list[Mark]:
    p: Any = event.payload
    la, ref, t = event.source.org_code, event.case_id or "ehc", event.event_type
    closes = (
        (t is _T.EHCAssessDecision and p.decision is not AssessDecision.ASSESS)
        or (t is _T.EHCIssueDecision and p.decision is IssueDecision.NOT_ISSUE)
        or t is _T.EHCCeased
    )
    if closes:
        return [Mark("EHC_CASE", la, ref, "END", _end_day(event))]
    marks = [Mark("EHC_CASE", la, ref, "START", _start_day(event))]
    if t is _T.EHCFinalIssued:
        marks.append(Mark("EHC_CASE", la, ref, "PLAN", p.final_date))
    if t is _T.EHCAdviceRequested and p.adviser_org_code:
        marks.append(Mark("EHC_CASE", la, ref, "ADVISER", p.requested_date, p.adviser_org_code))
    return marks


def _advice(event: Event) -> list[Mark]:
    # Advice for an EHC assessment names the adviser; the case is the envelope's case id,
    # run by an LA we do not know from this event, so the adviser is tied by reference only.
    p: Any = event.payload
    return [Mark("EHC_CASE", "*", event.case_id or "ehc", "ADVISER", p.requested_date,
                 event.source.org_code)]  # fmt: skip


def _health(event: Event) -> list[Mark]:
    p: Any = event.payload
    service = getattr(p, "service", None)
    ref = event.case_id or (service.value if service is not None else "HEALTH_VISITING")
    ends = event.event_type is _T.AppointmentAttended and p.outcome is AppointmentOutcome.DISCHARGED
    day = _end_day(event) if ends else _start_day(event)
    return [Mark("HEALTH_EPISODE", event.source.org_code, ref, "END" if ends else "START", day)]


def _social(event: Event) -> list[Mark]:
    p: Any = event.payload
    kind, ref, action = _SOCIAL[event.event_type]
    if event.event_type is _T.CINAssessment and p.outcome is AssessmentOutcome.NO_FURTHER_ACTION:
        action = "END"
    if event.event_type is _T.InitialCPConference and not p.cp_plan:
        action = "END"
    day = _end_day(event) if action == "END" else _start_day(event)
    if event.event_type is _T.CINAssessment and action == "END":
        day = p.authorised_date or p.start_date
    return [Mark(kind, event.source.org_code, event.case_id or ref, action, day)]


def _dispatch() -> dict[EventType, Callable[[Event], list[Mark]]]:
    table: dict[EventType, Callable[[Event], list[Mark]]] = {}
    table.update({t: _school for t in (*_SCHOOL, _T.PupilLeft)})
    table.update({t: _ehc for t in EventType if t.value.startswith("EHC")})
    table.update({t: _health for t in _HEALTH})
    table.update({t: _social for t in _SOCIAL})
    table.update({_T.HealthAdviceForEHC: _advice, _T.SocialCareAdviceForEHC: _advice})
    return table


_DISPATCH = _dispatch()


def marks_of(event: Event) -> list[Mark]:
    """The marks ``event`` makes; events that say nothing about involvement make none."""
    handler = _DISPATCH.get(event.event_type)
    return handler(event) if handler is not None else []
