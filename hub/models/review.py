"""A person's decision on an identity review: do these source records describe one child?

Published on ``send.identity.decisions`` by the review UI/API; the identity stage applies it
only after `hub.identity.trust` has checked it names an open item and a reviewer allowed to
decide it.
"""

from enum import StrEnum

from pydantic import Field

from hub.models.base import AvroModel, UtcMillis
from hub.models.caller import Reviewer
from hub.models.enums import AgencyKind

__all__ = ["IdentityReviewDecision", "LinkDecision", "RecordRef"]


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
