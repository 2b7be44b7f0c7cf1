"""Who may decide follows the child's age on the day of the read."""

from datetime import date

import pytest

from hub.consent import age_on, end_of_compulsory_school_age, may_decide
from hub.files.policy import load_policy
from hub.models import DataCategory as C
from hub.models import GiverRole as G

RULES = load_policy().deciders


@pytest.mark.parametrize(
    ("dob", "ecsa"),
    [
        (date(2010, 8, 31), date(2026, 6, 26)),  # summer-born: leaves school aged 15
        (date(2010, 9, 1), date(2027, 6, 25)),  # autumn-born: a year later
        (date(2011, 1, 15), date(2027, 6, 25)),
        (date(2012, 2, 29), date(2028, 6, 30)),  # 30 June 2028 is itself a Friday
    ],
)
def test_end_of_compulsory_school_age_is_last_friday_of_june_of_the_year_they_turn_16(
    dob: date, ecsa: date
) -> None:
    assert end_of_compulsory_school_age(dob) == ecsa
    assert ecsa.weekday() == 4


def test_age_counts_whole_years_and_a_leap_day_birthday_from_1_march() -> None:
    assert age_on(date(2010, 5, 1), date(2026, 4, 30)) == 15
    assert age_on(date(2010, 5, 1), date(2026, 5, 1)) == 16
    assert age_on(date(2012, 2, 29), date(2028, 2, 28)) == 15
    assert age_on(date(2012, 2, 29), date(2028, 3, 1)) == 16


def test_send_decisions_pass_to_the_young_person_the_day_after_compulsory_school_age() -> None:
    dob = date(2010, 2, 14)  # ECSA Friday 26 June 2026
    assert may_decide(G.PR_HOLDER, C.SEN, dob, date(2026, 6, 26), RULES)[0]
    assert not may_decide(G.YOUNG_PERSON, C.SEN, dob, date(2026, 6, 26), RULES)[0]
    assert not may_decide(G.PR_HOLDER, C.SEN, dob, date(2026, 6, 27), RULES)[0]
    assert may_decide(G.YOUNG_PERSON, C.SEN, dob, date(2026, 6, 27), RULES)[0]


def test_from_16_health_is_the_young_persons_while_send_stays_with_the_parent() -> None:
    dob, day = date(2010, 10, 1), date(2026, 11, 2)  # 16, ECSA June 2027
    assert may_decide(G.YOUNG_PERSON, C.HEALTH, dob, day, RULES)[0]
    assert not may_decide(G.PR_HOLDER, C.HEALTH, dob, day, RULES)[0]
    assert may_decide(G.PR_HOLDER, C.SEN, dob, day, RULES)[0]
    assert not may_decide(G.YOUNG_PERSON, C.SEN, dob, day, RULES)[0]


def test_a_gillick_competent_child_decides_only_about_their_own_health_information() -> None:
    dob, day = date(2012, 1, 10), date(2026, 11, 2)  # 14
    assert may_decide(G.GILLICK_COMPETENT_CHILD, C.HEALTH, dob, day, RULES)[0]
    assert not may_decide(G.GILLICK_COMPETENT_CHILD, C.SOCIAL, dob, day, RULES)[0]
    assert not may_decide(G.GILLICK_COMPETENT_CHILD, C.SEN, dob, day, RULES)[0]
    assert may_decide(G.PR_HOLDER, C.SOCIAL, dob, day, RULES)[0]


def test_a_deputy_decides_for_a_young_person_only_with_evidence_and_never_for_a_child() -> None:
    adult, child, day = date(2008, 3, 1), date(2015, 3, 1), date(2026, 11, 2)
    assert may_decide(G.DEPUTY_OR_ATTORNEY, C.SEN, adult, day, RULES, evidence=True)[0]
    assert not may_decide(G.DEPUTY_OR_ATTORNEY, C.SEN, adult, day, RULES, evidence=False)[0]
    assert not may_decide(G.DEPUTY_OR_ATTORNEY, C.HEALTH, child, day, RULES, evidence=True)[0]


def test_nobody_can_be_shown_to_decide_without_a_date_of_birth() -> None:
    ok, why = may_decide(G.PR_HOLDER, C.EDU, None, date(2026, 1, 1), RULES)
    assert not ok and "date of birth is unknown" in why
