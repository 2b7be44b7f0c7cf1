"""Relationships are derived from the child's events: who is involved, since when, until when."""

import random
from datetime import date

from hub.consent import Period, RelationshipKind, Relationships
from hub.models import AssessDecision
from tests.unit.consent import world as w

K = RelationshipKind


def _kinds(state: Relationships, day: date) -> set[tuple[K, str]]:
    return {(r.kind, r.org_code) for r in state.active_on(day)}


def test_school_roll_runs_from_enrolment_to_the_last_day_on_roll() -> None:
    state = w.rels(w.enrolled("100001", date(2025, 9, 3)), w.left("100001", date(2026, 2, 13)))
    assert _kinds(state, date(2025, 9, 2)) == set()
    assert _kinds(state, date(2025, 9, 3)) == {(K.ON_ROLL, "100001")}
    assert _kinds(state, date(2026, 2, 13)) == {(K.ON_ROLL, "100001")}
    assert _kinds(state, date(2026, 2, 14)) == set()
    (rel,) = state.active_on(date(2026, 1, 1))
    assert rel.period == Period(date(2025, 9, 3), date(2026, 2, 13))


def test_a_pupil_who_rejoins_a_school_is_on_roll_again_from_the_new_date() -> None:
    state = w.rels(
        w.enrolled("100001", date(2024, 9, 3)),
        w.left("100001", date(2025, 3, 1)),
        w.enrolled("100001", date(2025, 9, 3)),
    )
    assert _kinds(state, date(2025, 6, 1)) == set()
    (rel,) = state.active_on(date(2025, 10, 1))
    assert rel.period == Period(date(2025, 9, 3), None)


def test_events_in_any_order_give_the_same_relationships() -> None:
    events = [
        w.enrolled("100001", date(2025, 9, 3)),
        w.left("100001", date(2026, 2, 13)),
        w.ehc_requested("888", "C1", date(2026, 3, 2)),
        w.assess_decision("888", "C1", date(2026, 4, 10), AssessDecision.ASSESS),
        w.final_plan("888", "C1", date(2026, 7, 20)),
        w.referral("RXN", date(2026, 1, 5)),
        w.discharged("RXN", date(2026, 5, 5)),
        w.s47("888", date(2026, 2, 1)),
    ]
    days = [date(2026, 1, 1) + (date(2026, 1, 2) - date(2026, 1, 1)) * i for i in range(0, 300, 7)]
    expected = [_kinds(w.rels(*events), d) for d in days]
    for seed in range(5):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert [_kinds(w.rels(*shuffled), d) for d in days] == expected


def test_an_ehc_case_is_open_from_the_request_and_becomes_a_plan() -> None:
    state = w.rels(
        w.ehc_requested("888", "C1", date(2026, 3, 2)),
        w.assess_decision("888", "C1", date(2026, 4, 10), AssessDecision.ASSESS),
        w.final_plan("888", "C1", date(2026, 7, 20)),
    )
    (case,) = state.ehc_cases_on(date(2026, 5, 1))
    assert case.describe() == "EHC needs assessment opened 2026-03-02"
    (case,) = state.ehc_cases_on(date(2026, 8, 1))
    assert case.describe() == "EHC plan maintained since 2026-07-20"


def test_an_ehc_case_closes_on_a_decision_not_to_assess_or_when_the_plan_ceases() -> None:
    refused = w.rels(
        w.ehc_requested("888", "C1", date(2026, 3, 2)),
        w.assess_decision("888", "C1", date(2026, 4, 10), AssessDecision.NOT_ASSESS),
    )
    assert refused.ehc_cases_on(date(2026, 4, 10))
    assert refused.ehc_cases_on(date(2026, 4, 11)) == []
    ceased = w.rels(
        w.final_plan("888", "C2", date(2024, 1, 5)), w.ceased("888", "C2", date(2026, 1, 31))
    )
    assert ceased.ehc_cases_on(date(2025, 6, 1))
    assert ceased.ehc_cases_on(date(2026, 2, 1)) == []


def test_an_adviser_is_involved_while_the_case_is_open() -> None:
    state = w.rels(
        w.ehc_requested("888", "C1", date(2026, 3, 2)),
        w.advice_requested("888", "C1", "EPS01", date(2026, 4, 14)),
        w.assess_decision("888", "C1", date(2026, 6, 1), AssessDecision.WITHDRAWN),
    )
    assert (K.EHC_ADVICE, "EPS01") not in _kinds(state, date(2026, 4, 13))
    assert (K.EHC_ADVICE, "EPS01") in _kinds(state, date(2026, 5, 1))
    assert (K.EHC_ADVICE, "EPS01") not in _kinds(state, date(2026, 6, 2))


def test_health_episode_ends_on_discharge_and_social_care_on_plan_end() -> None:
    state = w.rels(
        w.referral("RXN", date(2026, 1, 5)),
        w.discharged("RXN", date(2026, 5, 5)),
        w.cin_plan("888", date(2026, 2, 1)),
        w.s47("888", date(2026, 3, 1)),
    )
    assert _kinds(state, date(2026, 4, 1)) == {
        (K.HEALTH_EPISODE, "RXN"),
        (K.SOCIAL_CARE, "888"),
        (K.CHILD_PROTECTION, "888"),
    }
    assert (K.HEALTH_EPISODE, "RXN") not in _kinds(state, date(2026, 5, 6))


def test_a_contact_alone_makes_no_relationship_and_the_commonest_birth_date_wins() -> None:
    state = w.rels(
        w.enrolled("100001", date(2025, 9, 3), dob=date(2015, 5, 1)),
        w.referral("RXN", date(2026, 1, 5)),  # default dob 2015-05-01
        w.left("100001", date(2026, 1, 9), dob=date(2015, 1, 5)),
    )
    assert state.date_of_birth == date(2015, 5, 1)
    assert w.rels().date_of_birth is None
