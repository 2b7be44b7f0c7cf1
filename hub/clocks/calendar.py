"""Date arithmetic of the statutory limits: calendar days and months, working days, fixed dates.

Working days skip Saturdays, Sundays and England's bank holidays, which are data (a versioned
list parsed here from already-read YAML text; ``hub.files.clocks`` reads the file). A working-day
sum that would run past the list's coverage is refused rather than guessed, so a stale list
shows up as an error, not as a wrong deadline. Month arithmetic clamps to the month's last day
(31 Jan + 1 month = 28/29 Feb), which is how "within 2 months" is read in practice.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from hub.errors import ConfigError

__all__ = [
    "BankHolidays",
    "CalendarOutOfRange",
    "add_months",
    "add_working_days",
    "parse_bank_holidays",
]


class CalendarOutOfRange(ConfigError):
    """A working-day sum reached a date the bank-holiday list does not cover."""


class BankHolidays(BaseModel):
    """England and Wales bank holidays over a stated span of years."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    covers_from: date
    covers_to: date
    dates: frozenset[date]

    @model_validator(mode="after")
    def _inside_span(self) -> BankHolidays:
        outside = [d for d in self.dates if not self.covers_from <= d <= self.covers_to]
        if outside:
            raise ValueError(f"bank holidays outside the covered span: {sorted(outside)[:3]}")
        return self

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a bank holiday (refused outside the covered span)."""
        if not self.covers_from <= day <= self.covers_to:
            raise CalendarOutOfRange(
                f"{day} is outside the bank-holiday list ({self.covers_from} to {self.covers_to});"
                " add the year's dates to the list"
            )
        return day.weekday() < 5 and day not in self.dates


def parse_bank_holidays(text: str) -> BankHolidays:
    """The bank-holiday list from its YAML text (validated; a bad file is a ConfigError)."""
    try:
        raw: Any = yaml.safe_load(text)
        return BankHolidays.model_validate(raw)
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"bank-holiday list is invalid: {exc}") from exc


def add_working_days(start: date, days: int, holidays: BankHolidays) -> date:
    """The date ``days`` working days after ``start`` (the start day itself is not counted)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if holidays.is_working_day(current):
            left -= 1
    return current


def add_months(start: date, months: int) -> date:
    """Same day ``months`` later, clamped to the end of a shorter month."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))
