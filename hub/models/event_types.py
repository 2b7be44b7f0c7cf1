"""The event catalogue as data: payload model, agency kind and default tier, category and
purpose of every ``EventType`` (docs/domain.md), and the payload union of the envelope.

Defaults are what ``build_event`` uses when a producer does not say otherwise; T3/T4 events
default to the more restrictive tier where DOMAIN gives two (ShortBreak: T4).
"""

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Discriminator, Tag

from hub.models.base import PayloadModel
from hub.models.education import (
    AttendanceSummary,
    Exclusion,
    PupilEnrolled,
    PupilLeft,
    SENNeedChanged,
    SENSupportEnded,
    SENSupportStarted,
    Suspension,
)
from hub.models.ehc_statutory import (
    EHCAmendedDraft,
    EHCAmendmentNotice,
    EHCAppealLodged,
    EHCCeaseNotice,
    EHCCeaseProposed,
    EHCMediationAdvice,
    EHCMediationCertificate,
    EHCResponsibilityStarted,
    EHCReviewAdviceCirculated,
    EHCReviewInvited,
    EHCReviewReport,
    EHCTribunalOrder,
)
from hub.models.enums import AgencyKind, DataCategory, EventType, Purpose, Sensitivity
from hub.models.health import (
    AppointmentAttended,
    AppointmentWasNotBrought,
    Diagnosis,
    HealthAdviceForEHC,
    HealthReferralAccepted,
    HealthReferralMade,
    HealthReview2Year,
)
from hub.models.local_authority import (
    EHCAdviceReceived,
    EHCAdviceRequested,
    EHCAmended,
    EHCAssessDecision,
    EHCCeased,
    EHCDraftIssued,
    EHCFinalIssued,
    EHCIssueDecision,
    EHCNARequested,
    EHCPhaseTransfer,
    EHCReviewDecision,
    EHCReviewHeld,
)
from hub.models.social_care import (
    CINAssessment,
    CINPlanEnded,
    CINPlanStarted,
    CPPlanEnded,
    CPPlanStarted,
    EarlyHelpClosed,
    EarlyHelpStarted,
    InitialCPConference,
    LookedAfterEnded,
    LookedAfterStarted,
    S47Started,
    ShortBreakEnded,
    ShortBreakStarted,
    SocialCareAdviceForEHC,
    SocialCareContact,
    SocialCareReferralAccepted,
)

__all__ = [
    "EVENT_TYPES",
    "PAYLOAD_MODELS",
    "AnyPayload",
    "EventTypeInfo",
    "TaggedPayload",
    "payload_tag",
]


@dataclass(frozen=True, slots=True)
class EventTypeInfo:
    """Static facts about one event type."""

    event_type: EventType
    model: type[PayloadModel]
    agency_kind: AgencyKind
    sensitivity: Sensitivity
    category: DataCategory
    purpose: Purpose


_E, _LA, _H, _SC = (
    AgencyKind.EDUCATION,
    AgencyKind.LOCAL_AUTHORITY,
    AgencyKind.HEALTH,
    AgencyKind.SOCIAL_CARE,
)
_T2, _T3, _T4 = Sensitivity.T2_EDUCATION, Sensitivity.T3_SEN_HEALTH, Sensitivity.T4_SOCIAL_CARE
_CARE, _EHC, _SAFE = Purpose.DIRECT_CARE, Purpose.STATUTORY_EHC, Purpose.SAFEGUARDING
_EDU, _SEN, _HEALTH = DataCategory.EDU, DataCategory.SEN, DataCategory.HEALTH
_SOCIAL, _SAFEGUARDING = DataCategory.SOCIAL, DataCategory.SAFEGUARDING

# (model, agency kind, tier, category, purpose), in EventType order.
_TABLE: tuple[tuple[type[PayloadModel], AgencyKind, Sensitivity, DataCategory, Purpose], ...] = (
    (PupilEnrolled, _E, _T2, _EDU, _CARE),
    (PupilLeft, _E, _T2, _EDU, _CARE),
    (AttendanceSummary, _E, _T2, _EDU, _CARE),
    (Suspension, _E, _T2, _EDU, _CARE),
    (Exclusion, _E, _T2, _EDU, _CARE),
    (SENSupportStarted, _E, _T3, _SEN, _CARE),
    (SENSupportEnded, _E, _T3, _SEN, _CARE),
    (SENNeedChanged, _E, _T3, _SEN, _CARE),
    (EHCNARequested, _LA, _T3, _SEN, _EHC),
    (EHCAssessDecision, _LA, _T3, _SEN, _EHC),
    (EHCAdviceRequested, _LA, _T3, _SEN, _EHC),
    (EHCAdviceReceived, _LA, _T3, _SEN, _EHC),
    (EHCIssueDecision, _LA, _T3, _SEN, _EHC),
    (EHCDraftIssued, _LA, _T3, _SEN, _EHC),
    (EHCFinalIssued, _LA, _T3, _SEN, _EHC),
    (EHCReviewHeld, _LA, _T3, _SEN, _EHC),
    (EHCReviewDecision, _LA, _T3, _SEN, _EHC),
    (EHCAmended, _LA, _T3, _SEN, _EHC),
    (EHCCeased, _LA, _T3, _SEN, _EHC),
    (EHCPhaseTransfer, _LA, _T3, _SEN, _EHC),
    (HealthReview2Year, _H, _T3, _HEALTH, _CARE),
    (HealthReferralMade, _H, _T3, _HEALTH, _CARE),
    (HealthReferralAccepted, _H, _T3, _HEALTH, _CARE),
    (AppointmentAttended, _H, _T3, _HEALTH, _CARE),
    (AppointmentWasNotBrought, _H, _T3, _HEALTH, _CARE),
    (Diagnosis, _H, _T3, _HEALTH, _CARE),
    (HealthAdviceForEHC, _H, _T3, _HEALTH, _EHC),
    (SocialCareContact, _SC, _T4, _SOCIAL, _CARE),
    (SocialCareReferralAccepted, _SC, _T4, _SOCIAL, _CARE),
    (EarlyHelpStarted, _SC, _T4, _SOCIAL, _CARE),
    (EarlyHelpClosed, _SC, _T4, _SOCIAL, _CARE),
    (CINAssessment, _SC, _T4, _SOCIAL, _CARE),
    (CINPlanStarted, _SC, _T4, _SOCIAL, _CARE),
    (CINPlanEnded, _SC, _T4, _SOCIAL, _CARE),
    (S47Started, _SC, _T4, _SAFEGUARDING, _SAFE),
    (InitialCPConference, _SC, _T4, _SAFEGUARDING, _SAFE),
    (CPPlanStarted, _SC, _T4, _SAFEGUARDING, _SAFE),
    (CPPlanEnded, _SC, _T4, _SAFEGUARDING, _SAFE),
    (LookedAfterStarted, _SC, _T4, _SOCIAL, _CARE),
    (LookedAfterEnded, _SC, _T4, _SOCIAL, _CARE),
    (ShortBreakStarted, _SC, _T4, _SOCIAL, _CARE),
    (ShortBreakEnded, _SC, _T4, _SOCIAL, _CARE),
    (SocialCareAdviceForEHC, _SC, _T4, _SOCIAL, _EHC),
    (EHCResponsibilityStarted, _LA, _T3, _SEN, _EHC),
    (EHCReviewInvited, _LA, _T3, _SEN, _EHC),
    (EHCReviewAdviceCirculated, _LA, _T3, _SEN, _EHC),
    (EHCReviewReport, _LA, _T3, _SEN, _EHC),
    (EHCAmendmentNotice, _LA, _T3, _SEN, _EHC),
    (EHCAmendedDraft, _LA, _T3, _SEN, _EHC),
    (EHCCeaseProposed, _LA, _T3, _SEN, _EHC),
    (EHCCeaseNotice, _LA, _T3, _SEN, _EHC),
    (EHCMediationAdvice, _LA, _T3, _SEN, _EHC),
    (EHCMediationCertificate, _LA, _T3, _SEN, _EHC),
    (EHCAppealLodged, _LA, _T3, _SEN, _EHC),
    (EHCTribunalOrder, _LA, _T3, _SEN, _EHC),
)

EVENT_TYPES: dict[EventType, EventTypeInfo] = {
    m.EVENT_TYPE: EventTypeInfo(m.EVENT_TYPE, m, kind, tier, cat, purpose)
    for m, kind, tier, cat, purpose in _TABLE
}
PAYLOAD_MODELS: dict[EventType, type[PayloadModel]] = {t: i.model for t, i in EVENT_TYPES.items()}

if list(EVENT_TYPES) != list(EventType):  # pragma: no cover - guards edits of the table
    raise RuntimeError("EVENT_TYPES must list every EventType once, in order")


class TaggedPayload(dict[str, Any]):
    """A payload mapping that carries its event type, so the union can pick the model.

    The Avro record of a payload has no type field (the envelope's ``event_type`` names it),
    so the envelope wraps a raw payload mapping in this before validating it.
    """

    __slots__ = ("tag",)

    def __init__(self, tag: str, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.tag = tag


def payload_tag(value: Any) -> str | None:
    """Discriminator of the payload union: the event type of a payload model or mapping."""
    if isinstance(value, PayloadModel):
        return value.EVENT_TYPE.value
    if isinstance(value, TaggedPayload):
        return value.tag
    return None


AnyPayload = Annotated[
    Annotated[PupilEnrolled, Tag("PupilEnrolled")]
    | Annotated[PupilLeft, Tag("PupilLeft")]
    | Annotated[AttendanceSummary, Tag("AttendanceSummary")]
    | Annotated[Suspension, Tag("Suspension")]
    | Annotated[Exclusion, Tag("Exclusion")]
    | Annotated[SENSupportStarted, Tag("SENSupportStarted")]
    | Annotated[SENSupportEnded, Tag("SENSupportEnded")]
    | Annotated[SENNeedChanged, Tag("SENNeedChanged")]
    | Annotated[EHCNARequested, Tag("EHCNARequested")]
    | Annotated[EHCAssessDecision, Tag("EHCAssessDecision")]
    | Annotated[EHCAdviceRequested, Tag("EHCAdviceRequested")]
    | Annotated[EHCAdviceReceived, Tag("EHCAdviceReceived")]
    | Annotated[EHCIssueDecision, Tag("EHCIssueDecision")]
    | Annotated[EHCDraftIssued, Tag("EHCDraftIssued")]
    | Annotated[EHCFinalIssued, Tag("EHCFinalIssued")]
    | Annotated[EHCReviewHeld, Tag("EHCReviewHeld")]
    | Annotated[EHCReviewDecision, Tag("EHCReviewDecision")]
    | Annotated[EHCAmended, Tag("EHCAmended")]
    | Annotated[EHCCeased, Tag("EHCCeased")]
    | Annotated[EHCPhaseTransfer, Tag("EHCPhaseTransfer")]
    | Annotated[HealthReview2Year, Tag("HealthReview2Year")]
    | Annotated[HealthReferralMade, Tag("HealthReferralMade")]
    | Annotated[HealthReferralAccepted, Tag("HealthReferralAccepted")]
    | Annotated[AppointmentAttended, Tag("AppointmentAttended")]
    | Annotated[AppointmentWasNotBrought, Tag("AppointmentWasNotBrought")]
    | Annotated[Diagnosis, Tag("Diagnosis")]
    | Annotated[HealthAdviceForEHC, Tag("HealthAdviceForEHC")]
    | Annotated[SocialCareContact, Tag("SocialCareContact")]
    | Annotated[SocialCareReferralAccepted, Tag("SocialCareReferralAccepted")]
    | Annotated[EarlyHelpStarted, Tag("EarlyHelpStarted")]
    | Annotated[EarlyHelpClosed, Tag("EarlyHelpClosed")]
    | Annotated[CINAssessment, Tag("CINAssessment")]
    | Annotated[CINPlanStarted, Tag("CINPlanStarted")]
    | Annotated[CINPlanEnded, Tag("CINPlanEnded")]
    | Annotated[S47Started, Tag("S47Started")]
    | Annotated[InitialCPConference, Tag("InitialCPConference")]
    | Annotated[CPPlanStarted, Tag("CPPlanStarted")]
    | Annotated[CPPlanEnded, Tag("CPPlanEnded")]
    | Annotated[LookedAfterStarted, Tag("LookedAfterStarted")]
    | Annotated[LookedAfterEnded, Tag("LookedAfterEnded")]
    | Annotated[ShortBreakStarted, Tag("ShortBreakStarted")]
    | Annotated[ShortBreakEnded, Tag("ShortBreakEnded")]
    | Annotated[SocialCareAdviceForEHC, Tag("SocialCareAdviceForEHC")]
    | Annotated[EHCResponsibilityStarted, Tag("EHCResponsibilityStarted")]
    | Annotated[EHCReviewInvited, Tag("EHCReviewInvited")]
    | Annotated[EHCReviewAdviceCirculated, Tag("EHCReviewAdviceCirculated")]
    | Annotated[EHCReviewReport, Tag("EHCReviewReport")]
    | Annotated[EHCAmendmentNotice, Tag("EHCAmendmentNotice")]
    | Annotated[EHCAmendedDraft, Tag("EHCAmendedDraft")]
    | Annotated[EHCCeaseProposed, Tag("EHCCeaseProposed")]
    | Annotated[EHCCeaseNotice, Tag("EHCCeaseNotice")]
    | Annotated[EHCMediationAdvice, Tag("EHCMediationAdvice")]
    | Annotated[EHCMediationCertificate, Tag("EHCMediationCertificate")]
    | Annotated[EHCAppealLodged, Tag("EHCAppealLodged")]
    | Annotated[EHCTribunalOrder, Tag("EHCTribunalOrder")],
    Discriminator(payload_tag),
]
"""Payload union of the envelope, discriminated by the payload's event type."""
