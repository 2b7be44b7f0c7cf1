"""The identity review contracts: review items and a person's decision on them.

A subject the matcher scores between the review and link thresholds (or whose shared NHS
number comes with clearly different demographics) stays on a provisional child of its own and
a `ReviewItem` goes to ``send.identity.review`` (key = ``review_id``, compacted). A person's
`IdentityReviewDecision` on ``send.identity.decisions`` (key = ``review_id``) settles it:
LINK merges the provisional child into the candidate, NOT_A_MATCH is remembered, UNMERGE
(``review_id`` = ``U`` + uuid hex) splits the listed source records off a child.
The worker applies a decision only after `hub.identity.trust` has checked that it names an
open item and reviewers allowed to decide it.
"""

from enum import StrEnum
from typing import Literal

from pydantic import Field

from hub.models.base import AvroModel, UtcMillis
from hub.models.caller import Reviewer
from hub.models.enums import AgencyKind
from hub.models.match import MatchExplanation, PersonSnapshot

__all__ = ["IdentityReviewDecision", "LinkDecision", "RecordRef", "ReviewItem", "ReviewStatus"]


class LinkDecision(StrEnum):
    """The reviewer's decision."""

    LINK = "LINK"
    NOT_A_MATCH = "NOT_A_MATCH"
    UNMERGE = "UNMERGE"  # split ``records`` off ``child_id`` onto a new child


class RecordRef(AvroModel):
    """A source person record, keyed (system, org code, person id) as in the crosswalk."""

    agency_kind: AgencyKind | None = None
    org_code: str
    system: str
    source_person_id: str


class IdentityReviewDecision(AvroModel):
    """Decision on review ``review_id`` about ``records``, with who, when and why."""

    review_id: str
    records: tuple[RecordRef, ...] = Field(min_length=1)
    child_id: str | None = None
    decision: LinkDecision
    decided_by: str = Field(min_length=1)
    decided_at: UtcMillis
    reason: str = Field(min_length=1)
    reviewer: Reviewer | None = None  # who decided; the worker refuses a decision without one
    approver: Reviewer | None = None  # UNMERGE: the second person, not the reviewer


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
