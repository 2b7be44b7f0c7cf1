"""Which organisations are involved with a child, since when and until when: a pure fold over
the child's events (relationships come from the streams, never from a caller's token).

Each event may open or close one relationship, keyed (kind, organisation, reference), as
`hub.consent.marks` says: a school roll, an EHC needs assessment or plan run by a local
authority, an adviser asked for advice in it, and health and social-care referrals, episodes
and plans. An end date is the last day a relationship held. The fold also keeps the child's
date of birth as most sources give it, so who may decide for the child is worked out per read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hub.consent.marks import Mark, marks_of
from hub.models import Event

__all__ = ["EhcCase", "Period", "Relationship", "RelationshipKind", "Relationships"]


class RelationshipKind(StrEnum):
    """Kinds of involvement an organisation can have with a child."""

    ON_ROLL = "ON_ROLL"
    EHC_CASE = "EHC_CASE"
    EHC_ADVICE = "EHC_ADVICE"
    HEALTH_EPISODE = "HEALTH_EPISODE"
    SOCIAL_CARE = "SOCIAL_CARE"
    EARLY_HELP = "EARLY_HELP"
    CHILD_PROTECTION = "CHILD_PROTECTION"
    LOOKED_AFTER = "LOOKED_AFTER"


@dataclass(frozen=True, slots=True)
class Period:
    """One unbroken run of a relationship; ``until`` is its last day (None: still open)."""

    since: date
    until: date | None

    def holds_on(self, day: date) -> bool:
        """Whether the run covers ``day``."""
        return self.since <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True, slots=True)
class Relationship:
    """An organisation's involvement with the child: the run that holds on the day asked."""

    kind: RelationshipKind
    org_code: str
    ref: str
    period: Period

    def describe(self) -> str:
        """Plain words for explanations, e.g. 'ON_ROLL at 100001 since 2025-09-03'."""
        return f"{self.kind.value} at {self.org_code} since {self.period.since.isoformat()}"


@dataclass(frozen=True, slots=True)
class EhcCase:
    """An EHC needs assessment or plan: one run of an EHC_CASE relationship."""

    ref: str
    la_code: str
    period: Period
    plan_since: date | None

    def describe(self) -> str:
        """Plain words for explanations, e.g. 'EHC needs assessment opened 2026-03-02'."""
        if self.plan_since is not None:
            return f"EHC plan maintained since {self.plan_since.isoformat()}"
        return f"EHC needs assessment opened {self.period.since.isoformat()}"


_Key = tuple[RelationshipKind, str, str]


def _runs(marks: Iterable[Mark]) -> list[Period]:
    """Unbroken runs from marks in date order; on one day, starts before ends."""
    runs: list[Period] = []
    since: date | None = None
    for mark in sorted(marks, key=lambda m: (m.day, m.action == "END")):
        if mark.action == "END":
            if since is not None:
                runs.append(Period(since, mark.day))
                since = None
        elif since is None:
            since = mark.day
    if since is not None:
        runs.append(Period(since, None))
    return runs


@dataclass(slots=True)
class Relationships:
    """Fold state for one child, grown by appending (`add`) and read per day.

    A mark never changes once added, so replaying or reordering events gives the same answers.
    """

    marks: dict[_Key, list[Mark]] = field(default_factory=dict)
    advisers: dict[str, list[tuple[str, date]]] = field(default_factory=dict)
    births: Counter[date] = field(default_factory=Counter)
    _cache: dict[_Key, list[Period]] = field(default_factory=dict)

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> Relationships:
        """The state after folding ``events`` (in any order)."""
        state = cls()
        for event in events:
            state.add(event)
        return state

    def add(self, event: Event) -> None:
        """Fold one event in."""
        if event.subject.date_of_birth is not None:
            self.add_birth(event.subject.date_of_birth)
        for mark in marks_of(event):
            self.add_mark(mark)

    def add_birth(self, dob: date, times: int = 1) -> None:
        """Count a date of birth as ``times`` entries give it."""
        self.births[dob] += times

    def add_mark(self, mark: Mark) -> None:
        """Fold in one mark (as `hub.consent.marks.marks_of` made it, possibly stored)."""
        if mark.action == "ADVISER":
            self.advisers.setdefault(mark.ref, []).append((mark.adviser or "", mark.day))
            return
        key = (RelationshipKind(mark.kind), mark.org_code, mark.ref)
        self.marks.setdefault(key, []).append(mark)
        self._cache.pop(key, None)

    @property
    def date_of_birth(self) -> date | None:
        """The date of birth most sources give (ties: the latest), or None if none does."""
        if not self.births:
            return None
        return max(self.births.items(), key=lambda item: (item[1], item[0]))[0]

    def runs(self, key: _Key) -> list[Period]:
        """Every run of relationship ``key``, oldest first."""
        if key not in self._cache:
            self._cache[key] = _runs(self.marks.get(key, ()))
        return self._cache[key]

    def active_on(self, day: date) -> list[Relationship]:
        """Every relationship holding on ``day``; an adviser holds while its case is open."""
        found = [
            Relationship(key[0], key[1], key[2], period)
            for key in self.marks
            for period in self.runs(key)
            if period.holds_on(day)
        ]
        for case in self.ehc_cases_on(day):
            for org, asked in self.advisers.get(case.ref, ()):
                if case.period.since <= asked <= day:
                    period = Period(asked, case.period.until)
                    found.append(Relationship(RelationshipKind.EHC_ADVICE, org, case.ref, period))
        return found

    def ehc_cases_on(self, day: date) -> list[EhcCase]:
        """EHC needs assessments and plans open on ``day``."""
        return [case for case in self.ehc_cases(day) if case.period.holds_on(day)]

    def ehc_cases(self, day: date | None = None) -> list[EhcCase]:
        """Every EHC needs assessment or plan recorded, open or closed, as it stood on ``day``
        (an assessment becomes a plan only from the day the final plan was issued)."""
        cases = []
        for key, marks in self.marks.items():
            if key[0] is RelationshipKind.EHC_CASE:
                plans = [
                    m.day for m in marks if m.action == "PLAN" and (day is None or m.day <= day)
                ]
                for period in self.runs(key):
                    plan = min((d for d in plans if period.holds_on(d)), default=None)
                    cases.append(EhcCase(key[2], key[1], period, plan))
        return cases

    def holds_ref_on(self, ref: str, day: date) -> bool:
        """Whether any relationship with reference ``ref`` (a case id) holds on ``day``."""
        return any(
            key[2] == ref and any(p.holds_on(day) for p in self.runs(key)) for key in self.marks
        )
