"""A child's journey at a glance: the summary band and the grouped timeline of the child page.

Plain functions over the timeline items a caller may see (`hub.web.children.reads` has
already applied the access rules), so the summary never says more than the rows below it.
Routine weekly attendance is grouped into school-term summaries with an attendance rate;
milestones (EHC steps, referrals, diagnoses, plans, exclusions, protection) are marked
significant so they stand out from the routine.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.web.children.views import TimelineItem

__all__ = ["AttendanceGroup", "Journey", "JourneyRow", "Summary", "group_rows", "summarise"]

_ATTENDANCE = "AttendanceSummary"
SIGNIFICANT = frozenset({
    "EHCNARequested", "EHCAssessDecision", "EHCIssueDecision", "EHCDraftIssued",
    "EHCFinalIssued", "EHCReviewDecision", "EHCAmended", "EHCCeased", "EHCPhaseTransfer",
    "HealthReferralMade", "Diagnosis", "HealthReview2Year", "SENSupportStarted",
    "SENSupportEnded", "Suspension", "Exclusion", "SocialCareReferralAccepted",
    "CINPlanStarted", "S47Started", "CPPlanStarted", "CPPlanEnded", "LookedAfterStarted",
    "LookedAfterEnded", "EarlyHelpStarted",
})  # fmt: skip
_EHC_STAGES = {
    "EHCNARequested": "Needs assessment requested",
    "EHCAssessDecision": "Decision on assessment",
    "EHCAdviceRequested": "Assessment: advice requested",
    "EHCAdviceReceived": "Assessment: advice received",
    "EHCIssueDecision": "Decision on issuing a plan",
    "EHCDraftIssued": "Draft plan issued",
    "EHCFinalIssued": "EHC plan in place",
    "EHCReviewHeld": "EHC plan: review held",
    "EHCReviewDecision": "EHC plan: review decided",
    "EHCAmended": "EHC plan amended",
    "EHCPhaseTransfer": "EHC plan: phase transfer",
    "EHCCeased": "EHC plan ceased",
}
_PROVISION = {"E": "EHC plan", "K": "SEN support", "N": "No SEN recorded"}
# Social care episodes: (start type, end type, id field, plain name).
_EPISODES = (
    ("EarlyHelpStarted", "EarlyHelpClosed", "episode_id", "Early help"),
    ("CINPlanStarted", "CINPlanEnded", "plan_id", "Child in need plan"),
    ("CPPlanStarted", "CPPlanEnded", "plan_id", "Child protection plan"),
    ("LookedAfterStarted", "LookedAfterEnded", "episode_id", "Looked after"),
    ("ShortBreakStarted", "ShortBreakEnded", "episode_id", "Short breaks"),
)


@dataclass(frozen=True)
class Summary:
    """The band above the timeline: where the child is now, as far as the caller may see."""

    school: str | None
    sen_status: str | None
    ehc_stage: str | None
    open_referrals: list[str]
    open_social_care: list[str]
    agencies: list[str]
    first: date | None
    last: date | None
    entries: int

    @property
    def years(self) -> float:
        return (self.last - self.first).days / 365.25 if self.first and self.last else 0.0


@dataclass
class AttendanceGroup:
    """One school term of weekly attendance summaries, folded into one row."""

    label: str
    weeks: list[TimelineItem] = field(default_factory=list)

    @property
    def possible(self) -> int:
        return sum(int(w.payload.get("possible_sessions", 0)) for w in self.weeks)

    @property
    def attended(self) -> int:
        return sum(int(w.payload.get("attended_sessions", 0)) for w in self.weeks)

    @property
    def rate(self) -> float | None:
        return 100 * self.attended / self.possible if self.possible else None

    @property
    def rates(self) -> list[float]:
        """Each week's rate (%), weeks with no possible session left out."""
        return [r for w in self.weeks if (r := week_rate(w)) is not None]

    @property
    def outline_only(self) -> bool:
        """Every week is shown in outline only (the sharing policy withholds the figures)."""
        return all(not w.payload for w in self.weeks)

    @property
    def persistent_weeks(self) -> int:
        return sum(1 for w in self.weeks if w.payload.get("persistent_absence"))


@dataclass(frozen=True)
class JourneyRow:
    """A row of the grouped timeline: one entry, or one term of attendance."""

    item: TimelineItem | None = None
    attendance: AttendanceGroup | None = None
    significant: bool = False


@dataclass(frozen=True)
class Journey:
    summary: Summary
    rows: list[JourneyRow]
    key_events: list[TimelineItem]


def week_rate(item: TimelineItem) -> float | None:
    """Attendance rate of one week (%), or None when no session was possible."""
    possible = int(item.payload.get("possible_sessions", 0))
    return 100 * int(item.payload.get("attended_sessions", 0)) / possible if possible else None


def term_of(day: date) -> str:
    """The school term a day falls in: autumn (Sep-Dec), spring (Jan-Mar), summer (Apr-Aug)."""
    if day.month >= 9:
        return f"Autumn term {day.year}"
    return f"{'Spring' if day.month <= 3 else 'Summer'} term {day.year}"


def group_rows(items: Iterable[TimelineItem]) -> list[JourneyRow]:
    """Items in order, with each term's attendance weeks folded into one row where it starts."""
    rows: list[JourneyRow] = []
    groups: dict[str, AttendanceGroup] = {}
    for item in items:
        if item.event_type != _ATTENDANCE:
            rows.append(JourneyRow(item=item, significant=item.event_type in SIGNIFICANT))
            continue
        label = term_of(_day(item))
        if label not in groups:
            groups[label] = AttendanceGroup(label)
            rows.append(JourneyRow(attendance=groups[label]))
        groups[label].weeks.append(item)
    return rows


def _day(item: TimelineItem) -> date:
    week = item.payload.get("week_start")
    return date.fromisoformat(week) if isinstance(week, str) else item.occurred_at.date()


def _school(items: list[TimelineItem]) -> str | None:
    urn: str | None = None
    for item in items:
        if item.event_type in ("PupilEnrolled", _ATTENDANCE) and item.payload.get("urn"):
            urn = str(item.payload["urn"])
        elif item.event_type == "PupilLeft" and item.payload.get("urn") == urn:
            urn = None
    return f"URN {urn}" if urn else None


def _sen_status(items: list[TimelineItem]) -> str | None:
    status: str | None = None
    for item in items:
        p = item.payload
        provision = p.get("provision") or p.get("provision_after") or p.get("sen_provision")
        if item.event_type == "EHCFinalIssued":
            provision = "E"
        if provision:
            status = _PROVISION.get(str(provision), str(provision))
            needs = [str(n.get("need_type")) for n in p.get("needs") or () if isinstance(n, dict)]
            status += f" ({', '.join(needs)})" if needs and provision != "N" else ""
    return status


def _ehc_stage(items: list[TimelineItem]) -> str | None:
    stage: str | None = None
    for item in items:
        if item.event_type in _EHC_STAGES:
            stage = _EHC_STAGES[item.event_type]
            decision = item.payload.get("decision")
            stage += f": {str(decision).replace('_', ' ').lower()}" if decision else ""
    return stage


def _open_referrals(items: list[TimelineItem]) -> list[str]:
    # A referral stays open until the child is seen by that service.
    open_by_service: dict[str, date] = {}
    for item in items:
        service = str(item.payload.get("service", "")).replace("_", " ")
        if item.event_type == "HealthReferralMade":
            open_by_service.setdefault(service, item.occurred_at.date())
        elif item.event_type == "AppointmentAttended":
            open_by_service.pop(service, None)
    return [f"{s} since {d:%-d %b %Y}" for s, d in sorted(open_by_service.items())]


def _open_social_care(items: list[TimelineItem]) -> list[str]:
    started: dict[tuple[str, Any], tuple[str, date]] = {}
    for start, end, key, name in _EPISODES:
        for item in items:
            ident = (name, item.payload.get(key))
            if item.event_type == start:
                started[ident] = (name, item.occurred_at.date())
            elif item.event_type == end:
                started.pop(ident, None)
    return [f"{name} since {d:%-d %b %Y}" for name, d in sorted(started.values())]


def summarise(items: list[TimelineItem], shown: list[TimelineItem] | None = None) -> Journey:
    """The summary band and key events of ``items``, and the grouped rows of ``shown``.

    Both in timeline order; ``shown`` (the filtered view) defaults to ``items``.
    """
    days = [i.occurred_at.date() for i in items]
    summary = Summary(
        school=_school(items), sen_status=_sen_status(items), ehc_stage=_ehc_stage(items),
        open_referrals=_open_referrals(items), open_social_care=_open_social_care(items),
        agencies=sorted({i.agency_kind.value for i in items}),
        first=min(days, default=None), last=max(days, default=None), entries=len(items),
    )  # fmt: skip
    key = [i for i in items if i.event_type in SIGNIFICANT]
    return Journey(summary, group_rows(items if shown is None else shown), list(reversed(key)))
