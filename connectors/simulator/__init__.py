"""Synthetic-agency simulator: a population, its journeys and the agencies' native exports.

`simulate(children=N, days=D, seed=S, out=DIR)` writes, deterministically (same
arguments, byte-identical files):

- ``feeds/<source>/<system>/<delivered>_<export>.csv|json``: what each agency sends,
  in its own format (school MIS CSV, FHIR Bundles, social care CSV, SEN case CSV), with
  the flaws real feeds have (missing NHS numbers in school data, typos, nicknames,
  surname changes, day/month swaps, house moves, temporary UPNs, duplicates, late
  and out-of-order arrival);
- ``manifest.csv``: deliveries in arrival order (``seq,delivered,source,system,export,
  path,records``), which `publish_simulation` replays through the real adapters;
- ``ground_truth.csv``: source record -> true child (columns in `connectors.simulator.truth`);
- ``ehc_truth.csv``: every delivered EHC milestone with its dates, exceptions and true child
  (columns in `connectors.simulator.truth_ehc`), to check the hub's clocks and KPIs against;
- with ``linkage=True``, ``linkage/<source>.csv`` in the bulk-linkage format plus
  ``linkage/truth.csv``;
- with ``families=True``, siblings and twins who share surname and home
  (`connectors.simulator.families`); off by default, as it changes what a seed produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connectors.simulator.feeds import Delivery, schedule, write_deliveries, write_manifest
from connectors.simulator.journeys import SimRecord, school_journeys
from connectors.simulator.journeys_care import social_care_journeys
from connectors.simulator.journeys_ehc import ehc_journeys
from connectors.simulator.journeys_health import health_journeys
from connectors.simulator.sources import Registry
from connectors.simulator.truth import write_ground_truth, write_linkage
from connectors.simulator.truth_ehc import write_ehc_truth
from connectors.simulator.world import World, build_world

__all__ = ["DEFAULT_START", "SimulationResult", "simulate"]

DEFAULT_START = date(2025, 9, 1)


@dataclass(frozen=True)
class SimulationResult:
    out: Path
    manifest: Path
    ground_truth: Path
    deliveries: tuple[Delivery, ...]
    records: int
    source_people: int
    linkage: tuple[Path, ...] = ()
    ehc_truth: Path | None = None


def _journeys(world: World) -> list[SimRecord]:
    records: list[SimRecord] = []
    counter = [0]
    for child in world.children:
        # School first: it reads SEN status on day one, before an EHC plan may change it.
        records += school_journeys(world, child)
        records += ehc_journeys(world, child, counter)
        records += health_journeys(world, child, counter)
        records += social_care_journeys(world, child, counter)
    return records


def simulate(
    children: int,
    days: int,
    seed: int,
    out: Path,
    start: date = DEFAULT_START,
    linkage: bool = False,
    families: bool = False,
) -> SimulationResult:
    """Simulate ``children`` children for ``days`` days from ``start`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(children, days, seed, start, families=families)
    registry = Registry(world.rng, world.ref)
    batches = schedule(world, registry, _journeys(world))
    deliveries = write_deliveries(world, batches, out)
    manifest = write_manifest(deliveries, out)
    truth = out / "ground_truth.csv"
    people = write_ground_truth(registry, truth)
    ehc_truth = out / "ehc_truth.csv"
    write_ehc_truth((r for items in batches.values() for r, _ in items), ehc_truth)
    linkage_paths = tuple(write_linkage(registry, out / "linkage")) if linkage else ()
    return SimulationResult(
        out,
        manifest,
        truth,
        tuple(deliveries),
        sum(d.records for d in deliveries),
        people,
        linkage_paths,
        ehc_truth,
    )
