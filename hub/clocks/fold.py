"""Per-child clock and signal state as a pure fold: ``apply(state, event, now)`` and ``tick``.

The state keeps the child's facts and the ids of alerts already raised; clock states are
derived from the facts on demand. ``tick(state, now)`` raises each due-soon and each breach
alert once (a clock that is first seen already overdue gets only the breach alert), plus each
early-identification signal once. A breach that happened more than ``max_alert_age_days`` ago
when first seen (a replay of history) is recorded in the state but not alerted. ``merge`` joins
two children's facts; ``split`` keeps the facts of the source records that stay, so an unmerge
recomputes both children's clocks from their own events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from hub.clocks.calendar import BankHolidays
from hub.clocks.engine import evaluate
from hub.clocks.facts import Fact, add_fact, extract_fact
from hub.clocks.rules import ClockRule, ClockRules
from hub.clocks.signals import SignalRules, fired_signals
from hub.clocks.status import ClockState, ClockStatus
from hub.models.alerts import Alert, AlertKind, AlertRecipient, make_alert_id
from hub.models.enums import EventType
from hub.models.envelope import Event

__all__ = [
    "ChildClocks",
    "Rulebook",
    "apply",
    "clocks_of",
    "from_events",
    "local_day",
    "merge",
    "next_check",
    "split",
    "tick",
]

_LONDON = ZoneInfo("Europe/London")


def local_day(now: datetime) -> date:
    """The calendar day in England at ``now``: statutory days are English days."""
    return now.astimezone(_LONDON).date()


@dataclass(frozen=True)
class Rulebook:
    """Everything the fold reads: clock rules, signal rules, bank holidays, alert settings."""

    clocks: ClockRules
    signals: SignalRules
    holidays: BankHolidays
    max_alert_age_days: int = 28

    @cached_property
    def needed(self) -> dict[EventType, set[str]]:
        """Payload fields a fact keeps, by event type (what any clock or signal reads)."""
        found = self.clocks.fields_by_event()
        for event_type, names in self.signals.fields_by_event().items():
            found.setdefault(event_type, set()).update(names)
        return found

    @cached_property
    def rules(self) -> dict[str, ClockRule]:
        """Clock rules by id."""
        return {rule.id: rule for rule in self.clocks.clocks}

    def due_soon_days(self, rule: ClockRule) -> int:
        return rule.due_soon_days if rule.due_soon_days is not None else self.clocks.due_soon_days


class ChildClocks(BaseModel):
    """One child's facts and the alerts already raised for them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    child_id: str
    facts: tuple[Fact, ...] = ()
    alerted: frozenset[str] = frozenset()


def apply(
    state: ChildClocks, event: Event, book: Rulebook, now: datetime
) -> tuple[ChildClocks, list[Alert]]:
    """Add the event's fact (if any rule reads it) and raise whatever is now due.

    An event that adds nothing (no rule reads it, a duplicate, an older version) changes
    nothing and raises nothing: what time alone makes due is the timer's job (``tick``).
    """
    fact = extract_fact(event, book.needed)
    facts = add_fact(state.facts, fact) if fact is not None else None
    if facts is None:
        return state, []
    return tick(state.model_copy(update={"facts": facts}), book, now)


def from_events(child_id: str, events: Iterable[Event], book: Rulebook) -> ChildClocks:
    """A child's state built straight from their events (no alerts): for readers."""
    facts: tuple[Fact, ...] = ()
    for event in events:
        fact = extract_fact(event, book.needed)
        if fact is not None:
            facts = add_fact(facts, fact) or facts
    return ChildClocks(child_id=child_id, facts=facts)


def clocks_of(state: ChildClocks, book: Rulebook, now: datetime) -> tuple[ClockState, ...]:
    """Every clock instance of the child on the English day of ``now``."""
    return evaluate(book.clocks, state.facts, local_day(now), book.holidays)


def tick(state: ChildClocks, book: Rulebook, now: datetime) -> tuple[ChildClocks, list[Alert]]:
    """Alerts due at ``now`` that were not raised before; the state remembers them."""
    today = local_day(now)
    alerts: list[Alert] = []
    for clock in clocks_of(state, book, now):
        alerts.extend(_clock_alerts(state, clock, book, today, now))
    for signal in fired_signals(book.signals, state.facts, today):
        alerts.append(signal.alert(state.child_id, book.signals.version, now))
    fresh = [a for a in alerts if a.alert_id not in state.alerted]
    if not fresh:
        return state, []
    return state.model_copy(update={"alerted": state.alerted | {a.alert_id for a in fresh}}), fresh


def _clock_alerts(
    state: ChildClocks, clock: ClockState, book: Rulebook, today: date, now: datetime
) -> list[Alert]:
    rule = book.rules[clock.clock_id]
    if not rule.alerts or clock.status not in (ClockStatus.DUE_SOON, ClockStatus.OVERDUE):
        return []
    if clock.status is ClockStatus.OVERDUE:
        if (today - clock.due).days > book.max_alert_age_days:
            return []  # history replayed long after the breach: shown on the page, not alerted
        kind, verb = AlertKind.CLOCK_BREACH, "is overdue"
    else:
        kind, verb = AlertKind.CLOCK_DUE_SOON, "is due soon"
    return [
        Alert(
            alert_id=make_alert_id(kind, clock.clock_id, state.child_id, clock.instance_id),
            kind=kind,
            raised_at=now,
            rule_id=clock.clock_id,
            rules_version=book.clocks.version,
            child_id=state.child_id,
            subject_key=clock.instance_id,
            due_date=clock.due,
            recipients=(AlertRecipient(role=clock.role, org_code=clock.org_code),),
            event_ids=clock.event_ids,
            explanation=f"{clock.title} {verb} ({clock.citation}). {clock.explanation}",
        )
    ]


def next_check(state: ChildClocks, book: Rulebook, now: datetime) -> date | None:
    """The first English day on which ``tick`` could raise a clock alert not yet raised.

    None when no open clock can alert any more; a worker's timer only ticks children whose
    day has come, instead of re-evaluating every child every time.
    """
    today, days = local_day(now), []
    for clock in clocks_of(state, book, now):
        rule = book.rules[clock.clock_id]
        if not rule.alerts or not clock.is_open:
            continue
        breach = make_alert_id(AlertKind.CLOCK_BREACH, rule.id, state.child_id, clock.instance_id)
        soon = make_alert_id(AlertKind.CLOCK_DUE_SOON, rule.id, state.child_id, clock.instance_id)
        after_due = clock.due + timedelta(days=1)
        if breach not in state.alerted and (today - clock.due).days <= book.max_alert_age_days:
            days.append(after_due)
        if soon not in state.alerted and clock.status is ClockStatus.ON_TRACK:
            days.append(clock.due - timedelta(days=book.due_soon_days(rule)))
    return max(today, min(days)) if days else None


def merge(kept: ChildClocks, merged: ChildClocks) -> ChildClocks:
    """``kept`` with ``merged``'s facts and raised alerts joined in (a merge of two children)."""
    facts = kept.facts
    for fact in merged.facts:
        facts = add_fact(facts, fact) or facts
    return kept.model_copy(update={"facts": facts, "alerted": kept.alerted | merged.alerted})


def split(
    state: ChildClocks, new_child_id: str, moves: Callable[[Fact], bool]
) -> tuple[ChildClocks, ChildClocks]:
    """Unmerge: facts for which ``moves`` holds go to ``new_child_id``; alerts stay raised."""
    stay = tuple(f for f in state.facts if not moves(f))
    go = tuple(f for f in state.facts if moves(f))
    moved = ChildClocks(child_id=new_child_id, facts=go)
    return state.model_copy(update={"facts": stay}), moved
