"""Who may see what of a child: the consent policy applied to every read of the web service.

`AccessRules` (one per app) holds the sharing policy and the break-glass grants this process
made (the read model also holds every break-glass as its BREAK_GLASS audit record, so all web
processes honour it);
`child_access` builds, for one read of one child, the `hub.consent.ReadContext` from the read
model (relationships folded from the child's entries, consent records tied to the child, any
break-glass of this caller) and decides each entry and the child's identity with it. `Tally`
counts what a read showed, on which basis, and what it withheld by reason class: responses
and audit records carry those counts, never the withheld content.
"""

import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.auth import Caller
from hub.consent import BreakGlass, Decision, Outcome, ReadContext, SharingPolicy
from hub.metrics import CONSENT_DECISIONS
from hub.models import DataCategory, TimelineEntry
from hub.web.readmodel import consent as store

__all__ = ["AccessRules", "ChildAccess", "Tally", "child_access"]

_PERMIT, _DENY = CONSENT_DECISIONS.labels("permit"), CONSENT_DECISIONS.labels("deny")


@dataclass
class AccessRules:
    """The sharing policy and the break-glass grants of one running service."""

    policy: SharingPolicy
    break_glass_hours: float = 4.0
    _glass: dict[str, list[BreakGlass]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def grant_break_glass(
        self, child_id: str, caller: Caller, reason: str, now: datetime
    ) -> BreakGlass:
        """Open break-glass for ``caller`` on ``child_id`` from ``now`` for the configured hours."""
        until = now + timedelta(hours=self.break_glass_hours)
        grant = BreakGlass(caller.subject, caller.org, caller.role.value, reason, now, until)
        with self._lock:
            self._glass.setdefault(child_id, []).append(grant)
        return grant

    def break_glass(self, child_id: str, now: datetime) -> list[BreakGlass]:
        """Break-glass grants on ``child_id`` still in force at ``now``."""
        with self._lock:
            live = [g for g in self._glass.get(child_id, []) if g.expires > now]
            self._glass[child_id] = live
            return list(live)


@dataclass
class Tally:
    """What one read showed and withheld."""

    shown: int = 0
    withheld: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    by_basis: Counter[str] = field(default_factory=Counter)

    def add(self, decision: Decision) -> None:
        """Count one decision."""
        if decision.allowed:
            _PERMIT.inc()
            self.shown += 1
            thin = "/thin" if decision.outcome is Outcome.ALLOW_THIN else ""
            self.by_basis[f"{decision.basis}{thin}"] += 1
        else:
            _DENY.inc()
            self.withheld += 1
            self.by_reason[str(decision.reason_class)] += 1

    def withheld_text(self) -> str:
        """``NO_RELATIONSHIP=3 WITHDRAWN=1`` (for the audit record)."""
        return " ".join(f"{k}={v}" for k, v in sorted(self.by_reason.items()))

    def bases_text(self) -> str:
        """``STATUTORY=12 DIRECT_CARE/thin=2`` (for the audit record)."""
        return " ".join(f"{k}={v}" for k, v in sorted(self.by_basis.items()))


@dataclass(frozen=True)
class ChildAccess:
    """The decisions of one read of one child by one caller."""

    context: ReadContext
    identity: Decision

    def decide(self, entry: TimelineEntry) -> Decision:
        """The decision on one of the child's entries."""
        return self.context.decide(entry.event)


def _recorded_glass(
    conn: sqlite3.Connection, members: list[str], now: datetime, rules: AccessRules
) -> list[BreakGlass]:
    """Break-glass grants from the audit records the read model took from ``send.audit``, so a
    restarted or second web process honours them too (until they expire)."""
    hours = timedelta(hours=rules.break_glass_hours)
    since = int((now - hours).timestamp() * 1000)
    return [
        BreakGlass(r.subject, r.org, r.role.value if r.role else "", r.detail, r.at, r.at + hours)
        for r in store.break_glass_records(conn, members, since)
    ]


def child_access(
    conn: sqlite3.Connection, child_id: str, members: list[str], caller: Caller,
    now: datetime, rules: AccessRules,
) -> ChildAccess:  # fmt: skip
    """Everything needed to decide this caller's read of this child at ``now``."""
    consent = store.consent_state(conn, members)
    for grant in rules.break_glass(child_id, now) + _recorded_glass(conn, members, now, rules):
        consent.add_break_glass(grant)
    rels = store.relationships(conn, members)
    context = ReadContext.build(rules.policy, consent, rels, caller, caller.purpose, now)
    return ChildAccess(context, context.decide(DataCategory.IDENTITY))
