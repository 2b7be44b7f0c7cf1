"""The hub's 20-week KPI over a simulated year equals the simulator's own ground truth, exactly.

The simulation is published through the real adapters (no broker), each event is given to its
true child from ``ground_truth.csv`` (identity matching is tested elsewhere), folded, and the
KPI rows are compared with counts made straight from ``ehc_truth.csv``.
"""

import csv
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.clocks.fold import ChildClocks, apply, clocks_of
from hub.clocks.kpis import filter_rows, kpi_rows, observations
from hub.clocks.signals import fired_signals
from tests.unit.clocks.helpers import BOOK

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(600, 365, 21, out)
    return out


def _truth_children(sim: Path) -> dict[tuple[str, str, str], str]:
    with (sim / "ground_truth.csv").open(newline="") as handle:
        return {
            (r["source_system"], r["org_code"], r["source_person_id"]): r["child_id"]
            for r in csv.DictReader(handle)
        }


def _hub_rows(sim: Path) -> list:
    truth, events = _truth_children(sim), []
    run = publish_simulation(sim, events.append)
    assert run.rejected == 0
    states: dict[str, ChildClocks] = {}
    for e in events:
        child = truth[(e.source.system, e.source.org_code, e.subject.source_person_id)]
        state = states.get(child, ChildClocks(child_id=child))
        states[child], _ = apply(state, e, BOOK, NOW)
    observed = []
    for state in states.values():
        signals = fired_signals(BOOK.signals, state.facts, NOW.date(), any_age=True)
        observed += observations(clocks_of(state, BOOK, NOW), state.facts, signals)
    return kpi_rows(observed)


def _truth_counts(sim: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(la, month) -> (finalised within 140 days, finalised) over plans with a request."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with (sim / "ehc_truth.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["activity"] != "FINAL" or not row["received_date"]:
                continue
            final, received = (
                date.fromisoformat(row["activity_date"]),
                date.fromisoformat(row["received_date"]),
            )
            cell = counts[(row["la"], row["activity_date"][:7])]
            cell[0] += (final - received).days <= 140
            cell[1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def test_twenty_week_kpi_equals_the_simulators_ground_truth(sim: Path) -> None:
    rows = filter_rows(_hub_rows(sim), measure="ehc_plans_within_20_weeks")
    hub = {(r.la, r.month): (r.numerator, r.denominator) for r in rows if not r.exceptions_excluded}
    truth = _truth_counts(sim)
    assert sum(d for _, d in truth.values()) >= 15  # enough plans to mean something
    assert hub == truth


def test_truth_lists_each_journeys_milestones(sim: Path) -> None:
    with (sim / "ehc_truth.csv").open(newline="") as handle:
        activities = Counter(r["activity"] for r in csv.DictReader(handle))
    for step in ("REQUEST", "DECISION", "ADVICE_REQUESTED", "ADVICE_RECEIVED", "DRAFT", "FINAL",
                 "REVIEW_INVITED", "REVIEW_REPORT", "AMEND_NOTICE", "CEASE_NOTICE"):  # fmt: skip
        assert activities[step] > 0, step
