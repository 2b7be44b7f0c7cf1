"""The one access decision: may this caller see this entry of this child, for this purpose,
now, and in how much detail, on which basis and why.

``decide(policy, consent, relationships, caller, purpose, entry, now)`` answers for one
entry; a read of many entries builds a `ReadContext` once (`ReadContext.build`) and calls
`ReadContext.decide` per entry, which gives the same answers without repeating the per-child
work. Deny by default: every permit of the policy that names the caller's role, the entry's
category and the purpose is tried; a permit counts only if its basis holds today
(`hub.consent.bases`); then the national data opt-out and any objection apply. The most
detailed surviving permit wins; if none survives, the most telling reason is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from hub.consent.bases import check_basis
from hub.consent.outcomes import Check, Decision, Fail, Ok, Outcome, ReasonClass
from hub.consent.policy import Detail, Permit, SharingPolicy
from hub.consent.relationships import EhcCase, Relationship, Relationships
from hub.consent.state import ConsentState
from hub.models import ConsentAction, ConsentRecord, DataCategory, Event, Purpose

__all__ = [
    "CallerLike",
    "Decision",
    "Outcome",
    "ReadContext",
    "ReasonClass",
    "decide",
    "local_day",
]

_LONDON = ZoneInfo("Europe/London")


def local_day(now: datetime) -> date:
    """The day in England at ``now``: statutory days and ages are counted in local time."""
    return now.astimezone(_LONDON).date()


class CallerLike(Protocol):
    """Who is reading: what the decision needs of an authenticated caller."""

    @property
    def subject(self) -> str: ...
    @property
    def org(self) -> str: ...
    @property
    def role(self) -> str: ...


class HasEvent(Protocol):
    """A timeline entry (anything carrying the event it records)."""

    @property
    def event(self) -> Event: ...


# When several permits fail, the most specific reason is the one shown (first wins).
_PRIORITY = (
    ReasonClass.WITHDRAWN, ReasonClass.OPTED_OUT, ReasonClass.OBJECTION,
    ReasonClass.WRONG_DECIDER, ReasonClass.NO_OPEN_CASE, ReasonClass.NO_RATIONALE,
    ReasonClass.NO_RELATIONSHIP, ReasonClass.NO_GRANT,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReadContext:
    """Everything about one child, caller, purpose and moment that every entry's decision uses."""

    policy: SharingPolicy
    caller: CallerLike
    purpose: Purpose
    now: datetime
    day: date
    date_of_birth: date | None
    mine: tuple[Relationship, ...]  # the caller organisation's relationships holding today
    cases: tuple[EhcCase, ...]  # EHC assessments and plans open today
    closed_cases: tuple[EhcCase, ...]
    consent: ConsentState
    relationships: Relationships
    objections: tuple[ConsentRecord, ...]
    opted_out: bool
    # Every entry of one category and type gets the same answer in one read: decide it once.
    memo: dict[tuple[DataCategory, str | None], Decision] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        policy: SharingPolicy,
        consent: ConsentState,
        relationships: Relationships,
        caller: CallerLike,
        purpose: Purpose,
        now: datetime,
    ) -> ReadContext:
        """The context of one read."""
        day = local_day(now)
        cases = relationships.ehc_cases_on(day)
        closed = [
            c for c in relationships.ehc_cases(day) if c.period.until and c.period.until < day
        ]
        objections = [
            r for r in consent.current(ConsentAction.OBJECT, now)
            if r.recipient.org_code == caller.org and purpose in r.purposes
        ]  # fmt: skip
        return cls(
            policy, caller, purpose, now, day, relationships.date_of_birth,
            tuple(r for r in relationships.active_on(day) if r.org_code == caller.org),
            tuple(cases),
            tuple(closed),
            consent, relationships, tuple(objections),
            bool(consent.current(ConsentAction.OPT_OUT, now)),
        )  # fmt: skip

    def decide(self, entry: Event | HasEvent | DataCategory) -> Decision:
        """The decision for one entry (or, given a category, for the child's record itself)."""
        event = entry if isinstance(entry, Event | DataCategory) else entry.event
        if isinstance(event, DataCategory):
            category, etype = event, None
        else:
            category, etype = self.policy.category_of(event), event.event_type.value
        found = self.memo.get((category, etype))
        if found is None:
            found = self.memo[(category, etype)] = self._decide(category, etype)
        return found

    def _decide(self, category: DataCategory, etype: str | None) -> Decision:
        role = str(self.caller.role)
        if role in self.policy.no_child_data_roles:
            return _deny(category, ReasonClass.ROLE_SEES_NO_CHILD_DATA,
                         f"the {role} role sees no child data")  # fmt: skip
        permits = self.policy.permits_for(role, category, self.purpose, etype)
        if not permits:
            return _deny(category, ReasonClass.NOT_IN_POLICY,
                         f"policy v{self.policy.version} lets no {role} see {category.value} "
                         f"for {self.purpose.value}")  # fmt: skip
        checks = [(p, self._screened(p, category, check_basis(self, p, category))) for p in permits]
        return _best(category, checks)

    def _screened(self, permit: Permit, category: DataCategory, check: Check) -> Check:
        """Apply the national data opt-out and any objection to a basis that holds."""
        if isinstance(check, Fail):
            return check
        opt_out = self.policy.opt_out
        if self.opted_out and category in opt_out.categories and self.purpose in opt_out.purposes:
            return Fail(ReasonClass.OPTED_OUT, "national data opt-out: health data is not used "
                        "for planning or research")  # fmt: skip
        objection = next((o for o in self.objections if category in o.categories), None)
        if objection is None:
            return check
        note = f"objection (UK GDPR Art 21) recorded {objection.recorded_at.date().isoformat()}"
        effect = self.policy.objection_effect.get(permit.basis, "deny")
        if effect == "deny":
            return Fail(ReasonClass.OBJECTION, f"{note}: sharing on this basis has stopped")
        detail = Detail.THIN if effect == "thin" else check.detail
        return Ok(detail, check.reason, f"{note}; {_EFFECT_WORDS[effect]}")


_EFFECT_WORDS = {
    "continue": "sharing continues while the duty applies",
    "thin": "restricted to an outline while the objection is considered",
}


def _deny(category: DataCategory, cls: ReasonClass, reason: str) -> Decision:
    return Decision(Outcome.DENY, category, None, reason, cls)


def _best(category: DataCategory, checks: list[tuple[Permit, Check]]) -> Decision:
    """The most detailed permit that holds (first in the file on a tie), else the best reason."""
    held = [(p, c) for p, c in checks if isinstance(c, Ok)]
    if held:
        permit, ok = min(held, key=lambda pc: pc[1].detail is not Detail.FULL)
        assert isinstance(ok, Ok)
        outcome = Outcome.ALLOW if ok.detail is Detail.FULL else Outcome.ALLOW_THIN
        return Decision(outcome, category, permit.basis, ok.reason, None, permit.id, ok.objection)
    fails = [c for _, c in checks if isinstance(c, Fail)]
    worst = min(fails, key=lambda f: _PRIORITY.index(f.reason_class))
    return _deny(category, worst.reason_class, worst.reason)


def decide(
    policy: SharingPolicy,
    consent: ConsentState,
    relationships: Relationships,
    caller: CallerLike,
    purpose: Purpose,
    entry: Event | HasEvent | DataCategory,
    now: datetime,
) -> Decision:
    """Whether ``caller`` may see ``entry`` for ``purpose`` at ``now``: allow, allow_thin or
    deny, with the basis and the reason. Pass a `DataCategory` (IDENTITY) to decide about the
    child's record itself (search results, name and identifiers)."""
    context = ReadContext.build(policy, consent, relationships, caller, purpose, now)
    return context.decide(entry)
