"""Partnership KPIs by month and local authority, counted the way SEN2 counts them.

Each child contributes observations (one per finished clock instance, one per signal answered
by SEN support or an EHC request); ``kpi_rows`` aggregates them into rows shaped
``measure, la, month (YYYY-MM), numerator, denominator, exceptions_excluded, value``.

``ehc_plans_within_20_weeks`` counts plans finalised in the month, each plan once however
often its record is re-sent (one clock instance per request), numerator those finalised within
140 days of the request being received; one row includes exception cases, one excludes them
from numerator and denominator. Rates are percentages to one decimal place. Median measures
(weeks) have no numerator; their denominator is the number of cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from statistics import median

from pydantic import BaseModel, ConfigDict

from hub.clocks.facts import Fact
from hub.clocks.signals import FiredSignal
from hub.clocks.status import ClockState, ClockStatus
from hub.models.enums import AgencyKind, EventType

__all__ = [
    "MEASURES",
    "KpiRow",
    "Observation",
    "filter_rows",
    "kpi_rows",
    "observations",
]

# Rate measures: measure name -> the clocks whose finished instances it counts.
_RATES: dict[str, tuple[str, ...]] = {
    "ehc_plans_within_20_weeks": ("ehc_20_weeks",),
    "decisions_to_assess_within_6_weeks": ("decision_to_assess",),
    "advice_within_6_weeks_health": ("advice_health",),
    "advice_within_6_weeks_social_care": ("advice_social_care",),
    "advice_within_6_weeks_educational_psychology": ("advice_educational_psychology",),
    "advice_within_6_weeks_education": ("advice_education",),
    "advice_within_6_weeks_preparation_for_adulthood": ("advice_preparation_for_adulthood",),
    "review_decisions_within_4_weeks": ("review_decision",),
    "phase_transfers_on_time": (
        "phase_transfer",
        "phase_transfer_post16",
        "phase_transfer_post16_to_post16",
    ),
}
_MEDIANS = ("median_weeks_request_to_final", "median_weeks_signal_to_support")
MEASURES = (*_RATES, *_MEDIANS)
"""Every measure name ``kpi_rows`` can produce."""

_BY_CLOCK = {clock: measure for measure, clocks in _RATES.items() for clock in clocks}
_RESPONSES = {
    EventType.SENSupportStarted: ("start_date", ("K", "E")),
    EventType.SENNeedChanged: ("effective_date", ("K", "E")),
    EventType.EHCNARequested: ("received_date", None),
}
UNKNOWN_LA = "unknown"


class Observation(BaseModel):
    """One case for one measure: on time or not, or a duration in weeks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measure: str
    la: str
    month: str
    on_time: bool | None = None
    weeks: float | None = None
    exception: bool = False


class KpiRow(BaseModel):
    """One row of ``GET /api/kpis``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measure: str
    la: str
    month: str
    numerator: int | None
    denominator: int
    exceptions_excluded: bool
    value: float | None


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _clock_observations(clocks: Iterable[ClockState]) -> list[Observation]:
    found: list[Observation] = []
    for c in clocks:
        measure = _BY_CLOCK.get(c.clock_id)
        if measure is None or c.status not in (ClockStatus.MET, ClockStatus.MISSED):
            continue
        assert c.stopped_on is not None  # met and missed are stopped
        la, month = c.la or UNKNOWN_LA, _month(c.stopped_on)
        on_time, late = c.status is ClockStatus.MET, c.exception is not None
        found.append(
            Observation(measure=measure, la=la, month=month, on_time=on_time, exception=late)
        )
        if c.clock_id == "ehc_20_weeks":
            weeks = round((c.stopped_on - c.start).days / 7, 1)
            found.append(Observation(measure=_MEDIANS[0], la=la, month=month, weeks=weeks))
    return found


def child_la(facts: Iterable[Fact]) -> str:
    """The child's local authority: the latest LA or social-care organisation code seen."""
    orgs = [
        f.org for f in facts if f.agency in (AgencyKind.LOCAL_AUTHORITY, AgencyKind.SOCIAL_CARE)
    ]
    return orgs[-1] if orgs else UNKNOWN_LA


def _signal_observation(
    facts: tuple[Fact, ...], signals: Iterable[FiredSignal]
) -> list[Observation]:
    first = min((s.on for s in signals), default=None)
    if first is None:
        return []
    answers = []
    for fact in facts:
        spec = _RESPONSES.get(fact.event_type)
        when = fact.day(spec[0]) if spec else None
        code = fact.values.get("provision")
        if spec and when and when >= first and (spec[1] is None or code in spec[1]):
            answers.append(when)
    if not answers:
        return []
    answered = min(answers)
    weeks = round((answered - first).days / 7, 1)
    return [
        Observation(measure=_MEDIANS[1], la=child_la(facts), month=_month(answered), weeks=weeks)
    ]


def observations(
    clocks: Iterable[ClockState], facts: tuple[Fact, ...], signals: Iterable[FiredSignal]
) -> list[Observation]:
    """What one child contributes to the KPIs (clock states, its facts, its signals at any age)."""
    return _clock_observations(clocks) + _signal_observation(facts, signals)


def _rate_rows(measure: str, la: str, month: str, cases: list[Observation]) -> list[KpiRow]:
    rows = []
    variants = (False, True) if measure == "ehc_plans_within_20_weeks" else (False,)
    for excluded in variants:
        counted = [c for c in cases if not (excluded and c.exception)]
        met = sum(1 for c in counted if c.on_time)
        value = round(100.0 * met / len(counted), 1) if counted else None
        rows.append(
            KpiRow(
                measure=measure,
                la=la,
                month=month,
                numerator=met,
                denominator=len(counted),
                exceptions_excluded=excluded,
                value=value,
            )
        )
    return rows


def kpi_rows(observed: Iterable[Observation]) -> list[KpiRow]:
    """Aggregate observations of many children into rows, sorted by measure, LA and month."""
    groups: dict[tuple[str, str, str], list[Observation]] = defaultdict(list)
    for o in observed:
        groups[(o.measure, o.la, o.month)].append(o)
    rows: list[KpiRow] = []
    for (measure, la, month), cases in sorted(groups.items()):
        if measure in _MEDIANS:
            value = round(median(c.weeks for c in cases if c.weeks is not None), 1)
            rows.append(
                KpiRow(
                    measure=measure,
                    la=la,
                    month=month,
                    numerator=None,
                    denominator=len(cases),
                    exceptions_excluded=False,
                    value=value,
                )
            )
        else:
            rows.extend(_rate_rows(measure, la, month, cases))
    return rows


def filter_rows(
    rows: Iterable[KpiRow],
    *,
    la: str | None = None,
    measure: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[KpiRow]:
    """Rows matching the filters; ``since``/``until`` are inclusive ``YYYY-MM`` months."""
    return [
        r
        for r in rows
        if (la is None or r.la == la)
        and (measure is None or r.measure == measure)
        and (since is None or r.month >= since)
        and (until is None or r.month <= until)
    ]
