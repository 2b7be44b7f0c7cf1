"""The due date of a clock instance from its start trigger's limit (one function per kind).

Calendar days and weeks are added to the start date; months clamp to the month's end; working
days skip weekends and bank holidays; a fixed date takes its year from the event (a transfer
year, or the year of a date field when the year is not sent); a source due date is used as sent.
"""

from __future__ import annotations

from datetime import date, timedelta

from hub.clocks.calendar import BankHolidays, add_months, add_working_days
from hub.clocks.facts import Fact
from hub.clocks.rules import ClockRule, FixedDate, Limit, Trigger

__all__ = ["due_date", "limit_text"]


def due_date(
    rule: ClockRule, trigger: Trigger, fact: Fact, start: date, holidays: BankHolidays
) -> date | None:
    """Due date of an instance started by ``trigger`` on ``start``; None if the event lacks it."""
    limit = trigger.limit or rule.limit
    base = fact.day(limit.from_field) if limit.from_field else start
    if base is None:
        return None
    if limit.fixed is not None:
        return _fixed(limit.fixed, fact)
    if limit.source_due is not None:
        return fact.day(limit.source_due)
    if limit.working_days is not None:
        return add_working_days(base, limit.working_days, holidays)
    if limit.months is not None:
        return add_months(base, limit.months)
    return base + timedelta(days=(limit.days or 0) + 7 * (limit.weeks or 0))


def _fixed(fixed: FixedDate, fact: Fact) -> date | None:
    year = fact.values.get(fixed.year_field)
    if not isinstance(year, int) or isinstance(year, bool):
        fallback = fact.day(fixed.year_from_date_field) if fixed.year_from_date_field else None
        if fallback is None:
            return None
        year = fallback.year
    return date(year, fixed.month, fixed.day)


def limit_text(limit: Limit) -> str:
    """The limit in words, for explanations."""
    if limit.fixed is not None:
        return f"fixed date {limit.fixed.day:02d}/{limit.fixed.month:02d} of the year"
    if limit.source_due is not None:
        return "due date given by the source"
    for name, unit in (("weeks", "week"), ("months", "month"), ("working_days", "working day")):
        value = getattr(limit, name)
        if value is not None:
            return f"{value} {unit}{'' if value == 1 else 's'}"
    days = limit.days or 0
    if days < 0:
        return f"{-days} days before {limit.from_field or 'the start'}"
    return f"{days} day{'' if days == 1 else 's'}"
