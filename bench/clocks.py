"""Clock-stage throughput: the pure per-child fold, the timer's tick and the KPI aggregation.

Run ``.venv/bin/python bench/clocks.py [--children N] [--days D]``. It simulates N children for
D days (published through the real adapters, no broker), gives each event to its true child and
prints, measured as this process's CPU time:

- events/s through ``hub.clocks.fold.apply`` (extract the fact, re-evaluate every clock and
  signal of the child, raise alerts) for the events any rule reads, and for all events;
- children/s through ``tick`` (what the worker's timer does for a child whose day has come);
- seconds to compute every KPI row from all children (what ``GET /api/kpis`` does when the read
  model changed).

For scale: the hub's real load is a few events per second (about 2 million a year).
"""

import argparse
import csv
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.clocks.fold import ChildClocks, Rulebook, apply, clocks_of, tick
from hub.clocks.kpis import kpi_rows, observations
from hub.clocks.signals import fired_signals
from hub.files.clocks import load_rulebook
from hub.models import Event

__all__ = ["main"]

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)


def _events(children: int, days: int, out: Path) -> list[tuple[str, Event]]:
    simulate(children, days, 3, out)
    with (out / "ground_truth.csv").open(newline="") as handle:
        truth = {(r["source_system"], r["org_code"], r["source_person_id"]): r["child_id"]
                 for r in csv.DictReader(handle)}  # fmt: skip
    events: list[Event] = []
    publish_simulation(out, events.append)
    return [(truth[(e.source.system, e.source.org_code, e.subject.source_person_id)], e)
            for e in events]  # fmt: skip


def _fold(
    pairs: list[tuple[str, Event]], book: Rulebook
) -> tuple[dict[str, ChildClocks], int, float]:
    states: dict[str, ChildClocks] = {}
    alerts = 0
    started = time.process_time()
    for child, event in pairs:
        state, raised = apply(states.get(child, ChildClocks(child_id=child)), event, book, NOW)
        states[child], alerts = state, alerts + len(raised)
    return states, alerts, time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    book = load_rulebook()
    with tempfile.TemporaryDirectory() as tmp:
        pairs = _events(args.children, args.days, Path(tmp))
    relevant = sum(1 for _, e in pairs if e.event_type in book.needed)
    states, alerts, fold_s = _fold(pairs, book)
    started = time.process_time()
    for child, state in states.items():
        states[child], _ = tick(state, book, NOW)
    tick_s = time.process_time() - started
    started = time.process_time()
    observed = []
    for state in states.values():
        signals = fired_signals(book.signals, state.facts, NOW.date(), any_age=True)
        observed += observations(clocks_of(state, book, NOW), state.facts, signals)
    rows = kpi_rows(observed)
    kpi_s = time.process_time() - started
    print(f"{len(pairs):,} events ({relevant:,} read by a rule) for {len(states):,} children; "
          f"{alerts:,} alerts")  # fmt: skip
    print(f"fold: {relevant / fold_s:,.0f} rule events/s ({len(pairs) / fold_s:,.0f} events/s all)")
    print(f"tick: {len(states) / tick_s:,.0f} children/s")
    print(f"KPIs: {len(rows):,} rows from {len(states):,} children in {kpi_s:.2f} s")


if __name__ == "__main__":
    main()
