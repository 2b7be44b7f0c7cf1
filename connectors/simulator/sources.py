"""How each agency's system knows a child: source person records with real-feed flaws.

A `SourcePerson` is one person record in one system at one organisation. It holds
what that system captured (possibly a nickname, a mistyped surname, a day/month
swap in the date of birth, no NHS number) and learns of house moves and surname
changes late. `Registry` creates them on first use, remembers every one for the
ground truth, and keeps the distinct demographic snapshots actually emitted so a
linkage file can be built from exactly what the agencies sent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from connectors.simulator.population import Address, Child
from connectors.simulator.reference import Reference

__all__ = ["PROFILES", "Demographics", "Profile", "Registry", "SourcePerson", "typo"]


@dataclass(frozen=True, slots=True)
class Profile:
    """Data-quality habits of one kind of source (probabilities per person record)."""

    nhs: float  # records the NHS number
    upn: float  # records the UPN
    nickname: float  # records a nickname as the name in use
    dob_swap: float  # day and month swapped at data entry
    typo: float  # a persistent typo in the surname
    lag_days: int  # how long a house move or surname change takes to reach the record
    duplicate: float  # a second person record is opened for the same child


PROFILES = {
    "school": Profile(0.25, 1.0, 0.3, 0.01, 0.02, 30, 0.0),
    "health": Profile(1.0, 0.0, 0.1, 0.005, 0.01, 14, 0.01),
    "social_care": Profile(0.7, 0.4, 0.4, 0.02, 0.03, 60, 0.02),
    "sen_case": Profile(0.6, 0.9, 0.15, 0.01, 0.015, 90, 0.0),
}


@dataclass(frozen=True, slots=True)
class Demographics:
    """The subject as a source records it on one day."""

    given_name: str
    preferred_name: str
    middle_name: str
    family_name: str
    dob: date
    sex: str
    nhs_number: str
    upn: str
    former_upn: str
    uln: str
    address: Address


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: swap two letters, drop one or double one."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _swap(dob: date) -> date:
    return date(dob.year, dob.day, dob.month) if dob.day <= 12 and dob.day != dob.month else dob


@dataclass
class SourcePerson:
    kind: str
    system: str
    org: str
    person_id: str
    child: Child
    profile: Profile
    preferred: str
    dob: date
    has_nhs: bool
    has_upn: bool
    surname_typo: bool
    lag: int
    emitted: set[Demographics] = field(default_factory=set)

    def snapshot(self, when: date, rng: random.Random | None = None) -> Demographics:
        """What this record says on ``when``; ``rng`` adds a one-off slip to this row."""
        seen = when - timedelta(days=self.lag)
        child = self.child
        family = child.surname_on(seen)
        if self.surname_typo:
            # Seeded by the record, so the same slip recurs in every row of this record.
            family = typo(random.Random(f"{self.org}/{self.person_id}"), family)
        given = child.given_name
        if rng is not None and rng.random() < 0.005:
            given = typo(rng, given)
        upns = [u for since, u in child.upns if since <= when] if self.has_upn else []
        demo = Demographics(
            given_name=given,
            preferred_name=self.preferred,
            middle_name=child.middle_name,
            family_name=family,
            dob=self.dob,
            sex=child.sex,
            nhs_number=(child.nhs_number or "") if self.has_nhs else "",
            upn=upns[-1] if upns else "",
            former_upn=upns[-2] if len(upns) > 1 else "",
            uln=child.uln or "",
            address=child.address_on(seen),
        )
        self.emitted.add(demo)
        return demo


class Registry:
    """All source person records of the simulation, created on first use."""

    def __init__(self, rng: random.Random, ref: Reference) -> None:
        self._rng = rng
        self._ref = ref
        self._people: dict[tuple[str, str, str, str], list[SourcePerson]] = {}
        self._counters: dict[tuple[str, str], int] = {}

    def person(self, kind: str, system: str, org: str, child: Child) -> SourcePerson:
        """The record for ``child``; sometimes a duplicate record opened by mistake."""
        key = (kind, system, org, child.child_id)
        records = self._people.get(key)
        if records is None:
            records = self._people[key] = [self._new(kind, system, org, child)]
            if self._rng.random() < PROFILES[kind].duplicate:
                records.append(self._new(kind, system, org, child))
        return records[-1] if len(records) > 1 and self._rng.random() < 0.5 else records[0]

    def _new(self, kind: str, system: str, org: str, child: Child) -> SourcePerson:
        rng, profile = self._rng, PROFILES[kind]
        number = self._counters.get((kind, org), 0) + 1
        self._counters[(kind, org)] = number
        nicks = self._ref.nicknames.get(child.given_name, ())
        preferred = rng.choice(nicks) if nicks and rng.random() < profile.nickname else ""
        dob = _swap(child.dob) if rng.random() < profile.dob_swap else child.dob
        return SourcePerson(
            kind,
            system,
            org,
            _person_id(kind, org, number),
            child,
            profile,
            preferred,
            dob,
            has_nhs=rng.random() < profile.nhs,
            has_upn=rng.random() < profile.upn,
            surname_typo=rng.random() < profile.typo,
            lag=rng.randint(0, profile.lag_days),
        )

    def all(self) -> list[SourcePerson]:
        people = [p for records in self._people.values() for p in records]
        return sorted(people, key=lambda p: (p.kind, p.system, p.org, p.person_id))


def _person_id(kind: str, org: str, number: int) -> str:
    if kind == "school":
        return f"{number:06d}"  # MIS admission number, unique only within the school
    if kind == "health":
        return f"{org.lower()}-{number:07d}"
    if kind == "social_care":
        return f"{100000 + number}"
    return f"P{number:07d}"
