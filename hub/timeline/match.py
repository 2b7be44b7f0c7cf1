"""Match explanations and person snapshots: shared by timeline entries, links and reviews.

`MatchExplanation` is how the probabilistic matcher justifies a decision (prior + per
comparison weights + term-frequency adjustment = total, in bits); `PersonSnapshot` is the
compact demographics of one source record. They live here (not in ``hub.identity``) because
`hub.timeline.entry` carries them and ``hub.identity`` imports ``hub.timeline``; the review
contract re-exports them from `hub.identity.review`.
"""

from __future__ import annotations

from datetime import date

from hub.models import AvroModel

__all__ = ["ExplanationItem", "MatchExplanation", "PersonSnapshot"]


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
