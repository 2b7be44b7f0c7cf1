"""Evaluate the clock rules over one child's facts at a given day: each clock instance's state.

Every start, stop and cancel a rule finds in the facts becomes an action dated by its trigger's
date field; actions are applied in date order, so the arrival order of events never matters
(late and out-of-order events give the same state as in-order ones). A keyed stop dated before
its start waits for the start. The state is recomputed from the facts each time, which is what
lets a merge join two half-journeys and an unmerge split them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from hub.clocks.calendar import BankHolidays
from hub.clocks.facts import Fact
from hub.clocks.limits import due_date
from hub.clocks.rules import SEN2_20_WEEK, ClockRule, ClockRules, Trigger
from hub.clocks.status import ClockState, status_of
from hub.models.enums import EventType

__all__ = ["evaluate", "evaluate_clock"]

_Phase = Literal["start", "stop", "cancel"]
_ORDER = {"start": 0, "stop": 1, "cancel": 2}


@dataclass(order=True)
class _Action:
    on: date
    order: int
    recorded_ms: int
    event_id: str
    phase: _Phase = field(compare=False)
    trigger: Trigger = field(compare=False)
    fact: Fact = field(compare=False)

    @property
    def key(self) -> str | None:
        if self.trigger.key is None:
            return None
        value = self.fact.values.get(self.trigger.key)
        return None if value is None else str(value)


@dataclass
class _Instance:
    start: date
    due: date
    key: str | None
    org: str | None
    la: str | None
    event_ids: list[str]
    ended: date | None = None
    ended_by: str | None = None
    cancelled: bool = False
    exception: str | None = None


def _actions(rule: ClockRule, facts: Sequence[Fact]) -> list[_Action]:
    found: list[_Action] = []
    groups: tuple[tuple[_Phase, tuple[Trigger, ...]], ...] = (
        ("start", rule.start),
        ("stop", rule.stop),
        ("cancel", rule.cancel),
    )
    for phase, triggers in groups:
        for trigger in triggers:
            for fact in facts:
                if fact.event_type is not trigger.event or not trigger.matches(fact.values):
                    continue
                when = fact.day(trigger.date)
                if when is not None:
                    order = (when, _ORDER[phase], fact.recorded_ms, fact.event_id)
                    found.append(_Action(*order, phase, trigger, fact))
    return sorted(found)


class _Run:
    """Applies one rule's actions in date order."""

    def __init__(self, rule: ClockRule, holidays: BankHolidays) -> None:
        self.rule, self.holidays = rule, holidays
        self.instances: list[_Instance] = []
        self.pending: dict[str, _Action] = {}

    def open_latest(self, on: date, unkeyed: bool = False) -> _Instance | None:
        candidates = [
            i
            for i in self.instances
            if i.ended is None and i.start <= on and not (unkeyed and i.key)
        ]
        return candidates[-1] if candidates else None

    def start(self, action: _Action) -> None:
        due = due_date(self.rule, action.trigger, action.fact, action.on, self.holidays)
        if due is None:
            return
        key = action.key
        found = next((i for i in self.instances if key and i.key == key), None)
        if found is None and key is None and not action.trigger.rolls:
            found = self.open_latest(action.on)
        if found is not None:
            if found.ended is None:
                found.due = max(found.due, due)
                found.event_ids.append(action.event_id)
            return
        if action.trigger.rolls and (previous := self.open_latest(action.on)):
            self.end(previous, action)
        values = action.fact.values
        org, la = values.get(self.rule.binds.org_field), values.get("@org")
        inst = _Instance(action.on, due, key, _text(org), _text(la), [action.event_id])
        self.instances.append(inst)
        if key and key in self.pending:
            self.end(inst, self.pending.pop(key))

    def stop(self, action: _Action) -> None:
        """Stop (or cancel) the instance the action is about; a keyed early stop waits."""
        key = action.key
        if key is None:
            inst = self.open_latest(action.on)
        else:
            inst = next((i for i in self.instances if i.key == key), None)
            if inst is None:
                inst = self.open_latest(action.on, unkeyed=True)
            if inst is None:
                self.pending.setdefault(key, action)
                return
        if inst is not None and inst.ended is None:
            self.end(inst, action)

    def end(self, inst: _Instance, action: _Action) -> None:
        inst.ended, inst.ended_by = action.on, action.fact.event_type.value
        inst.cancelled = action.phase == "cancel"
        inst.event_ids.append(action.event_id)
        inst.exception = _exception(self.rule, action)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _exception(rule: ClockRule, action: _Action) -> str | None:
    for name in action.trigger.exception_fields:
        value = action.fact.values.get(name)
        code = SEN2_20_WEEK if value is True else value
        if isinstance(code, str) and code in rule.exceptions:
            return code
    return None


def evaluate_clock(
    rule: ClockRule,
    facts: Sequence[Fact],
    today: date,
    due_soon_days: int,
    holidays: BankHolidays,
) -> list[ClockState]:
    """Every instance of one clock over ``facts``, with its status on ``today``."""
    run = _Run(rule, holidays)
    for action in _actions(rule, facts):
        getattr(run, "start" if action.phase == "start" else "stop")(action)
    soon = rule.due_soon_days if rule.due_soon_days is not None else due_soon_days
    return [
        status_of(
            rule, i.start, i.due, i.ended, i.ended_by, i.cancelled, i.exception, today, soon
        ).model_copy(
            update={"key": i.key, "org_code": i.org, "la": i.la, "event_ids": tuple(i.event_ids)}
        )
        for i in run.instances
    ]


def evaluate(
    rules: ClockRules, facts: tuple[Fact, ...], today: date, holidays: BankHolidays
) -> tuple[ClockState, ...]:
    """Every clock instance of one child on ``today``, clock by clock in rule-file order."""
    by_type: dict[EventType, list[Fact]] = {}
    for fact in facts:  # each clock looks only at the few event types its triggers name
        by_type.setdefault(fact.event_type, []).append(fact)
    states: list[ClockState] = []
    for rule in rules.clocks:
        mine = [f for t in {t.event for t in rule.triggers()} for f in by_type.get(t, ())]
        if mine:
            states.extend(evaluate_clock(rule, mine, today, rules.due_soon_days, holidays))
    return tuple(states)
