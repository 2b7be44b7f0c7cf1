"""The simulated world: population, families, schools, school careers, house moves, name changes.

`build_world` is the only place a seed becomes randomness: one `random.Random`
and one seeded Faker are created here and passed on, so the same seed gives the
same world (and so the same files) on every run.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from connectors.simulator.calendar import academic_year, year_group
from connectors.simulator.families import make_families
from connectors.simulator.population import (
    Child,
    School,
    make_address,
    make_population,
    school_count,
)
from connectors.simulator.reference import Reference, load_reference, weighted
from hub.identifiers import make_upn

__all__ = ["World", "build_world"]

_SPECIAL_NEEDS = {"SLD", "PMLD", "MSI"}
_PER_SCHOOL = {"primary": 60, "secondary": 150, "post16": 120, "special": 400}
_FIRST_YEAR = {"primary": 0, "secondary": 7, "post16": 12}
_ESTABLISHMENT_BASE = {"primary": 2000, "secondary": 4000, "post16": 4500, "special": 7000}


@dataclass
class World:
    start: date
    end: date
    rng: random.Random
    fake: Faker
    ref: Reference
    children: list[Child]
    schools: dict[tuple[str, str], list[School]] = field(default_factory=dict)
    _upn_serials: dict[tuple[str, int, int], int] = field(default_factory=dict)

    def chance(self, annual_rate: float) -> bool:
        """Whether a journey with this annual rate starts within the simulated period."""
        return self.rng.random() < annual_rate * (self.end - self.start).days / 365

    def day_in_window(self, earliest: date | None = None) -> date:
        low = max(self.start, earliest or self.start)
        span = max(1, (self.end - low).days)
        return low + timedelta(days=self.rng.randrange(span))


def _phase_for(child: Child, group: int) -> str | None:
    if group < 0 or group > 13:
        return None
    if child.sen == "E" and (_SPECIAL_NEEDS & set(child.needs)):
        return "special"
    if group <= 6:
        return "primary"
    return "secondary" if group <= 11 else "post16"


def _make_schools(world: World) -> None:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for child in world.children:
        phase = _phase_for(child, year_group(child.dob, world.start))
        if phase:
            counts[(child.la, phase)] += 1
    urn = 119000
    for la in sorted(world.ref.authorities):
        for phase, per in _PER_SCHOOL.items():
            pool = []
            for n in range(school_count(counts[(la, phase)], per)):
                urn += world.rng.randint(1, 40)
                system = weighted(world.rng, world.ref.mis_vendors)
                estab = _ESTABLISHMENT_BASE[phase] + n * 7 + world.rng.randint(0, 6)
                pool.append(School(str(urn), la, estab, phase, system))
            world.schools[(la, phase)] = pool


def _issue_upn(world: World, school: School, year: int, temporary: bool) -> str:
    key = (school.la, school.establishment, year)
    serial = world._upn_serials.get(key, 0) + 1
    world._upn_serials[key] = serial
    return make_upn(int(school.la), school.establishment, year, serial, temporary)


def _enrol(world: World, child: Child, when: date, la: str, phase: str | None = None) -> None:
    phase = phase or _phase_for(child, year_group(child.dob, when))
    if phase is None:
        if child.schools and child.schools[-1][1] is not None:
            child.schools.append((when, None))
        return
    school = world.rng.choice(world.schools[(la, phase)])
    child.schools.append((when, school))
    if not child.upns:
        temporary = world.rng.random() < 0.03
        child.upns.append((when, _issue_upn(world, school, when.year, temporary)))
        if temporary:
            # A permanent UPN replaces the temporary one a few weeks to months later.
            later = when + timedelta(days=world.rng.randint(20, 200))
            child.upns.append((later, _issue_upn(world, school, later.year, False)))


def _school_career(world: World, child: Child) -> None:
    group = year_group(child.dob, world.start)
    phase = _phase_for(child, group)
    if phase is not None:
        first_year = _FIRST_YEAR.get(phase, max(0, group - world.rng.randint(0, 3)))
        joined = date(academic_year(world.start) - (group - first_year), 9, 3)
        _enrol(world, child, joined, child.la, phase)
    september = date(academic_year(world.start) + 1, 9, 3)
    while september < world.end:
        before = _phase_for(child, year_group(child.dob, september - timedelta(days=60)))
        if _phase_for(child, year_group(child.dob, september)) != before:
            if before == "secondary" and world.rng.random() < 0.4:
                child.schools.append((date(september.year, 7, 22), None))  # left at 16
            else:
                _enrol(world, child, september, child.address_on(september).la)
        september = date(september.year + 1, 9, 3)


def _life_changes(world: World, child: Child) -> None:
    if world.chance(world.ref.rates["move_house"]):
        moved = world.day_in_window()
        # Plans and social care stay with the home authority; others may leave it.
        same_la = child.sen == "E" or world.rng.random() < 0.85
        home = make_address(world.rng, world.fake, world.ref, child.la if same_la else None)
        child.addresses.append((moved, home))
        if home.la != child.la and child.school_on(moved) is not None:
            _enrol(world, child, moved + timedelta(days=world.rng.randint(3, 20)), home.la)
    if world.chance(world.ref.rates["surname_change"]):
        child.surnames.append((world.day_in_window(), world.fake.last_name()))


def build_world(count: int, days: int, seed: int, start: date, families: bool = False) -> World:
    """A deterministic world of ``count`` children over ``days`` days from ``start``.

    ``families``: siblings and twins share surname and home (`families`); off by default
    because it changes which journeys a seed produces, and other measurements use seeds.
    """
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    ref = load_reference()
    children = make_population(count, rng, fake, ref, start)
    if families:
        make_families(children, ref, start)
    world = World(start, start + timedelta(days=days), rng, fake, ref, children)
    _make_schools(world)
    for child in children:
        _school_career(world, child)
        _life_changes(world, child)
        child.schools.sort(key=lambda item: item[0])
        child.addresses.sort(key=lambda item: item[0])
    return world
