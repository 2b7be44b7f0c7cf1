"""Advice, reviews, phase transfer, working days, merges and alerts raised exactly once."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from hub import models as m
from hub.clocks.calendar import CalendarOutOfRange, add_working_days
from hub.clocks.fold import ChildClocks, merge, next_check, split, tick
from hub.clocks.rules import parse_clock_rules
from hub.clocks.status import ClockStatus
from hub.errors import ConfigError
from hub.files.clocks import DATA_DIR, load_rulebook
from tests.unit.clocks.helpers import BOOK, at, clock, event, fold

REQ = date(2025, 1, 6)


def _advice(
    kind: m.AdviceType, requested: date, got: date | None, advice_id: str = "A1"
) -> list[m.Event]:
    out = [
        event(
            m.EHCAdviceRequested(
                advice_request_id=advice_id,
                advice_type=kind,
                requested_date=requested,
                adviser_org_code="RXN",
            ),
            requested,
        )
    ]
    if got:
        out.append(
            event(
                m.EHCAdviceReceived(
                    advice_request_id=advice_id, advice_type=kind, received_date=got
                ),
                got,
            )
        )
    return out


@pytest.mark.parametrize(
    ("kind", "clock_id", "role"),
    [
        (m.AdviceType.HEALTH, "advice_health", "DCO"),
        (m.AdviceType.SOCIAL_CARE, "advice_social_care", "DSCO"),
        (m.AdviceType.EDUCATIONAL_PSYCHOLOGY, "advice_educational_psychology", "EP"),
        (m.AdviceType.EDUCATION, "advice_education", "SENCO"),
        (m.AdviceType.PREPARATION_FOR_ADULTHOOD, "advice_preparation_for_adulthood", "EHC_COORD"),
    ],
)
def test_each_agency_has_its_own_six_week_advice_clock(
    kind: m.AdviceType, clock_id: str, role: str
) -> None:
    on_time, _ = fold(_advice(kind, REQ, REQ + timedelta(days=42)), REQ + timedelta(days=60))
    late, _ = fold(_advice(kind, REQ, REQ + timedelta(days=43)), REQ + timedelta(days=60))
    (a,) = clock(on_time, clock_id, REQ + timedelta(days=60))
    (b,) = clock(late, clock_id, REQ + timedelta(days=60))
    assert (a.status, b.status) == (ClockStatus.MET, ClockStatus.MISSED)
    assert a.role == role
    others = [c for c in BOOK.clocks.clocks if c.id.startswith("advice_") and c.id != clock_id]
    assert all(not clock(on_time, o.id, REQ) for o in others)


def test_health_advice_recorded_by_health_stops_the_clock_with_its_exception() -> None:
    got = REQ + timedelta(days=50)
    health = event(
        m.HealthAdviceForEHC(
            advice_request_id="A1",
            requested_date=REQ,
            due_date=REQ + timedelta(days=42),
            provided_date=got,
            exception_code=m.ExceptionCode.MISSED_APPOINTMENT,
        ),
        got,
    )
    state, _ = fold([*_advice(m.AdviceType.HEALTH, REQ, None), health], got)
    (c,) = clock(state, "advice_health", got)
    assert c.status is ClockStatus.MISSED and c.exception == "MISSED_APPOINTMENT"
    assert c.org_code == "RXN"


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    hol = BOOK.holidays
    assert add_working_days(date(2025, 4, 16), 3, hol) == date(
        2025, 4, 23
    )  # Good Friday, Easter Monday
    assert add_working_days(date(2026, 12, 24), 3, hol) == date(
        2026, 12, 31
    )  # 25th, w/e, 28th substitute
    assert add_working_days(date(2025, 1, 3), 1, hol) == date(2025, 1, 6)  # Friday -> Monday
    with pytest.raises(CalendarOutOfRange):
        add_working_days(date(2028, 12, 28), 5, hol)


def test_mediation_certificate_within_three_working_days_over_easter() -> None:
    contacted, decision = date(2025, 4, 16), date(2025, 3, 1)
    advice = event(
        m.EHCMediationAdvice(decision_date=decision, contacted_date=contacted), contacted
    )
    for got, status in (
        (date(2025, 4, 23), ClockStatus.MET),
        (date(2025, 4, 24), ClockStatus.MISSED),
    ):
        cert = event(m.EHCMediationCertificate(decision_date=decision, certificate_date=got), got)
        state, _ = fold([advice, cert], got)
        assert clock(state, "mediation_certificate", got)[0].status is status
        window = clock(state, "appeal_window", got)[0]
        assert window.due == max(date(2025, 5, 1), date(2025, 5, got.day))  # later of the two


@pytest.mark.parametrize(
    ("kind", "year", "due"),
    [
        (m.PhaseTransferKind.PRIMARY_TO_SECONDARY, 2026, date(2026, 2, 15)),
        (m.PhaseTransferKind.EARLY_YEARS_TO_SCHOOL, 2028, date(2028, 2, 15)),
        (m.PhaseTransferKind.SECONDARY_TO_POST16, 2026, date(2026, 3, 31)),
    ],
)
def test_phase_transfer_due_on_the_fixed_date_of_the_transfer_year(
    kind: m.PhaseTransferKind, year: int, due: date
) -> None:
    final = due + timedelta(days=1)
    pt = m.EHCPhaseTransfer(
        transfer_kind=kind, due_date=date(year, 1, 1), final_date=final, transfer_year=year
    )
    state, _ = fold([event(pt, final)], final)
    (c,) = [
        s
        for s in clock(state, "phase_transfer", final)
        + clock(state, "phase_transfer_post16", final)
    ]
    assert c.due == due and c.status is ClockStatus.MISSED


def test_phase_transfer_year_falls_back_to_the_due_dates_year() -> None:
    pt = m.EHCPhaseTransfer(
        transfer_kind=m.PhaseTransferKind.PRIMARY_TO_SECONDARY, due_date=date(2027, 2, 15)
    )
    state, _ = fold([event(pt, date(2026, 9, 1))], date(2027, 2, 1))
    (c,) = clock(state, "phase_transfer", date(2027, 2, 1))
    assert c.due == date(2027, 2, 15) and c.status is ClockStatus.DUE_SOON


def test_annual_reviews_roll_every_twelve_months() -> None:
    made, first = date(2024, 2, 29), date(2025, 2, 20)
    events = [
        event(m.EHCFinalIssued(final_date=made), made, clock_id=None),
        event(m.EHCReviewHeld(meeting_date=first, review_kind=m.ReviewKind.ANNUAL), first),
    ]
    state, _ = fold(events, date(2026, 3, 1))
    a, b = clock(state, "annual_review", date(2026, 3, 1))
    assert (a.due, a.status) == (date(2025, 2, 28), ClockStatus.MET)  # 29 Feb + 12 months
    assert (b.start, b.due, b.status) == (first, date(2026, 2, 20), ClockStatus.OVERDUE)


def test_review_decision_within_four_weeks_and_invitations_two_weeks_before() -> None:
    meeting = date(2025, 3, 3)
    events = [
        event(
            m.EHCReviewInvited(
                meeting_date=meeting,
                invited_date=date(2025, 2, 18),
                review_kind=m.ReviewKind.ANNUAL,
            ),
            date(2025, 2, 18),
        ),
        event(m.EHCReviewHeld(meeting_date=meeting, review_kind=m.ReviewKind.ANNUAL), meeting),
        event(
            m.EHCReviewDecision(
                meeting_date=meeting,
                decision=m.EHCReviewOutcome.MAINTAIN,
                decision_date=date(2025, 4, 1),
            ),
            date(2025, 4, 1),
        ),
    ]
    state, _ = fold(events, date(2025, 5, 1))
    assert (
        clock(state, "review_decision", date(2025, 5, 1))[0].status is ClockStatus.MISSED
    )  # day 29
    (inv,) = clock(state, "review_invitation_notice", date(2025, 5, 1))
    assert inv.due == date(2025, 2, 17) and inv.status is ClockStatus.MISSED  # 13 days' notice
    assert clock(state, "review_report", date(2025, 5, 1))[0].status is ClockStatus.OVERDUE


def test_a_merge_joins_two_half_journeys_and_an_unmerge_splits_them() -> None:
    final_day = REQ + timedelta(days=135)
    now = REQ + timedelta(days=150)
    a, raised_a = fold([event(m.EHCNARequested(received_date=REQ), REQ, person="LA-1")], now, "A")
    b, _ = fold([event(m.EHCFinalIssued(final_date=final_day), final_day, person="LA-2")], now, "B")
    assert clock(a, "ehc_20_weeks", now)[0].status is ClockStatus.OVERDUE
    assert [x.kind for x in raised_a] == [m.AlertKind.CLOCK_BREACH]
    joined = merge(a, b)
    assert clock(joined, "ehc_20_weeks", now)[0].status is ClockStatus.MET
    assert tick(joined, BOOK, at(now))[1] == []  # nothing new to raise
    kept, moved = split(joined, "B2", lambda f: f.source_person.endswith("/LA-2"))
    assert clock(kept, "ehc_20_weeks", now)[0].status is ClockStatus.OVERDUE
    assert moved.child_id == "B2" and len(moved.facts) == 1


def test_due_soon_and_breach_alerts_are_raised_exactly_once_each() -> None:
    state, raised = fold([event(m.EHCNARequested(received_date=REQ), REQ)], REQ)
    assert raised == []
    kinds = []
    for day in range(0, 200, 3):
        state, alerts = tick(state, BOOK, at(REQ + timedelta(days=day)))
        kinds += [(a.rule_id, a.kind) for a in alerts]
    assert kinds.count(("ehc_20_weeks", m.AlertKind.CLOCK_DUE_SOON)) == 1
    assert kinds.count(("ehc_20_weeks", m.AlertKind.CLOCK_BREACH)) == 1
    assert kinds.count(("decision_to_assess", m.AlertKind.CLOCK_BREACH)) == 1
    assert tick(state, BOOK, at(REQ + timedelta(days=160)))[1] == []


def test_a_breach_first_seen_long_after_is_shown_but_not_alerted() -> None:
    state, raised = fold(
        [event(m.EHCNARequested(received_date=REQ), REQ)], REQ + timedelta(days=400)
    )
    assert clock(state, "ehc_20_weeks", REQ + timedelta(days=400))[0].status is ClockStatus.OVERDUE
    assert all(a.rule_id != "ehc_20_weeks" for a in raised)


def test_alert_ids_are_deterministic_and_name_the_rule_version() -> None:
    _, one = fold([event(m.EHCNARequested(received_date=REQ), REQ)], REQ + timedelta(days=141))
    _, two = fold([event(m.EHCNARequested(received_date=REQ), REQ)], REQ + timedelta(days=141))
    assert [a.alert_id for a in one] == [a.alert_id for a in two]
    assert all(a.rules_version == BOOK.clocks.version for a in one)
    assert all(
        a.recipients[0].role == "EHC_COORD" and a.recipients[0].org_code == "888" for a in one
    )


def test_rule_files_with_mistakes_are_refused_with_the_reason() -> None:
    base = (
        "version: x\ndue_soon_days: 1\nclocks:\n"
        "  - {id: c, title: t, citation: c, binds: {agency: LOCAL_AUTHORITY, role: R}, "
    )
    with pytest.raises(ConfigError, match="no field"):
        parse_clock_rules(
            base + "limit: {days: 1}, start: [{event: EHCNARequested, date: recieved_date}]}"
        )
    with pytest.raises(ConfigError, match="exactly one"):
        parse_clock_rules(
            base
            + "limit: {days: 1, weeks: 2}, start: [{event: EHCNARequested, date: received_date}]}"
        )
    with pytest.raises(ConfigError, match="NoSuchEvent"):
        parse_clock_rules(
            base + "limit: {days: 1}, start: [{event: NoSuchEvent, date: received_date}]}"
        )


def test_state_without_facts_raises_nothing() -> None:
    assert tick(ChildClocks(child_id="X"), BOOK, at(REQ)) == (ChildClocks(child_id="X"), [])


def test_next_check_is_the_first_day_an_alert_could_be_raised() -> None:
    state, _ = fold([event(m.EHCNARequested(received_date=REQ), REQ)], REQ)
    # decision_to_assess is due soon from day 42 - 14 = day 28: the earliest of all
    assert next_check(state, BOOK, at(REQ)) == REQ + timedelta(days=28)
    for day in range(0, 170):
        state, _ = tick(state, BOOK, at(REQ + timedelta(days=day)))
    assert next_check(state, BOOK, at(REQ + timedelta(days=170))) is None  # all raised
    done, _ = fold([event(m.EHCNARequested(received_date=REQ), REQ),
                    event(m.EHCFinalIssued(final_date=REQ), REQ)], REQ)  # fmt: skip
    assert next_check(done, BOOK, at(REQ)) is not None  # the 6-week decision is still open


def test_rules_can_be_replaced_from_a_folder(tmp_path: Path) -> None:
    text = (DATA_DIR / "clocks.yaml").read_text().replace('version: "2026.1"', 'version: "local-1"')
    (tmp_path / "clocks.yaml").write_text(text)
    book = load_rulebook(tmp_path)
    assert book.clocks.version == "local-1" and book.signals.version == BOOK.signals.version


def test_tribunal_order_to_make_a_plan_has_draft_and_final_deadlines() -> None:
    order_day = date(2025, 3, 3)
    order = m.EHCTribunalOrder(order_date=order_day, order_kind=m.TribunalOrderKind.MAKE_PLAN)
    draft = order_day + timedelta(weeks=5)
    final = order_day + timedelta(weeks=11, days=1)
    events = [
        event(order, order_day),
        event(m.EHCDraftIssued(draft_date=draft), draft),
        event(m.EHCFinalIssued(final_date=final), final),
    ]
    state, _ = fold(events, final)
    assert clock(state, "tribunal_make_plan_draft", final)[0].status is ClockStatus.MET
    assert clock(state, "tribunal_make_plan_final", final)[0].status is ClockStatus.MISSED
    assert clock(state, "tribunal_assess_notify", final) == []  # another kind of order


def test_cease_appeal_window_closes_without_a_breach_and_an_appeal_meets_it() -> None:
    notice = date(2025, 1, 31)
    ceased = event(
        m.EHCCeaseNotice(notice_date=notice, cease_reason=m.CeaseReason.NEEDS_MET), notice
    )
    state, raised = fold([ceased], date(2025, 4, 1))
    (window,) = clock(state, "cease_appeal_window", date(2025, 4, 1))
    assert window.due == date(2025, 3, 31)  # 2 months, clamped to the month's end
    assert window.status is ClockStatus.CLOSED
    assert all(a.kind is not m.AlertKind.CLOCK_BREACH for a in raised)
    appeal = event(
        m.EHCAppealLodged(decision_date=notice, lodged_date=date(2025, 3, 20)), date(2025, 3, 20)
    )
    state, _ = fold([ceased, appeal], date(2025, 4, 1))
    assert clock(state, "cease_appeal_window", date(2025, 4, 1))[0].status is ClockStatus.MET


def test_amendment_notice_gives_eight_weeks_to_the_amended_plan() -> None:
    notice = date(2025, 5, 1)
    events = [
        event(m.EHCAmendmentNotice(notice_date=notice), notice),
        event(
            m.EHCAmended(notice_date=notice, final_date=notice + timedelta(weeks=8)),
            notice + timedelta(weeks=8),
        ),
    ]
    state, _ = fold(events, date(2025, 8, 1))
    (c,) = clock(state, "amendment", date(2025, 8, 1))
    assert c.due == notice + timedelta(days=56) and c.status is ClockStatus.MET
