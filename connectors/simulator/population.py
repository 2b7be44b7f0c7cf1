"""The synthetic population: children and young people aged 0-25, their homes and schools.

Each `Child` is the ground truth the agencies only see through their own records:
legal names (and the surname history), date of birth, a valid synthetic NHS number
(the 999 test range, so it can never be a real patient's), addresses over time
in Lancashire-like postcode districts, and for pupils a school and a valid UPN
(temporary for a few new arrivals). SEN status and needs at the start are set here;
what happens during the simulated period is decided in `journeys`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from connectors.simulator.calendar import year_group
from connectors.simulator.reference import Reference, weighted
from hub.identifiers import make_nhs_number, make_uln

__all__ = ["Address", "Child", "School", "make_address", "make_population"]


@dataclass(frozen=True, slots=True)
class Address:
    line: str
    town: str
    postcode: str
    la: str

    @property
    def text(self) -> str:
        return f"{self.line}, {self.town}"


@dataclass(frozen=True, slots=True)
class School:
    urn: str
    la: str
    establishment: int
    phase: str  # primary, secondary, special, post16
    system: str


@dataclass
class Child:
    """One real child; histories are ``(from_date, value)`` lists in date order."""

    child_id: str
    sex: str
    given_name: str
    middle_name: str
    dob: date
    nhs_number: str | None
    surnames: list[tuple[date, str]]
    addresses: list[tuple[date, Address]]
    uln: str | None = None
    sen: str = "N"
    needs: list[str] = field(default_factory=list)
    upns: list[tuple[date, str]] = field(default_factory=list)
    schools: list[tuple[date, School | None]] = field(default_factory=list)
    case_ref: str = ""  # the LA's SEN case reference, once the child has an EHC case

    @staticmethod
    def _at(history: list[tuple[date, object]], when: date) -> object:
        current = history[0][1]
        for since, value in history:
            if since <= when:
                current = value
        return current

    def surname_on(self, when: date) -> str:
        return str(self._at(self.surnames, when))  # type: ignore[arg-type]

    def address_on(self, when: date) -> Address:
        return self._at(self.addresses, when)  # type: ignore[arg-type, return-value]

    def upn_on(self, when: date) -> str | None:
        return self._at(self.upns, when) if self.upns else None  # type: ignore[arg-type, return-value]

    def school_on(self, when: date) -> School | None:
        return self._at(self.schools, when) if self.schools else None  # type: ignore[arg-type, return-value]

    @property
    def la(self) -> str:
        return self.addresses[0][1].la


def make_address(rng: random.Random, fake: Faker, ref: Reference, la: str | None = None) -> Address:
    """A plausible address; ``la`` keeps a house move inside the same authority."""
    pool = [d for d in ref.districts if la is None or d.la == la]
    district = weighted(rng, [(d, d.weight) for d in pool])
    letters = ref.inward_letters
    inward = f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    line = f"{rng.randint(1, 180)} {fake.street_name()}"
    return Address(line, district.town, f"{district.code} {inward}", district.la)


def _nhs_numbers(rng: random.Random, count: int) -> list[str]:
    # 999 is the NHS test range: synthetic numbers can never collide with a real patient.
    chosen: list[str] = []
    seen: set[str] = set()
    while len(chosen) < count:
        number = make_nhs_number(f"999{rng.randrange(1_000_000):06d}")
        if number is not None and number not in seen:
            seen.add(number)
            chosen.append(number)
    return chosen


def _given_name(rng: random.Random, fake: Faker, ref: Reference, sex: str) -> str:
    if rng.random() < 0.75:
        return rng.choice(ref.given_names[sex])
    return fake.first_name_female() if sex == "F" else fake.first_name_male()


def _make_child(
    index: int, rng: random.Random, fake: Faker, ref: Reference, start: date, nhs: str
) -> Child:
    sex = "F" if rng.random() < 0.49 else "M"
    dob = start - timedelta(days=rng.randrange(0, 25 * 365 + 6))
    given = _given_name(rng, fake, ref, sex)
    middle = _given_name(rng, fake, ref, sex) if rng.random() < 0.7 else ""
    family = fake.last_name()
    if rng.random() < 0.04:
        family = f"{family}-{fake.last_name()}"
    # Children who arrived from abroad may have no NHS number yet.
    number: str | None = nhs if rng.random() > 0.02 else None
    home = make_address(rng, fake, ref)
    child = Child(
        f"C{index:06d}",
        sex,
        given,
        middle,
        dob,
        number,
        surnames=[(dob, family)],
        addresses=[(dob, home)],
    )
    if (start - dob).days >= 14 * 365:
        child.uln = _uln(rng)
    _set_sen(child, rng, ref, start)
    return child


def _uln(rng: random.Random) -> str:
    while True:
        uln = make_uln(f"{rng.randint(1, 9)}{rng.randrange(10**8):08d}")
        if uln is not None:
            return uln


def _set_sen(child: Child, rng: random.Random, ref: Reference, start: date) -> None:
    group = year_group(child.dob, start)
    if group < -1:
        return
    draw = rng.random()
    plan_age = group <= 14  # EHC plans run to 25; SEN support ends with school
    if draw < ref.sen_rates["E"] and plan_age:
        child.sen = "E"
    elif draw < ref.sen_rates["E"] + ref.sen_rates["K"] and 0 <= group <= 13:
        child.sen = "K"
    if child.sen != "N":
        child.needs = _needs(rng, ref, child.sen)


def _needs(rng: random.Random, ref: Reference, provision: str) -> list[str]:
    primary = weighted(rng, ref.need_mix[provision])
    needs = [primary]
    if rng.random() < 0.35:
        second = weighted(rng, ref.need_mix[provision])
        if second not in (primary, "NSA") and primary != "NSA":
            needs.append(second)
    return needs


def make_population(
    count: int, rng: random.Random, fake: Faker, ref: Reference, start: date
) -> list[Child]:
    """``count`` children with identifiers, homes and SEN status on ``start``."""
    numbers = _nhs_numbers(rng, count)
    return [_make_child(i + 1, rng, fake, ref, start, numbers[i]) for i in range(count)]


def school_count(pupils: int, per_school: int) -> int:
    """How many schools of a phase a synthetic authority needs for its pupils."""
    return max(1, math.ceil(pupils / per_school))
