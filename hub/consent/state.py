"""A child's consent state: a fold over the `ConsentRecord`s of ``send.consent`` plus any
break-glass the web service granted, read per day by the decision.

Per ``consent_id`` the latest recorded record is current (a withdrawal wins a tie), so a
withdrawal takes effect at the next read however it is dated, and a later re-grant with the
same id restores it. Grants also keep to their own valid window. Objections and opt-outs only
ever withhold, so they count whoever recorded them; grants are checked against who may decide.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from hub.models import ConsentAction, ConsentRecord

__all__ = ["BreakGlass", "ConsentState"]


@dataclass(frozen=True, slots=True)
class BreakGlass:
    """Emergency safeguarding access for one person, with their reason, until ``expires``."""

    subject: str
    org: str
    role: str
    reason: str
    started: datetime
    expires: datetime

    def active_for(self, subject: str, org: str, role: str, now: datetime) -> bool:
        """Whether this break-glass lets that person read at ``now``."""
        who = (self.subject, self.org, self.role) == (subject, org, role)
        return who and self.started <= now < self.expires


def _rank(record: ConsentRecord) -> tuple[datetime, bool]:
    return (record.recorded_at, record.action is ConsentAction.WITHDRAW)


@dataclass(slots=True)
class ConsentState:
    """Consent records by id and break-glass grants for one child."""

    history: dict[str, list[ConsentRecord]] = field(default_factory=dict)
    break_glass: list[BreakGlass] = field(default_factory=list)

    @classmethod
    def from_records(cls, records: Iterable[ConsentRecord]) -> ConsentState:
        """The state after folding ``records`` (in any order)."""
        state = cls()
        for record in records:
            state.add(record)
        return state

    def add(self, record: ConsentRecord) -> None:
        """Fold one record in; a re-delivered record changes nothing."""
        records = self.history.setdefault(record.consent_id, [])
        if record not in records:
            records.append(record)

    def add_break_glass(self, grant: BreakGlass) -> None:
        """Record a break-glass the web service granted (and audited)."""
        self.break_glass.append(grant)

    def current(self, action: ConsentAction, now: datetime) -> list[ConsentRecord]:
        """Records whose latest version is ``action`` and whose window covers ``now``."""
        found = []
        for records in self.history.values():
            latest = max(records, key=_rank)
            if latest.action is action and _in_window(latest, now):
                found.append(latest)
        return found

    def withdrawn_grants(self) -> list[tuple[ConsentRecord, ConsentRecord]]:
        """(grant, withdrawal) for every grant whose latest version is a withdrawal."""
        found = []
        for records in self.history.values():
            latest = max(records, key=_rank)
            grants = [r for r in records if r.action is ConsentAction.GRANT]
            if latest.action is ConsentAction.WITHDRAW and grants:
                found.append((max(grants, key=_rank), latest))
        return found


def _in_window(record: ConsentRecord, now: datetime) -> bool:
    return record.valid_from <= now and (record.valid_to is None or now < record.valid_to)
