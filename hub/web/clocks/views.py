"""What the API and pages show of a clock instance: dates, status and the explanation."""

from datetime import date

from pydantic import BaseModel

from hub.clocks.status import ClockState

__all__ = ["ClockView", "clock_views"]

_ORDER = {
    "overdue": 0,
    "due_soon": 1,
    "on_track": 2,
    "missed": 3,
    "met": 4,
    "closed": 5,
    "stopped": 6,
}


class ClockView(BaseModel):
    """One statutory clock instance of a child."""

    clock_id: str
    title: str
    citation: str
    statutory: bool
    status: str
    start: date
    due: date
    stopped_on: date | None
    days_late: int
    exception: str | None
    agency: str
    role: str
    explanation: str


def clock_views(states: tuple[ClockState, ...]) -> list[ClockView]:
    """Open clocks first (most urgent first), then finished ones, newest due date first."""
    ordered = sorted(states, key=lambda s: (_ORDER[s.status.value], -s.due.toordinal()))
    return [
        ClockView(**s.model_dump(include=set(ClockView.model_fields) - {"status"}),
                  status=s.status.value)
        for s in ordered
    ]  # fmt: skip
