"""KPIs from a small fixed event set, against figures worked out by hand (in the comments)."""

from datetime import date

from hub import models as m
from hub.clocks.fold import clocks_of
from hub.clocks.kpis import KpiRow, filter_rows, kpi_rows, observations
from hub.clocks.signals import fired_signals
from tests.unit.clocks.helpers import BOOK, at, event, fold

NOW = date(2025, 12, 31)


def _journey(req: date, final: date, la: str = "888", **final_fields: object) -> list[m.Event]:
    return [
        event(m.EHCNARequested(received_date=req), req, org=la),
        event(
            m.EHCFinalIssued(final_date=final, **final_fields),
            final,
            org=la,
            record=f"F-{req}-{la}",
        ),  # type: ignore[arg-type]
    ]


def _decision(on: date) -> m.Event:
    return event(m.EHCAssessDecision(decision=m.AssessDecision.ASSESS, decision_date=on), on)


def _advice(kind: m.AdviceType, asked: date, got: date, advice_id: str) -> list[m.Event]:
    return [
        event(
            m.EHCAdviceRequested(
                advice_request_id=advice_id, advice_type=kind, requested_date=asked
            ),
            asked,
        ),
        event(
            m.EHCAdviceReceived(advice_request_id=advice_id, advice_type=kind, received_date=got),
            got,
        ),
    ]


CHILDREN: dict[str, list[m.Event]] = {
    # A: 6 Jan -> 26 May 2025 = day 140, on time. Decision on day 42 (on time). Health advice 42 d.
    "A": [
        *_journey(date(2025, 1, 6), date(2025, 5, 26)),
        _decision(date(2025, 2, 17)),
        *_advice(m.AdviceType.HEALTH, date(2025, 2, 17), date(2025, 3, 31), "ADV-A"),
    ],
    # B: day 141, late. Decision on day 43 (late). EP advice 51 days (late).
    "B": [
        *_journey(date(2025, 1, 6), date(2025, 5, 27)),
        _decision(date(2025, 2, 18)),
        *_advice(
            m.AdviceType.EDUCATIONAL_PSYCHOLOGY, date(2025, 2, 18), date(2025, 4, 10), "ADV-B"
        ),
    ],
    # C: 2 Dec 2024 -> 20 May 2025 = 169 days, late but excused by an exception.
    "C": _journey(
        date(2024, 12, 2),
        date(2025, 5, 20),
        exception_code=m.ExceptionCode.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES,
    ),
    # D: 6 Jan -> 30 Apr = 114 days, on time; the final record re-sent as version 2 (same date).
    "D": [
        *_journey(date(2025, 1, 6), date(2025, 4, 30)),
        event(
            m.EHCFinalIssued(final_date=date(2025, 4, 30)),
            date(2025, 4, 30),
            record="F-2025-01-06-888",
            version=2,
        ),
    ],
    # E (LA 889): 3 Feb -> 30 Jun = 147 days, late.
    "E": _journey(date(2025, 2, 3), date(2025, 6, 30), la="889"),
    # F: health review says refer on 10 Jan; SEN support starts 7 Mar = 56 days = 8.0 weeks.
    "F": [
        event(
            m.SocialCareContact(
                contact_id="SC1", contact_date=date(2024, 12, 1), source=next(iter(m.ContactSource))
            ),
            date(2024, 12, 1),
            org="888",
            clock_id=None,
        ),
        event(
            m.HealthReview2Year(
                review_date=date(2025, 1, 10),
                outcome=m.DevelopmentOutcome.REFER,
                asq3=m.Asq3Scores(),
            ),
            date(2025, 1, 10),
            org="RXN",
            clock_id=None,
        ),
        event(
            m.SENSupportStarted(
                urn="119000", start_date=date(2025, 3, 7), provision=m.SENProvision.K
            ),
            date(2025, 3, 7),
            org="119000",
            clock_id=None,
        ),
    ],
}


def _rows() -> list[KpiRow]:
    observed = []
    for child, events in CHILDREN.items():
        state, _ = fold(events, NOW, child)
        clocks = clocks_of(state, BOOK, at(NOW))
        signals = fired_signals(BOOK.signals, state.facts, NOW, any_age=True)
        observed += observations(clocks, state.facts, signals)
    return kpi_rows(observed)


def _row(
    measure: str, la: str, month: str, num: int | None, den: int, excl: bool, value: float | None
) -> KpiRow:
    return KpiRow(
        measure=measure,
        la=la,
        month=month,
        numerator=num,
        denominator=den,
        exceptions_excluded=excl,
        value=value,
    )


def test_twenty_week_rate_with_and_without_exceptions_each_plan_once() -> None:
    got = filter_rows(_rows(), measure="ehc_plans_within_20_weeks")
    assert got == [
        _row("ehc_plans_within_20_weeks", "888", "2025-04", 1, 1, False, 100.0),  # D, once
        _row("ehc_plans_within_20_weeks", "888", "2025-04", 1, 1, True, 100.0),
        _row("ehc_plans_within_20_weeks", "888", "2025-05", 1, 3, False, 33.3),  # A of A, B, C
        _row("ehc_plans_within_20_weeks", "888", "2025-05", 1, 2, True, 50.0),  # C left out
        _row("ehc_plans_within_20_weeks", "889", "2025-06", 0, 1, False, 0.0),
        _row("ehc_plans_within_20_weeks", "889", "2025-06", 0, 1, True, 0.0),
    ]


def test_decisions_advice_and_medians() -> None:
    rows = _rows()
    assert filter_rows(rows, measure="decisions_to_assess_within_6_weeks") == [
        _row("decisions_to_assess_within_6_weeks", "888", "2025-02", 1, 2, False, 50.0)
    ]
    assert filter_rows(rows, measure="advice_within_6_weeks_health") == [
        _row("advice_within_6_weeks_health", "888", "2025-03", 1, 1, False, 100.0)
    ]
    assert filter_rows(rows, measure="advice_within_6_weeks_educational_psychology") == [
        _row("advice_within_6_weeks_educational_psychology", "888", "2025-04", 0, 1, False, 0.0)
    ]
    # weeks: D 114/7 = 16.3; A 20.0, B 20.1, C 24.1 -> median 20.1; E 147/7 = 21.0
    assert filter_rows(rows, measure="median_weeks_request_to_final") == [
        _row("median_weeks_request_to_final", "888", "2025-04", None, 1, False, 16.3),
        _row("median_weeks_request_to_final", "888", "2025-05", None, 3, False, 20.1),
        _row("median_weeks_request_to_final", "889", "2025-06", None, 1, False, 21.0),
    ]
    assert filter_rows(rows, measure="median_weeks_signal_to_support") == [
        _row("median_weeks_signal_to_support", "888", "2025-03", None, 1, False, 8.0)
    ]


def test_filters_by_la_and_month_range() -> None:
    rows = _rows()
    assert {r.la for r in filter_rows(rows, la="889")} == {"889"}
    months = {r.month for r in filter_rows(rows, since="2025-04", until="2025-05")}
    assert months == {"2025-04", "2025-05"}
    assert filter_rows(rows, measure="no_such_measure") == []
