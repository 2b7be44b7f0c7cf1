"""A clock instance's state on a given day and the plain-English sentence that explains it.

Statuses: ``on_track``, ``due_soon`` (within the rule's due-soon days of the due date),
``overdue`` (open after the due date), ``met``, ``missed`` (stopped after the due date; an
exception excuses it but the status stays honest), ``stopped`` (cancelled: the duty no longer
applies) and ``closed`` (a window such as an appeal window ran out; nobody breached anything).
The due day itself is on time: a final plan on day 140 meets the 20 weeks, day 141 misses.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hub.clocks.limits import limit_text
from hub.clocks.rules import ClockRule

__all__ = ["ClockState", "ClockStatus", "status_of"]


class ClockStatus(StrEnum):
    """Where a clock instance stands."""

    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"
    STOPPED = "stopped"
    CLOSED = "closed"


class ClockState(BaseModel):
    """One clock instance of one child on one day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clock_id: str
    title: str
    citation: str
    statutory: bool
    agency: str
    role: str
    start: date
    due: date
    stopped_on: date | None
    status: ClockStatus
    exception: str | None
    days_late: int
    explanation: str
    key: str | None = None
    org_code: str | None = None  # organisation the duty falls on (an LA, a health provider)
    la: str | None = None  # the local authority whose case it is (KPIs are per LA)
    event_ids: tuple[str, ...] = ()

    @property
    def instance_id(self) -> str:
        """Stable id of this instance: clock and key (or start date)."""
        return f"{self.clock_id}:{self.key or self.start.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.status in (ClockStatus.ON_TRACK, ClockStatus.DUE_SOON, ClockStatus.OVERDUE)


def _status(
    rule: ClockRule, due: date, ended: date | None, cancelled: bool, today: date, soon: int
) -> ClockStatus:
    if cancelled:
        return ClockStatus.STOPPED
    if ended is not None:
        on_time = ended >= due if rule.kind == "minimum" else ended <= due
        return ClockStatus.MET if on_time else ClockStatus.MISSED
    if rule.kind == "minimum":
        return ClockStatus.ON_TRACK
    if today > due:
        return ClockStatus.CLOSED if rule.kind == "window" else ClockStatus.OVERDUE
    return ClockStatus.DUE_SOON if (due - today).days <= soon else ClockStatus.ON_TRACK


def _explain(
    rule: ClockRule, start: date, due: date, ended: date | None, ended_by: str | None,
    cancelled: bool, status: ClockStatus, late: int, exception: str | None,
) -> str:  # fmt: skip
    words = [f"Started {start}; due {due} ({limit_text(rule.limit)})."]
    if ended is not None:
        words.append(f"{'Cancelled' if cancelled else 'Stopped'} {ended} by {ended_by}.")
    words.append(f"Status {status.value}" + (f", {late} days late." if late else "."))
    if exception:
        words.append(f"Exception {exception} excuses the lateness (it does not pause the clock).")
    return " ".join(words)


def status_of(
    rule: ClockRule,
    start: date,
    due: date,
    ended: date | None,
    ended_by: str | None,
    cancelled: bool,
    exception: str | None,
    today: date,
    soon: int,
) -> ClockState:
    """The state of one instance on ``today``, with its explanation."""
    status = _status(rule, due, ended, cancelled, today, soon)
    late = max(0, ((ended or today) - due).days) if rule.kind == "duty" and not cancelled else 0
    text = _explain(rule, start, due, ended, ended_by, cancelled, status, late, exception)
    return ClockState(
        clock_id=rule.id,
        title=rule.title,
        citation=rule.citation,
        statutory=rule.statutory,
        agency=rule.binds.agency.value,
        role=rule.binds.role,
        start=start,
        due=due,
        stopped_on=ended,
        status=status,
        exception=exception,
        days_late=late,
        explanation=text,
    )
