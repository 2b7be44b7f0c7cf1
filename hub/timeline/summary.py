"""One plain-English line per event for a caseworker, built from the event type and payload.

Phrases are data (a table), not branches; a detail is appended only from coded payload fields
(never names, dates of birth or identifiers), so a summary is safe to show in any list.
"""

from collections.abc import Mapping
from typing import Any

__all__ = ["PHRASES", "summarise"]

# event type -> (phrase, optional payload field whose coded value is added in brackets)
PHRASES: dict[str, tuple[str, str | None]] = {
    "PupilEnrolled": ("Joined a school roll", "year_group"),
    "PupilLeft": ("Left a school roll", None),
    "AttendanceSummary": ("Weekly attendance recorded", None),
    "Suspension": ("Suspended from school", None),
    "Exclusion": ("Permanently excluded from school", None),
    "SENSupportStarted": ("SEN support started", None),
    "SENSupportEnded": ("SEN support ended", None),
    "SENNeedChanged": ("SEN needs changed", None),
    "EHCNARequested": ("EHC needs assessment requested", "request_source"),
    "EHCAssessDecision": ("Decision on whether to assess for an EHC plan", "decision"),
    "EHCAdviceRequested": ("Advice requested for the EHC needs assessment", "advice_type"),
    "EHCAdviceReceived": ("Advice received for the EHC needs assessment", "advice_type"),
    "EHCIssueDecision": ("Decision on whether to issue an EHC plan", "decision"),
    "EHCDraftIssued": ("Draft EHC plan issued", None),
    "EHCFinalIssued": ("Final EHC plan issued", None),
    "EHCReviewHeld": ("EHC plan review meeting held", None),
    "EHCReviewDecision": ("EHC plan review decision", "decision"),
    "EHCAmended": ("EHC plan amended", None),
    "EHCCeased": ("EHC plan ceased", "cease_reason"),
    "EHCPhaseTransfer": ("EHC plan phase transfer", None),
    "HealthReview2Year": ("2-2.5 year health review", "outcome"),
    "HealthReferralMade": ("Health referral made", "service"),
    "HealthReferralAccepted": ("Health referral accepted", "service"),
    "AppointmentAttended": ("Health appointment attended", "service"),
    "AppointmentWasNotBrought": ("Not brought to a health appointment", "service"),
    "Diagnosis": ("Diagnosis recorded", None),
    "HealthAdviceForEHC": ("Health advice for the EHC needs assessment", None),
    "SocialCareContact": ("Contact with children's social care", None),
    "SocialCareReferralAccepted": ("Referral accepted by children's social care", None),
    "EarlyHelpStarted": ("Early help started", None),
    "EarlyHelpClosed": ("Early help closed", None),
    "CINAssessment": ("Child in need assessment", None),
    "CINPlanStarted": ("Child in need plan started", None),
    "CINPlanEnded": ("Child in need plan ended", None),
    "S47Started": ("Section 47 enquiry started", None),
    "InitialCPConference": ("Initial child protection conference", None),
    "CPPlanStarted": ("Child protection plan started", None),
    "CPPlanEnded": ("Child protection plan ended", None),
    "LookedAfterStarted": ("Started to be looked after", None),
    "LookedAfterEnded": ("Stopped being looked after", None),
    "ShortBreakStarted": ("Short breaks started", None),
    "ShortBreakEnded": ("Short breaks ended", None),
    "SocialCareAdviceForEHC": ("Social care advice for the EHC needs assessment", None),
    "EHCResponsibilityStarted": (
        "Local authority became responsible for the EHC plan or request",
        None,
    ),
    "EHCReviewInvited": ("EHC plan review meeting invitations sent", "review_kind"),
    "EHCReviewAdviceCirculated": ("Advice circulated before the EHC plan review", None),
    "EHCReviewReport": ("EHC plan review report sent", None),
    "EHCAmendmentNotice": ("Notice of proposed amendments to the EHC plan", None),
    "EHCAmendedDraft": ("Amended draft EHC plan issued", None),
    "EHCCeaseProposed": ("Proposal to cease the EHC plan", "cease_reason"),
    "EHCCeaseNotice": ("Decision to cease the EHC plan notified", "cease_reason"),
    "EHCMediationAdvice": ("Mediation adviser contacted about a decision", None),
    "EHCMediationCertificate": ("Mediation certificate issued", None),
    "EHCAppealLodged": ("Appeal lodged with the SEND tribunal", None),
    "EHCTribunalOrder": ("SEND tribunal order", "order_kind"),
}


def summarise(event_type: str, payload: Mapping[str, Any] | None) -> str:
    """``"EHC needs assessment requested (PARENT)"``-style line; unknown types get their name."""
    phrase, field = PHRASES.get(event_type, (event_type, None))
    value = payload.get(field) if (field and payload) else None
    if value is None or isinstance(value, dict | list):
        return phrase
    return f"{phrase} ({value})"
