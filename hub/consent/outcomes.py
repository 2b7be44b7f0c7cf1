"""The vocabulary of access decisions: outcomes, reason classes, and a basis check's result."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.consent.policy import Detail
from hub.models import BasisKind, DataCategory

__all__ = ["Check", "Decision", "Fail", "Ok", "Outcome", "ReasonClass"]


class Outcome(StrEnum):
    """Show the entry, show only its type, date and agency, or withhold it."""

    ALLOW = "allow"
    ALLOW_THIN = "allow_thin"
    DENY = "deny"


class ReasonClass(StrEnum):
    """Why an entry was withheld, in classes a response may count (never the content)."""

    ROLE_SEES_NO_CHILD_DATA = "ROLE_SEES_NO_CHILD_DATA"
    NOT_IN_POLICY = "NOT_IN_POLICY"
    NO_RELATIONSHIP = "NO_RELATIONSHIP"
    NO_OPEN_CASE = "NO_OPEN_CASE"
    NO_RATIONALE = "NO_RATIONALE"
    NO_GRANT = "NO_GRANT"
    WRONG_DECIDER = "WRONG_DECIDER"
    OBJECTION = "OBJECTION"
    OPTED_OUT = "OPTED_OUT"
    WITHDRAWN = "WITHDRAWN"


@dataclass(frozen=True, slots=True)
class Decision:
    """An access decision with its basis and its explanation."""

    outcome: Outcome
    category: DataCategory
    basis: BasisKind | None
    reason: str
    reason_class: ReasonClass | None = None  # set when denied
    permit: str | None = None
    objection: str | None = None  # shown with the entry when an objection is on record

    @property
    def allowed(self) -> bool:
        """Whether anything of the entry may be shown."""
        return self.outcome is not Outcome.DENY


@dataclass(frozen=True, slots=True)
class Ok:
    """A permit's basis holds: at this detail, for this reason."""

    detail: Detail
    reason: str
    objection: str | None = None


@dataclass(frozen=True, slots=True)
class Fail:
    """A permit's basis does not hold, and why."""

    reason_class: ReasonClass
    reason: str


Check = Ok | Fail
