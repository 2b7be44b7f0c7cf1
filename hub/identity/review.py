"""The identity review contract: review items, their ids, and the snapshot of a record.

A subject the matcher scores between the review and link thresholds (or whose shared NHS
number comes with clearly different demographics) stays on a provisional child of its own and
a `ReviewItem` is published to ``send.identity.review`` (key = ``review_id``). A person's
`IdentityReviewDecision` on ``send.identity.decisions`` (key = ``review_id``) settles it:
LINK merges the provisional child into the candidate, NOT_A_MATCH is remembered so the pair is
never asked again nor auto-linked, UNMERGE (``review_id`` = ``U`` + uuid hex) splits the
listed source records off a child. The worker re-publishes a decided item with status DECIDED.

``review_id`` is deterministic (`review_id_for`), so a replay or a second worker produces the
same item under the same key, and "once per pair" holds on the compacted topic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from hub.models import UtcMillis
from hub.models.base import AvroModel
from hub.timeline.match import ExplanationItem, MatchExplanation, PersonSnapshot

__all__ = [
    "ExplanationItem",
    "MatchExplanation",
    "PersonSnapshot",
    "ReviewItem",
    "ReviewStatus",
    "review_id_for",
    "snapshot_from_event",
]

ReviewStatus = Literal["OPEN", "DECIDED"]


class ReviewItem(AvroModel):
    """An undecided pair: the incoming record and the best candidate child, side by side."""

    review_id: str
    status: ReviewStatus = "OPEN"
    record: PersonSnapshot
    provisional_child_id: str
    candidate_child_id: str
    candidate: PersonSnapshot
    explanation: MatchExplanation
    created_at: UtcMillis
    decision: Literal["LINK", "NOT_A_MATCH"] | None = None
    decided_by: str | None = None
    decided_at: UtcMillis | None = None


def review_id_for(source_key: str, candidate_child_id: str) -> str:
    """``R`` + 16 hex digits of sha1 over the sorted pair (record source key, candidate child)."""
    pair = "\x1f".join(sorted((source_key, candidate_child_id)))
    return "R" + hashlib.sha1(pair.encode()).hexdigest()[:16]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def snapshot_from_event(event: Mapping[str, Any], source_key: str) -> PersonSnapshot:
    """The subject of an (Avro-shaped) event as a snapshot under its source person key."""
    source, subject = event["source"], event["subject"]
    dob = subject.get("date_of_birth")
    return PersonSnapshot(
        source_key=source_key,
        agency_kind=str(source.get("agency_kind", "")),
        org_code=str(source.get("org_code", "")),
        system=str(source.get("system", "")),
        source_person_id=str(subject.get("source_person_id") or ""),
        given_name=_text(subject.get("given_name")),
        family_name=_text(subject.get("family_name")),
        date_of_birth=dob if isinstance(dob, date) else None,
        sex=_text(subject.get("sex")),
        postcode=_text(subject.get("postcode")),
        nhs_number=_text(subject.get("nhs_number")),
        upn=_text(subject.get("upn")),
    )
