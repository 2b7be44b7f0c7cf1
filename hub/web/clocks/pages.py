"""The KPI board (``/board``): one chart per measure with a table beside it holding the same
numbers, so the figures are readable without the chart (screen readers, print, copy).

Each chart is a server-drawn SVG bar chart of the period's figure per local authority
(numerators and denominators summed over the months shown; medians: the latest month),
labelled as an image with a text alternative; the table lists every row by LA and month.
"""

from collections import defaultdict
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.clocks.kpis import KpiRow
from hub.web.clocks.access import can_read_kpis
from hub.web.clocks.reads import partnership_kpis
from hub.web.context import Db, PageCaller, State
from hub.web.templating import render

__all__ = ["Bar", "Chart", "charts", "router"]

router = APIRouter(include_in_schema=False)

TITLES = {
    "ehc_plans_within_20_weeks": "EHC plans issued within 20 weeks",
    "decisions_to_assess_within_6_weeks": "Decisions to assess within 6 weeks",
    "advice_within_6_weeks_health": "Health advice within 6 weeks",
    "advice_within_6_weeks_social_care": "Social care advice within 6 weeks",
    "advice_within_6_weeks_educational_psychology": "Educational psychology advice within 6 weeks",
    "advice_within_6_weeks_education": "Educational advice within 6 weeks",
    "advice_within_6_weeks_preparation_for_adulthood": "Adulthood advice within 6 weeks",
    "review_decisions_within_4_weeks": "Review decisions within 4 weeks",
    "phase_transfers_on_time": "Phase transfers on time",
    "median_weeks_request_to_final": "Median weeks from request to final plan",
    "median_weeks_signal_to_support": "Median weeks from a first signal to support or a request",
}


@dataclass(frozen=True)
class Bar:
    """One bar: the LA, its figure, its width (% of the chart) and the counts behind it."""

    la: str
    value: float
    width: float
    detail: str


@dataclass(frozen=True)
class Chart:
    """One measure's chart and the rows of its table."""

    measure: str
    title: str
    unit: str
    bars: list[Bar]
    rows: list[KpiRow]


def _bar(la: str, rows: list[KpiRow], rate: bool) -> tuple[str, float, str]:
    if rate:
        num = sum(r.numerator or 0 for r in rows)
        den = sum(r.denominator for r in rows)
        return la, round(100.0 * num / den, 1) if den else 0.0, f"{num} of {den}"
    latest = max(rows, key=lambda r: r.month)
    return la, latest.value or 0.0, f"{latest.denominator} cases in {latest.month}"


def charts(rows: list[KpiRow]) -> list[Chart]:
    """Charts in the board's order; the 20-week measure charted without exception cases."""
    by_measure: dict[str, list[KpiRow]] = defaultdict(list)
    for row in rows:
        by_measure[row.measure].append(row)
    found = []
    for measure, title in TITLES.items():
        mrows = by_measure.get(measure, [])
        rate = not measure.startswith("median")
        charted = [
            r for r in mrows if r.exceptions_excluded == (measure == "ehc_plans_within_20_weeks")
        ]
        by_la: dict[str, list[KpiRow]] = defaultdict(list)
        for row in charted:
            by_la[row.la].append(row)
        raw = [_bar(la, las, rate) for la, las in sorted(by_la.items())]
        top = max((v for _, v, _ in raw), default=0.0) or 1.0
        bars = [Bar(la, v, round(100 * v / (100.0 if rate else top), 1), d) for la, v, d in raw]
        found.append(Chart(measure, title, "%" if rate else "weeks", bars, mrows))
    return found


@router.get("/board")
def board_page(request: Request, db: Db, caller: PageCaller, state: State) -> HTMLResponse:
    """The partnership's KPI board (LA roles only)."""
    if not can_read_kpis(caller):
        return render(request, "error.html", 403, caller=caller, title="Not available",
                      message="The KPI board is for local-authority EHC coordinators and "
                      "administrators.")  # fmt: skip
    rows = partnership_kpis(db, state.db_path, state.clock())
    return render(request, "board.html", caller=caller, charts=charts(rows))
