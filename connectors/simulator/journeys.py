"""What happens to each child: school, SEN support, EHC statutory process, health, social care.

Journeys produce `SimRecord`s: one native record of one agency export on the day the
agency recorded it, with native column names (or FHIR-ish fields for health). Rates
and timings aim at published figures: EHC requests mostly from SEN support, about 70%
assessed, final plans mostly late (Lancashire issued 17% within 20 weeks in 2024),
review decisions often past four weeks, weekly attendance for every pupil.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from connectors.simulator.calendar import (
    school_days,
    term_weeks,
    year_group,
)
from connectors.simulator.population import Child
from connectors.simulator.world import World

__all__ = ["SimRecord", "next_id", "school_journeys"]

_SEMH_LIKE = {"SEMH", "ASD"}


@dataclass(slots=True)
class SimRecord:
    """One native record: agency source, export, the child, the day recorded, the fields."""

    source: str
    export: str
    child: Child
    day: date
    fields: dict[str, Any] = field(default_factory=dict)


def next_id(counter: list[int], prefix: str) -> str:
    """The next identifier from the simulation-wide counter, e.g. ``CON0000042``."""
    counter[0] += 1
    return f"{prefix}{counter[0]:07d}"


def _days(world: World, low: int, high: int) -> timedelta:
    return timedelta(days=world.rng.randint(low, high))


def school_journeys(world: World, child: Child) -> list[SimRecord]:
    """Roll, attendance, suspensions and SEN support records at each school attended."""
    records: list[SimRecord] = []
    stints = [(since, school) for since, school in child.schools]
    for index, (since, school) in enumerate(stints):
        if school is None:
            continue
        until = stints[index + 1][0] if index + 1 < len(stints) else world.end
        if until <= world.start:
            continue
        fields = {"URN": school.urn, "Admission Date": since}
        records.append(SimRecord("school", "pupils", child, max(since, world.start), fields))
        if until < world.end:
            left = {**fields, "Leaving Date": until - timedelta(days=1)}
            records.append(SimRecord("school", "pupils", child, until, left))
        records += _attendance(world, child, school.urn, max(since, world.start), until)
        records += _suspensions(world, child, school.urn, max(since, world.start), until)
    records += _sen_support(world, child)
    return records


def _attendance(world: World, child: Child, urn: str, start: date, end: date) -> list[SimRecord]:
    rng = world.rng
    base = {"N": 0.94, "K": 0.90, "E": 0.87}[child.sen] - (0.08 if rng.random() < 0.1 else 0)
    records, absent_total, possible_total = [], 0, 0
    for monday in term_weeks(start, end):
        possible = 2 * school_days(monday)
        absent = sum(rng.random() > base for _ in range(possible))
        unauthorised = sum(rng.random() < 0.3 for _ in range(absent))
        authorised = absent - unauthorised
        codes = {"I": authorised, "O": unauthorised}
        absent_total, possible_total = absent_total + absent, possible_total + possible
        fields = {
            "URN": urn,
            "Week Beginning": monday,
            "Possible Sessions": possible,
            "Present Sessions": possible - absent,
            "Authorised Absences": authorised,
            "Unauthorised Absences": unauthorised,
            "Absence Codes": ";".join(f"{c}:{n}" for c, n in codes.items() if n),
            "PA": "Y" if absent_total * 10 >= possible_total else "N",
        }
        records.append(SimRecord("school", "attendance", child, monday + timedelta(days=4), fields))
    return records


def _suspensions(world: World, child: Child, urn: str, start: date, end: date) -> list[SimRecord]:
    rates = world.ref.rates
    rate = rates["suspension_semh"] if _SEMH_LIKE & set(child.needs) else rates["suspension"]
    if year_group(child.dob, start) < 1 or not world.chance(rate):
        return []
    day = world.day_in_window(start)
    if day >= end:
        return []
    sessions = world.rng.choice([1, 2, 2, 4, 6, 10])
    reason = world.rng.choice(["PD", "PD", "PD", "VA", "PA", "PP", "VP", "BU", "DM"])
    fields = {
        "URN": urn,
        "Category": "SUSP",
        "Start Date": day,
        "Sessions": sessions,
        "Reason": reason,
        "End Date": day + timedelta(days=(sessions + 1) // 2),
    }
    return [SimRecord("school", "exclusions", child, day, fields)]


def _sen_support(world: World, child: Child) -> list[SimRecord]:
    school = child.school_on(world.start) or child.school_on(world.end - timedelta(days=1))
    if school is None:
        return []
    if child.sen in ("K", "E"):
        return _existing_sen(world, child, school.urn)
    if not world.chance(world.ref.rates["sen_support_start"]):
        return []
    start = world.day_in_window()
    child.sen, child.needs = "K", [world.rng.choice(["SLCN", "SEMH", "SPLD", "MLD", "NSA"])]
    period = {
        "URN": school.urn,
        "SEN Provision": "K",
        "Start Date": start,
        "Needs Updated": start,
        **_needs(child),
    }
    return [SimRecord("school", "sen", child, start, period)]


def _existing_sen(world: World, child: Child, urn: str) -> list[SimRecord]:
    """A SEN period open on day one; support may change needs or end in the window."""
    rates = world.ref.rates
    start = world.start - timedelta(days=world.rng.randint(60, 1500))
    period = {
        "URN": urn,
        "SEN Provision": child.sen,
        "Start Date": start,
        "Needs Updated": start,
        **_needs(child),
    }
    out = [SimRecord("school", "sen", child, world.start, period)]
    if child.sen == "K" and world.chance(rates["need_change"]) and len(child.needs) == 1:
        changed = world.day_in_window()
        child.needs.append("SLCN" if child.needs[0] != "SLCN" else "SEMH")
        update = {**period, "Needs Updated": changed, **_needs(child)}
        out.append(SimRecord("school", "sen", child, changed, update))
    if child.sen == "K" and world.chance(rates["sen_support_end"]):
        ended = world.day_in_window()
        closed = {**period, "End Date": ended, "Provision After": "N"}
        out.append(SimRecord("school", "sen", child, ended, closed))
    return out


def _needs(child: Child) -> dict[str, str]:
    needs = [*child.needs, "", ""]
    return {"Primary Need": needs[0], "Secondary Need": needs[1]}
