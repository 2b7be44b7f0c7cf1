"""Every early-identification signal rule: fires on its facts, stays quiet otherwise, once only."""

from datetime import date, timedelta

import pytest

from hub import models as m
from hub.clocks.signals import fired_signals, parse_signal_rules, sen_support_on
from hub.errors import ConfigError
from tests.unit.clocks.helpers import BOOK, event, fold

D = date(2025, 3, 3)
URN = "119000"


def _enrolled(on: date = date(2024, 9, 4)) -> m.Event:
    return event(m.PupilEnrolled(urn=URN, entry_date=on), on, clock_id=None, org=URN)


def _review(outcome: m.DevelopmentOutcome, on: date = D) -> m.Event:
    return event(
        m.HealthReview2Year(review_date=on, outcome=outcome, asq3=m.Asq3Scores()),
        on,
        org="RXN",
        clock_id=None,
    )


def _sen(provision: m.SENProvision, on: date) -> m.Event:
    return event(m.SENSupportStarted(urn=URN, start_date=on, provision=provision), on, org=URN)


def _signals(events: list[m.Event], now: date) -> list[m.Alert]:
    return [a for a in fold(events, now)[1] if a.kind is m.AlertKind.SIGNAL]


def test_two_year_review_refer_without_sen_support_alerts_the_senco_and_health_visitor() -> None:
    (alert,) = _signals([_enrolled(), _review(m.DevelopmentOutcome.REFER)], D)
    assert alert.rule_id == "early_development_no_sen_support"
    assert {(r.role, r.org_code) for r in alert.recipients} == {("SENCO", URN), ("HV", "RXN")}
    assert "HealthReview2Year on 2025-03-03" in alert.explanation
    assert "no SEN support" in alert.explanation
    assert len(alert.event_ids) == 1


def test_salt_referral_counts_and_other_services_do_not() -> None:
    def referral(service: m.HealthService) -> m.Event:
        made = m.HealthReferralMade(
            referral_id="R", service=service, referral_date=D, urgency=m.Urgency.ROUTINE
        )
        return event(made, D, org="RXN", clock_id=None)

    assert [a.rule_id for a in _signals([referral(m.HealthService.SALT)], D)] == [
        "early_development_no_sen_support"
    ]
    assert _signals([referral(m.HealthService.PHYSIO)], D) == []


def test_no_signal_when_the_review_is_on_track_or_sen_support_is_recorded() -> None:
    assert _signals([_review(m.DevelopmentOutcome.ON_TRACK)], D) == []
    assert (
        _signals(
            [_sen(m.SENProvision.K, D - timedelta(days=30)), _review(m.DevelopmentOutcome.REFER)], D
        )
        == []
    )


def test_sen_support_is_the_latest_provision_recorded_by_that_day() -> None:
    state, _ = fold(
        [
            _sen(m.SENProvision.K, date(2024, 1, 1)),
            event(
                m.SENSupportEnded(
                    urn=URN, end_date=date(2024, 7, 1), provision_after=m.SENProvision.N
                ),
                date(2024, 7, 1),
            ),
        ],
        D,
    )
    assert sen_support_on(state.facts, date(2024, 3, 1)) == "K"
    assert sen_support_on(state.facts, date(2024, 8, 1)) == "N"
    assert sen_support_on(state.facts, date(2023, 8, 1)) is None


def _attendance(week: date, attended: int) -> m.Event:
    summary = m.AttendanceSummary(
        urn=URN,
        week_start=week,
        possible_sessions=10,
        attended_sessions=attended,
        authorised_absence_sessions=10 - attended,
        unauthorised_absence_sessions=0,
        persistent_absence=False,
    )
    return event(summary, week, org=URN, clock_id=None)


def _weeks(pattern: list[int], first: date = date(2025, 1, 6)) -> list[m.Event]:
    return [_attendance(first + timedelta(weeks=i), a) for i, a in enumerate(pattern)]


def _contact(on: date) -> m.Event:
    return event(
        m.SocialCareContact(contact_id="C1", contact_date=on, source=next(iter(m.ContactSource))),
        on,
        org="888",
        clock_id=None,
    )


def test_sharp_attendance_drop_with_a_social_care_contact_fires() -> None:
    weeks = _weeks([10] * 8 + [8, 8, 8, 9])  # 100% then 82.5%: a 17.5-point drop
    (alert,) = _signals([*weeks, _contact(date(2025, 3, 10))], date(2025, 4, 1))
    assert alert.rule_id == "attendance_drop_with_health_or_care"
    assert "SocialCareContact on 2025-03-10" in alert.explanation
    assert alert.recipients[0].role == "SENCO" and alert.recipients[0].org_code == URN


def test_attendance_drop_alone_or_a_small_drop_does_not_fire() -> None:
    assert _signals(_weeks([10] * 8 + [8, 8, 8, 9]), date(2025, 4, 1)) == []
    small = _weeks([10] * 8 + [9, 9, 9, 9])  # 10 points
    assert _signals([*small, _contact(date(2025, 3, 10))], date(2025, 4, 1)) == []


def test_a_contact_long_before_the_drop_does_not_count() -> None:
    weeks = _weeks([10] * 8 + [8, 8, 8, 9])
    assert _signals([*weeks, _contact(date(2024, 9, 1))], date(2025, 4, 1)) == []


def _suspension(on: date) -> m.Event:
    return event(
        m.Suspension(urn=URN, start_date=on, sessions=2, reason=next(iter(m.ExclusionReason))),
        on,
        org=URN,
        clock_id=None,
    )


def test_three_suspensions_within_180_days_without_sen_support_fire_once() -> None:
    days = [date(2025, 1, 10), date(2025, 3, 1), date(2025, 5, 1)]
    _state, raised = fold([_suspension(d) for d in days], date(2025, 5, 2))
    (alert,) = [a for a in raised if a.kind is m.AlertKind.SIGNAL]
    assert alert.rule_id == "repeated_suspensions_no_sen_support" and len(alert.event_ids) == 3
    _more, again = fold([_suspension(d) for d in [*days, date(2025, 5, 20)]], date(2025, 5, 21))
    assert len([a for a in again if a.kind is m.AlertKind.SIGNAL]) == 1


def test_two_suspensions_or_three_spread_over_a_year_do_not_fire() -> None:
    assert (
        _signals([_suspension(date(2025, 1, 10)), _suspension(date(2025, 3, 1))], date(2025, 5, 2))
        == []
    )
    spread = [date(2024, 1, 10), date(2024, 7, 1), date(2025, 1, 5)]
    assert _signals([_suspension(d) for d in spread], date(2025, 1, 6)) == []


def test_old_signals_count_for_kpis_but_are_not_alerted() -> None:
    state, raised = fold([_review(m.DevelopmentOutcome.REFER, date(2023, 1, 1))], date(2025, 1, 1))
    assert [a for a in raised if a.kind is m.AlertKind.SIGNAL] == []
    (old,) = fired_signals(BOOK.signals, state.facts, date(2025, 1, 1), any_age=True)
    assert old.on == date(2023, 1, 1)


def test_signal_rules_with_an_unknown_field_are_refused() -> None:
    text = (
        "version: x\nsignals:\n  - {id: s, title: t, why: w, recipients: [SENCO],\n"
        "     trigger: [{event: Suspension, date: start_dte}]}\n"
    )
    with pytest.raises(ConfigError, match="start_dte"):
        parse_signal_rules(text)
