"""Envelope enums of the event contract: agency kinds, tiers, consent categories, purposes.

Symbols equal the Avro enum symbols of the same name (docs/domain.md); ``EventType`` values
name the payload record of each event.
"""

from enum import StrEnum

__all__ = [
    "NHS_NUMBER_STATUS_CODES",
    "AgencyKind",
    "DataCategory",
    "EventType",
    "NhsNumberStatus",
    "Purpose",
    "Sensitivity",
    "Sex",
]


class AgencyKind(StrEnum):
    """Kind of agency that published a record; one ingest topic per kind."""

    EDUCATION = "EDUCATION"
    HEALTH = "HEALTH"
    SOCIAL_CARE = "SOCIAL_CARE"
    LOCAL_AUTHORITY = "LOCAL_AUTHORITY"


class Sensitivity(StrEnum):
    """Sensitivity tier: T1 identity, T2 education, T3 SEN/health, T4 social care."""

    T1_IDENTITY = "T1_IDENTITY"
    T2_EDUCATION = "T2_EDUCATION"
    T3_SEN_HEALTH = "T3_SEN_HEALTH"
    T4_SOCIAL_CARE = "T4_SOCIAL_CARE"


class DataCategory(StrEnum):
    """Consent data category; SEALED = adoption, confidential address, sexual health."""

    IDENTITY = "IDENTITY"
    EDU = "EDU"
    SEN = "SEN"
    HEALTH = "HEALTH"
    SOCIAL = "SOCIAL"
    SAFEGUARDING = "SAFEGUARDING"
    SEALED = "SEALED"


class Purpose(StrEnum):
    """Purpose of processing."""

    DIRECT_CARE = "DIRECT_CARE"
    STATUTORY_EHC = "STATUTORY_EHC"
    SAFEGUARDING = "SAFEGUARDING"
    STATUTORY_RETURN = "STATUTORY_RETURN"
    PLANNING = "PLANNING"
    RESEARCH = "RESEARCH"


class Sex(StrEnum):
    """Sex as recorded by the source."""

    MALE = "MALE"
    FEMALE = "FEMALE"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class NhsNumberStatus(StrEnum):
    """UK Core NHS number verification status (codes 01-08); only 01 is PDS-traced."""

    NUMBER_PRESENT_AND_VERIFIED = "NUMBER_PRESENT_AND_VERIFIED"
    NUMBER_PRESENT_NOT_TRACED = "NUMBER_PRESENT_NOT_TRACED"
    TRACE_REQUIRED = "TRACE_REQUIRED"
    TRACE_ATTEMPTED_NO_MATCH = "TRACE_ATTEMPTED_NO_MATCH"
    TRACE_NEEDS_RESOLUTION = "TRACE_NEEDS_RESOLUTION"
    TRACE_IN_PROGRESS = "TRACE_IN_PROGRESS"
    NUMBER_NOT_PRESENT_TRACE_NOT_REQUIRED = "NUMBER_NOT_PRESENT_TRACE_NOT_REQUIRED"
    TRACE_POSTPONED_BABY_UNDER_SIX_WEEKS = "TRACE_POSTPONED_BABY_UNDER_SIX_WEEKS"


NHS_NUMBER_STATUS_CODES: dict[str, NhsNumberStatus] = {
    f"{i:02d}": status for i, status in enumerate(NhsNumberStatus, start=1)
}
"""UK Core code ("01".."08") to status, for connectors reading FHIR or PDS data."""


class EventType(StrEnum):
    """Every event of docs/domain.md, event catalogue; the value names the payload record."""

    # education
    PupilEnrolled = "PupilEnrolled"
    PupilLeft = "PupilLeft"
    AttendanceSummary = "AttendanceSummary"
    Suspension = "Suspension"
    Exclusion = "Exclusion"
    SENSupportStarted = "SENSupportStarted"
    SENSupportEnded = "SENSupportEnded"
    SENNeedChanged = "SENNeedChanged"
    # local authority EHC milestones
    EHCNARequested = "EHCNARequested"
    EHCAssessDecision = "EHCAssessDecision"
    EHCAdviceRequested = "EHCAdviceRequested"
    EHCAdviceReceived = "EHCAdviceReceived"
    EHCIssueDecision = "EHCIssueDecision"
    EHCDraftIssued = "EHCDraftIssued"
    EHCFinalIssued = "EHCFinalIssued"
    EHCReviewHeld = "EHCReviewHeld"
    EHCReviewDecision = "EHCReviewDecision"
    EHCAmended = "EHCAmended"
    EHCCeased = "EHCCeased"
    EHCPhaseTransfer = "EHCPhaseTransfer"
    # health
    HealthReview2Year = "HealthReview2Year"
    HealthReferralMade = "HealthReferralMade"
    HealthReferralAccepted = "HealthReferralAccepted"
    AppointmentAttended = "AppointmentAttended"
    AppointmentWasNotBrought = "AppointmentWasNotBrought"
    Diagnosis = "Diagnosis"
    HealthAdviceForEHC = "HealthAdviceForEHC"
    # social care
    SocialCareContact = "SocialCareContact"
    SocialCareReferralAccepted = "SocialCareReferralAccepted"
    EarlyHelpStarted = "EarlyHelpStarted"
    EarlyHelpClosed = "EarlyHelpClosed"
    CINAssessment = "CINAssessment"
    CINPlanStarted = "CINPlanStarted"
    CINPlanEnded = "CINPlanEnded"
    S47Started = "S47Started"
    InitialCPConference = "InitialCPConference"
    CPPlanStarted = "CPPlanStarted"
    CPPlanEnded = "CPPlanEnded"
    LookedAfterStarted = "LookedAfterStarted"
    LookedAfterEnded = "LookedAfterEnded"
    ShortBreakStarted = "ShortBreakStarted"
    ShortBreakEnded = "ShortBreakEnded"
    SocialCareAdviceForEHC = "SocialCareAdviceForEHC"
    # local authority EHC milestones added in event v3 (appended: Avro enum order is kept)
    EHCResponsibilityStarted = "EHCResponsibilityStarted"
    EHCReviewInvited = "EHCReviewInvited"
    EHCReviewAdviceCirculated = "EHCReviewAdviceCirculated"
    EHCReviewReport = "EHCReviewReport"
    EHCAmendmentNotice = "EHCAmendmentNotice"
    EHCAmendedDraft = "EHCAmendedDraft"
    EHCCeaseProposed = "EHCCeaseProposed"
    EHCCeaseNotice = "EHCCeaseNotice"
    EHCMediationAdvice = "EHCMediationAdvice"
    EHCMediationCertificate = "EHCMediationCertificate"
    EHCAppealLodged = "EHCAppealLodged"
    EHCTribunalOrder = "EHCTribunalOrder"
