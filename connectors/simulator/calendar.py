"""School-year arithmetic for the simulator: year groups, term weeks, working days.

England's school year starts on 1 September; a child starts Reception (year 0)
in the September after their fourth birthday. Term dates vary by authority, so a
typical Lancashire-like pattern of holidays is used (fixed month/day ranges).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

__all__ = [
    "academic_year",
    "add_working_days",
    "age_days",
    "in_term",
    "phase_transfer_deadline",
    "school_days",
    "term_weeks",
    "year_group",
]

# Holidays as ((month, day) from, (month, day) to), inclusive.
_HOLIDAYS = (
    ((7, 23), (9, 2)),  # summer
    ((10, 25), (11, 2)),  # October half term
    ((12, 20), (12, 31)),  # Christmas
    ((1, 1), (1, 4)),
    ((2, 14), (2, 22)),  # February half term
    ((3, 29), (4, 13)),  # Easter (a fixed approximation)
    ((5, 24), (6, 1)),  # May half term
)


def academic_year(when: date) -> int:
    """The calendar year in which the school year containing ``when`` started."""
    return when.year if when.month >= 9 else when.year - 1


def age_days(dob: date, when: date) -> int:
    """Days from ``dob`` to ``when`` (negative before birth)."""
    return (when - dob).days


def year_group(dob: date, when: date) -> int:
    """National curriculum year on ``when``: 0 is Reception, -1 nursery, 12-13 sixth form."""
    born = dob.year if dob.month >= 9 else dob.year - 1
    return academic_year(when) - born - 5


def in_term(when: date) -> bool:
    key = (when.month, when.day)
    return when.weekday() < 5 and not any(lo <= key <= hi for lo, hi in _HOLIDAYS)


def term_weeks(start: date, end: date) -> Iterator[date]:
    """Mondays in ``[start, end)`` whose week has at least three school days."""
    monday = start - timedelta(days=start.weekday())
    if monday < start:
        monday += timedelta(days=7)
    while monday < end:
        days = sum(in_term(monday + timedelta(days=i)) for i in range(5))
        if days >= 3:
            yield monday
        monday += timedelta(days=7)


def school_days(monday: date) -> int:
    return sum(in_term(monday + timedelta(days=i)) for i in range(5))


def add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def phase_transfer_deadline(transfer_year: int, to_post16: bool) -> date:
    """Statutory date by which the amended plan naming the new setting is due (reg 18)."""
    return date(transfer_year, 3, 31) if to_post16 else date(transfer_year, 2, 15)
