"""EHC milestones added in event contract v3: the steps the statutory clocks need.

Responsibility passing to the LA (a plan transferred in, or a request the LA takes over),
the annual review's paperwork (invitation, advice circulation, report), amendment notice and
amended draft, the cease proposal and notice with its appeal window, and the disagreement
route (mediation advice, mediation certificate, appeal lodged, tribunal order). Each one starts,
stops or extends a clock in ``hub/clocks/data/clocks.yaml``.
"""

from datetime import date
from enum import StrEnum

from hub.models.base import PayloadModel
from hub.models.local_authority import CeaseReason, PlanSection, ReviewKind

__all__ = [
    "EHCAmendedDraft",
    "EHCAmendmentNotice",
    "EHCAppealLodged",
    "EHCCeaseNotice",
    "EHCCeaseProposed",
    "EHCMediationAdvice",
    "EHCMediationCertificate",
    "EHCResponsibilityStarted",
    "EHCReviewAdviceCirculated",
    "EHCReviewInvited",
    "EHCReviewReport",
    "EHCTribunalOrder",
    "TribunalOrderKind",
]


class TribunalOrderKind(StrEnum):
    """What the First-tier Tribunal ordered the LA to do (reg 44 sets each deadline)."""

    ASSESS = "ASSESS"
    MAKE_PLAN = "MAKE_PLAN"
    AMEND_PLAN = "AMEND_PLAN"
    NAME_SETTING = "NAME_SETTING"


class EHCResponsibilityStarted(PayloadModel):
    """The LA became responsible for the child (s.24): a plan transferred in, or a request."""

    responsible_from: date
    plan_in_place: bool
    from_la: str | None = None
    request_received_date: date | None = None


class EHCReviewInvited(PayloadModel):
    """Invitations to a review meeting sent (at least 2 weeks before it, reg 20)."""

    meeting_date: date
    invited_date: date
    review_kind: ReviewKind


class EHCReviewAdviceCirculated(PayloadModel):
    """Advice and information circulated before a review meeting (at least 2 weeks before)."""

    meeting_date: date
    circulated_date: date


class EHCReviewReport(PayloadModel):
    """Review report sent to everyone invited (within 2 weeks of the meeting, reg 20(7))."""

    meeting_date: date
    report_date: date


class EHCAmendmentNotice(PayloadModel):
    """Notice of proposed amendments with the amended plan (reg 22): the 8-week clock starts."""

    notice_date: date
    meeting_date: date | None = None
    amended_sections: tuple[PlanSection, ...] = ()
    representations_due: date | None = None


class EHCAmendedDraft(PayloadModel):
    """Amended draft plan served (SEN2 amended-draft date)."""

    draft_date: date
    notice_date: date | None = None


class EHCCeaseProposed(PayloadModel):
    """The LA proposes to cease the plan and consults (reg 29)."""

    proposed_date: date
    cease_reason: CeaseReason


class EHCCeaseNotice(PayloadModel):
    """Decision to cease notified with appeal rights; the plan continues through the window."""

    notice_date: date
    cease_reason: CeaseReason
    appeal_deadline: date | None = None


class EHCMediationAdvice(PayloadModel):
    """Parent or young person contacted the mediation adviser about an appealable decision."""

    decision_date: date
    contacted_date: date
    mediation_wanted: bool = False


class EHCMediationCertificate(PayloadModel):
    """Mediation certificate issued (within 3 working days, or after mediation)."""

    decision_date: date
    certificate_date: date
    mediation_held: bool = False


class EHCAppealLodged(PayloadModel):
    """Appeal to the First-tier Tribunal (SEND) lodged against a decision."""

    decision_date: date
    lodged_date: date
    placement_only: bool = False


class EHCTribunalOrder(PayloadModel):
    """Tribunal order the LA must comply with (reg 44 deadlines)."""

    order_date: date
    order_kind: TribunalOrderKind
    appeal_decision_date: date | None = None
