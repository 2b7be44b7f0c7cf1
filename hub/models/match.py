"""Match explanations, person snapshots and match info: how an event was tied to a child.

`MatchExplanation` is how the probabilistic matcher justifies a decision (prior + per
comparison weights + term-frequency adjustment = total, in bits); `PersonSnapshot` is the
compact demographics of one source record; `MatchInfo` says which rule tied an event to its
child. Timeline entries, identity links and review items all carry them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from hub.models.base import AvroModel

__all__ = ["ExplanationItem", "MatchExplanation", "MatchInfo", "MatchOutcome", "PersonSnapshot"]

MatchOutcome = Literal["LINK_IDENTIFIER", "LINK_SCORE", "REVIEW", "NEW_CHILD"]


class ExplanationItem(AvroModel):
    """One comparison's contribution: its level, weight in bits and a plain-English sentence."""

    comparison: str
    level: str
    weight: float
    sentence: str


class MatchExplanation(AvroModel):
    """Why a pair scored what it did: ``prior + Σ item weights + tf_adjustment = total``."""

    prior: float
    items: tuple[ExplanationItem, ...] = ()
    tf_adjustment: float = 0.0
    total: float
    probability: float
    model_version: str


class PersonSnapshot(AvroModel):
    """The demographics of one source record, keyed by its source person key (``src:...``)."""

    source_key: str
    agency_kind: str
    org_code: str
    system: str
    source_person_id: str
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    upn: str | None = None


class MatchInfo(AvroModel):
    """How the event's subject was tied to the child."""

    outcome: MatchOutcome
    rule: str  # e.g. "source_person", "nhs_number", "upn", "score", "new"
    score: float | None = None
    model_version: str | None = None
    explanation: MatchExplanation | None = None  # on LINK_SCORE and REVIEW decisions
