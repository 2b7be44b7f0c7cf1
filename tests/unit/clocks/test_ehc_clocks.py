"""The EHC assessment clocks at their boundaries: day 140 vs 141, 6 weeks, exceptions, order."""

from datetime import date, timedelta

from hub import models as m
from hub.clocks.status import ClockStatus
from tests.unit.clocks.helpers import clock, event, fold

REQ = date(2025, 1, 6)


def _request(on: date = REQ, **kw: object) -> m.Event:
    return event(m.EHCNARequested(received_date=on), on, **kw)  # type: ignore[arg-type]


def _final(on: date, received: date | None = REQ, **kw: object) -> m.Event:
    payload = m.EHCFinalIssued(final_date=on, request_received_date=received, **kw)  # type: ignore[arg-type]
    return event(payload, on)


def test_final_on_day_140_meets_the_20_weeks_and_day_141_misses() -> None:
    for days, status in ((140, ClockStatus.MET), (141, ClockStatus.MISSED)):
        state, _ = fold([_request(), _final(REQ + timedelta(days=days))], REQ + timedelta(days=200))
        (c,) = clock(state, "ehc_20_weeks", REQ + timedelta(days=200))
        assert c.due == REQ + timedelta(days=140)
        assert c.status is status
        assert c.days_late == (0 if status is ClockStatus.MET else 1)


def test_open_request_is_on_track_then_due_soon_then_overdue() -> None:
    state, _ = fold([_request()], REQ)
    due = REQ + timedelta(days=140)
    assert clock(state, "ehc_20_weeks", due - timedelta(days=29))[0].status is ClockStatus.ON_TRACK
    assert clock(state, "ehc_20_weeks", due - timedelta(days=28))[0].status is ClockStatus.DUE_SOON
    assert clock(state, "ehc_20_weeks", due)[0].status is ClockStatus.DUE_SOON
    assert clock(state, "ehc_20_weeks", due + timedelta(days=1))[0].status is ClockStatus.OVERDUE


def test_leap_year_counts_29_february_as_a_day() -> None:
    start = date(2024, 1, 10)
    state, _ = fold([_request(start)], start)
    (c,) = clock(state, "ehc_20_weeks", start)
    assert c.due == date(2024, 5, 29)  # 140 days, through 29 Feb 2024
    assert clock(state, "decision_to_assess", start)[0].due == date(2024, 2, 21)


def test_decision_to_assess_at_42_and_43_days() -> None:
    for days, status in ((42, ClockStatus.MET), (43, ClockStatus.MISSED)):
        decided = REQ + timedelta(days=days)
        decision = event(
            m.EHCAssessDecision(decision=m.AssessDecision.ASSESS, decision_date=decided), decided
        )
        state, _ = fold([_request(), decision], decided)
        assert clock(state, "decision_to_assess", decided)[0].status is status


def test_exception_excuses_lateness_without_pausing_the_clock() -> None:
    late = REQ + timedelta(days=170)
    final = _final(late, exception_code=m.ExceptionCode.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES)
    state, _ = fold([_request(), final], late)
    (c,) = clock(state, "ehc_20_weeks", late)
    assert c.status is ClockStatus.MISSED and c.days_late == 30
    assert c.exception == "EXCEPTIONAL_PERSONAL_CIRCUMSTANCES"
    assert "excuses" in c.explanation


def test_sen2_flag_alone_is_recorded_as_the_sen2_exception() -> None:
    late = REQ + timedelta(days=150)
    state, _ = fold([_request(), _final(late, twenty_week_exception=True)], late)
    assert clock(state, "ehc_20_weeks", late)[0].exception == "SEN2_20_WEEK_EXCEPTION"


def test_an_exception_not_valid_for_the_clock_is_ignored() -> None:
    late = REQ + timedelta(days=150)
    final = _final(late, exception_code=m.ExceptionCode.MISSED_APPOINTMENT)  # advice-only
    state, _ = fold([_request(), final], late)
    assert clock(state, "ehc_20_weeks", late)[0].exception is None


def test_events_out_of_order_give_the_same_state() -> None:
    final_day = REQ + timedelta(days=120)
    events = [_request(), _final(final_day)]
    now = final_day + timedelta(days=10)
    forward, _ = fold(events, now)
    backward, _ = fold(list(reversed(events)), now)
    assert clock(forward, "ehc_20_weeks", now) == clock(backward, "ehc_20_weeks", now)
    assert clock(backward, "ehc_20_weeks", now)[0].status is ClockStatus.MET


def test_not_to_assess_stops_the_20_week_clock() -> None:
    decided = REQ + timedelta(days=30)
    no = event(
        m.EHCAssessDecision(decision=m.AssessDecision.NOT_ASSESS, decision_date=decided), decided
    )
    state, _ = fold([_request(), no], REQ + timedelta(days=300))
    assert clock(state, "ehc_20_weeks", REQ + timedelta(days=300))[0].status is ClockStatus.STOPPED


def test_a_final_without_a_published_request_opens_and_closes_its_own_instance() -> None:
    made = date(2023, 3, 1)
    state, _ = fold(
        [
            event(
                m.EHCFinalIssued(final_date=made, request_received_date=date(2022, 9, 1)),
                made,
                clock_id=None,
            )
        ],
        made,
    )
    (c,) = clock(state, "ehc_20_weeks", made)
    assert c.start == date(2022, 9, 1) and c.status is ClockStatus.MISSED


def test_a_corrected_record_replaces_the_fact_it_corrects() -> None:
    wrong = event(
        m.EHCFinalIssued(final_date=REQ + timedelta(days=160)),
        REQ + timedelta(days=160),
        record="F1",
    )
    right = event(
        m.EHCFinalIssued(final_date=REQ + timedelta(days=130)),
        REQ + timedelta(days=130),
        record="F1",
        version=2,
    )
    now = REQ + timedelta(days=200)
    state, _ = fold([_request(), wrong, right], now)
    assert clock(state, "ehc_20_weeks", now)[0].status is ClockStatus.MET
    assert len(state.facts) == 2
