"""Deliveries: when each agency sends which records, and the files they send.

Agencies send weekly extracts (Mondays) of what they recorded the week before, plus a
day-one extract of what was already open. Some records arrive weeks late (so events
arrive out of order) and some are sent twice. Files are written per source, system,
delivery date and export (one FHIR Bundle per health organisation and delivery), and
listed in arrival order in ``manifest.csv``: ``seq,delivered,source,system,export,path,records``.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from connectors.simulator.fhir_render import bundle, patient_resource, resource_for
from connectors.simulator.journeys import SimRecord
from connectors.simulator.render import csv_header, csv_row
from connectors.simulator.sources import Registry, SourcePerson
from connectors.simulator.world import World

__all__ = ["MANIFEST_COLUMNS", "Delivery", "schedule", "write_deliveries"]

MANIFEST_COLUMNS = ("seq", "delivered", "source", "system", "export", "path", "records")
# Simulator source -> the `send-hub publish --source` kind that reads its files.
PUBLISH_KIND = {
    "school": "school",
    "health": "health",
    "social_care": "social-care",
    "sen_case": "sen-case",
}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One file as sent: arrival date, source, system, export and where it was written."""

    delivered: date
    source: str
    system: str
    export: str
    path: Path
    records: int


def _origin(world: World, record: SimRecord) -> tuple[str, str]:
    """(system, org) of the agency that holds ``record``."""
    child = record.child
    authority = world.ref.authorities[child.address_on(record.day).la]
    if record.source == "school":
        school = child.school_on(record.day) or child.school_on(record.day - timedelta(days=1))
        urn = str(record.fields.get("URN") or (school.urn if school else ""))
        system = next((s.system for _, s in child.schools if s and s.urn == urn), "SIMS")
        return system, urn
    if record.source == "health":
        return authority.health_system, authority.health_org
    home = world.ref.authorities[child.la]
    return (home.social_care if record.source == "social_care" else home.sen_case), child.la


def _arrival(world: World, day: date) -> date:
    if day <= world.start:
        return world.start
    monday = day + timedelta(days=7 - day.weekday())
    if world.rng.random() < 0.05:
        monday += timedelta(weeks=world.rng.randint(2, 8))  # a late record
    return monday


Batch = dict[tuple[date, str, str, str], list[tuple[SimRecord, SourcePerson]]]


def schedule(world: World, registry: Registry, records: list[SimRecord]) -> Batch:
    """Group records into deliveries; duplicates go out again in the next one."""
    batches: Batch = defaultdict(list)
    for record in records:
        if not world.start <= record.day < world.end:
            continue
        system, org = _origin(world, record)
        person = registry.person(record.source, system, org, record.child)
        arrival = _arrival(world, record.day)
        export = "bundle" if record.source == "health" else record.export
        sends = [arrival]
        if world.rng.random() < 0.015:
            sends.append(arrival + timedelta(days=7))
        for when in sends:
            if when < world.end:
                batches[(when, record.source, system, export)].append((record, person))
    return batches


def _write_csv(path: Path, world: World, items: list[tuple[SimRecord, SourcePerson]]) -> None:
    first = items[0][0]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(csv_header(first.source, first.export))
        for record, person in items:
            demo = person.snapshot(record.day, world.rng)
            writer.writerow(csv_row(record, person.person_id, person.org, demo))


def _write_bundle(
    path: Path, world: World, items: list[tuple[SimRecord, SourcePerson]], system: str, stamp: date
) -> None:
    patients: dict[str, dict[str, Any]] = {}
    resources = []
    for record, person in items:
        demo = person.snapshot(record.day, world.rng)
        patients[person.person_id] = patient_resource(person.person_id, person.org, demo)
        resources.append(resource_for(record, person.person_id, system))
    document = bundle(list(patients.values()), resources, stamp)
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def write_deliveries(world: World, batches: Batch, out: Path) -> list[Delivery]:
    """Write every delivery under ``out/feeds`` and return them in arrival order."""
    deliveries = []
    for key in sorted(batches):
        when, source, system, export = key
        items = batches[key]
        folder = out / "feeds" / source / system
        folder.mkdir(parents=True, exist_ok=True)
        suffix = "json" if source == "health" else "csv"
        path = folder / f"{when.isoformat()}_{export}.{suffix}"
        if source == "health":
            _write_bundle(path, world, items, system, when)
        else:
            _write_csv(path, world, items)
        deliveries.append(Delivery(when, source, system, export, path, len(items)))
    return deliveries


def write_manifest(deliveries: list[Delivery], out: Path) -> Path:
    path = out / "manifest.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for seq, d in enumerate(deliveries, start=1):
            relative = d.path.relative_to(out).as_posix()
            writer.writerow(
                [
                    seq,
                    d.delivered.isoformat(),
                    PUBLISH_KIND[d.source],
                    d.system,
                    d.export,
                    relative,
                    d.records,
                ]
            )
    return path
