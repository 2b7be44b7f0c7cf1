"""Who may decide about sharing a child's information, on the day of the read.

Under 16 the parent with parental responsibility decides (a Gillick-competent child for their
own health information). From 16 the Mental Capacity Act 2005 presumes capacity, so the young
person decides, except that SEND decisions under the Children and Families Act 2014 pass to
the young person only at the end of compulsory school age: the last Friday in June of the
school year (1 September to 31 August) in which they turn 16. Where a young person lacks
capacity, a deputy or attorney decides. Nothing is stored: the answer is recomputed from the
date of birth and the day, so a child who crosses a threshold changes outcome with no event.
"""

from __future__ import annotations

from datetime import date, timedelta

from hub.consent.policy import Deciders
from hub.models import DataCategory, GiverRole

__all__ = ["age_on", "end_of_compulsory_school_age", "may_decide"]

_FRIDAY = 4


def age_on(dob: date, day: date) -> int:
    """Age in whole years on ``day`` (a 29 February birthday counts from 1 March)."""
    years = day.year - dob.year
    return years - 1 if (day.month, day.day) < (dob.month, dob.day) else years


def _last_friday_of_june(year: int) -> date:
    last = date(year, 6, 30)
    return last - timedelta(days=(last.weekday() - _FRIDAY) % 7)


def end_of_compulsory_school_age(dob: date) -> date:
    """The last Friday in June of the school year in which the child turns 16."""
    birthday_month = (dob.month, dob.day)
    # Turning 16 from 1 September onwards falls in the school year ending the next summer.
    year = dob.year + 16 + (1 if birthday_month >= (9, 1) else 0)
    return _last_friday_of_june(year)


def _young_person(role: GiverRole, evidence: bool) -> tuple[bool, str]:
    if role is GiverRole.YOUNG_PERSON:
        return True, "the young person decides"
    if role is GiverRole.DEPUTY_OR_ATTORNEY:
        if evidence:
            return True, "a deputy or attorney decides for a young person lacking capacity"
        return False, "a deputy or attorney must show the order or power of attorney"
    return False, "the young person decides now, not a parent"


def may_decide(
    role: GiverRole,
    category: DataCategory,
    dob: date | None,
    day: date,
    rules: Deciders,
    *,
    evidence: bool = False,
) -> tuple[bool, str]:
    """Whether someone in ``role`` may decide about ``category`` on ``day``, and why (not)."""
    if dob is None:
        return False, "the child's date of birth is unknown, so who may decide cannot be told"
    if category in rules.send_categories:
        if day <= end_of_compulsory_school_age(dob):
            if role is GiverRole.PR_HOLDER:
                return True, "a parent decides SEND matters until the end of compulsory school age"
            return False, "a parent decides SEND matters until the end of compulsory school age"
        return _young_person(role, evidence)
    if age_on(dob, day) >= rules.capacity_presumed_age:
        return _young_person(role, evidence)
    if role is GiverRole.PR_HOLDER:
        return True, "a parent decides for a child under 16"
    if role is GiverRole.GILLICK_COMPETENT_CHILD and category in rules.gillick_categories:
        return True, "a Gillick-competent child decides about their own health information"
    return False, "a parent decides for a child under 16"
