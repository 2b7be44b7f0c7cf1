"""Local-authority EHC milestone payloads (SEN case system; SEN2 fields; docs/domain.md).

Each milestone starts, stops or excuses a statutory clock; the envelope's ``case_id`` and
``clock_id`` say which. Coded SEN2 items are named enums with their DfE codes alongside.
"""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import model_validator

from hub.models.base import AvroModel, PayloadModel
from hub.models.codes import EHC_NEED_TYPES, ExceptionCode, RankedNeed

__all__ = [
    "CEASE_REASON_CODES",
    "REQUEST_SOURCE_CODES",
    "AdviceType",
    "AssessDecision",
    "CeaseReason",
    "EHCAdviceReceived",
    "EHCAdviceRequested",
    "EHCAmended",
    "EHCAssessDecision",
    "EHCCeased",
    "EHCDraftIssued",
    "EHCFinalIssued",
    "EHCIssueDecision",
    "EHCNARequested",
    "EHCPhaseTransfer",
    "EHCReviewDecision",
    "EHCReviewHeld",
    "EHCReviewOutcome",
    "IssueDecision",
    "PhaseTransferKind",
    "Placement",
    "PlanSection",
    "RequestSource",
    "ReviewKind",
    "SENSetting",
]


class RequestSource(StrEnum):
    """SEN2 ``RequestSource`` (codes 1-5 in this order)."""

    PARENT_OR_YOUNG_PERSON = "PARENT_OR_YOUNG_PERSON"
    EDUCATION_SETTING = "EDUCATION_SETTING"
    HEALTH_PROFESSIONAL = "HEALTH_PROFESSIONAL"
    SOCIAL_CARE_PROFESSIONAL = "SOCIAL_CARE_PROFESSIONAL"
    OTHER = "OTHER"


REQUEST_SOURCE_CODES: dict[int, RequestSource] = dict(enumerate(RequestSource, start=1))


class AssessDecision(StrEnum):
    """Decision whether to carry out an EHC needs assessment (SEN2 ``RequestOutcome``)."""

    ASSESS = "ASSESS"
    NOT_ASSESS = "NOT_ASSESS"
    WITHDRAWN = "WITHDRAWN"


class IssueDecision(StrEnum):
    """Decision after assessment whether to issue an EHC plan."""

    ISSUE = "ISSUE"
    NOT_ISSUE = "NOT_ISSUE"


class AdviceType(StrEnum):
    """Advice the LA must seek under reg 6(1)."""

    PARENT_OR_YOUNG_PERSON = "PARENT_OR_YOUNG_PERSON"
    EDUCATION = "EDUCATION"
    HEALTH = "HEALTH"
    EDUCATIONAL_PSYCHOLOGY = "EDUCATIONAL_PSYCHOLOGY"
    SOCIAL_CARE = "SOCIAL_CARE"
    PREPARATION_FOR_ADULTHOOD = "PREPARATION_FOR_ADULTHOOD"
    OTHER = "OTHER"


class SENSetting(StrEnum):
    """SEN2 ``SENsetting``, used when no URN/UKPRN names the setting."""

    OLA = "OLA"  # other LA arrangements (incl. EOTAS)
    OPA = "OPA"  # other parent/person arrangements (excl. EHE)
    EHE = "EHE"  # elective home education
    EYP = "EYP"  # early years provider without a URN
    OTH = "OTH"  # other
    NEET = "NEET"  # not in education, employment or training (16-25)
    NIEC = "NIEC"  # not in education or training, notice to cease issued
    NIEO = "NIEO"  # not in education or training, other


class Placement(AvroModel):
    """Setting named in a plan: a URN/UKPRN or a SENsetting code."""

    urn: str | None = None
    ukprn: str | None = None
    sen_setting: SENSetting | None = None
    sen_unit: bool = False
    resourced_provision: bool = False


class ReviewKind(StrEnum):
    """Kind of EHC plan review."""

    ANNUAL = "ANNUAL"
    EARLY = "EARLY"
    PHASE_TRANSFER = "PHASE_TRANSFER"


class EHCReviewOutcome(StrEnum):
    """LA decision after a review meeting (reg 20(10))."""

    MAINTAIN = "MAINTAIN"
    AMEND = "AMEND"
    CEASE = "CEASE"


class PlanSection(StrEnum):
    """Section of an EHC plan."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
    G = "G"
    H1 = "H1"
    H2 = "H2"
    I = "I"  # noqa: E741 - the plan section is called I
    J = "J"
    K = "K"


class CeaseReason(StrEnum):
    """SEN2 ``CeaseReason`` (codes 1-9 in this order)."""

    MAX_AGE = "MAX_AGE"
    NEEDS_MET = "NEEDS_MET"
    HIGHER_EDUCATION = "HIGHER_EDUCATION"
    EMPLOYMENT = "EMPLOYMENT"
    TRANSFERRED_TO_OTHER_LA = "TRANSFERRED_TO_OTHER_LA"
    NO_ENGAGEMENT = "NO_ENGAGEMENT"
    MOVED_OUTSIDE_ENGLAND = "MOVED_OUTSIDE_ENGLAND"
    DECEASED = "DECEASED"
    OTHER = "OTHER"


CEASE_REASON_CODES: dict[int, CeaseReason] = dict(enumerate(CeaseReason, start=1))


class PhaseTransferKind(StrEnum):
    """Phase transfer (reg 18): due 15 Feb, or 31 Mar for secondary to post-16."""

    EARLY_YEARS_TO_SCHOOL = "EARLY_YEARS_TO_SCHOOL"
    INFANT_TO_JUNIOR = "INFANT_TO_JUNIOR"
    PRIMARY_TO_MIDDLE = "PRIMARY_TO_MIDDLE"
    PRIMARY_TO_SECONDARY = "PRIMARY_TO_SECONDARY"
    MIDDLE_TO_SECONDARY = "MIDDLE_TO_SECONDARY"
    SECONDARY_TO_POST16 = "SECONDARY_TO_POST16"
    POST16_TO_POST16 = "POST16_TO_POST16"


class EHCNARequested(PayloadModel):
    """Request for an EHC needs assessment received (clocks 1, 3 and 5 start)."""

    received_date: date
    request_source: RequestSource | None = None
    in_youth_custody: bool = False
    due_date: date | None = None


class EHCAssessDecision(PayloadModel):
    """Parent/YP told whether the LA will assess (clock 1 stops)."""

    decision: AssessDecision
    decision_date: date
    exception_code: ExceptionCode | None = None
    mediation: bool = False
    tribunal: bool = False


class EHCAdviceRequested(PayloadModel):
    """Advice requested from a reg 6(1) adviser (clock 2 starts)."""

    advice_request_id: str
    advice_type: AdviceType
    adviser_org_code: str | None = None
    requested_date: date
    due_date: date | None = None


class EHCAdviceReceived(PayloadModel):
    """Advice received by the LA."""

    advice_request_id: str
    advice_type: AdviceType
    received_date: date
    exception_code: ExceptionCode | None = None


class EHCIssueDecision(PayloadModel):
    """Decision after assessment whether to issue a plan (clock 3)."""

    decision: IssueDecision
    decision_date: date
    exception_code: ExceptionCode | None = None
    mediation: bool = False
    tribunal: bool = False


class EHCDraftIssued(PayloadModel):
    """Draft plan served (clock 4 starts)."""

    draft_date: date
    representations_due: date | None = None


class EHCFinalIssued(PayloadModel):
    """Final plan issued (SEN2 ``StartDate``; clock 5 stops)."""

    final_date: date
    request_received_date: date | None = None
    twenty_week_exception: bool = False
    exception_code: ExceptionCode | None = None
    needs: tuple[RankedNeed, ...] = ()
    named_setting: Placement | None = None
    residential: bool = False
    work_based: bool = False

    @model_validator(mode="after")
    def _sen2_need_types(self) -> Self:
        if any(n.need_type not in EHC_NEED_TYPES for n in self.needs):
            raise ValueError("need type NSA is not valid on an EHC plan")
        return self


class EHCReviewHeld(PayloadModel):
    """Review meeting held (clock 8 starts)."""

    meeting_date: date
    review_kind: ReviewKind
    pfa_covered: bool = False
    decision_due: date | None = None


class EHCReviewDecision(PayloadModel):
    """Maintain/amend/cease decision notified after a review; an amend lists the sections."""

    meeting_date: date
    decision: EHCReviewOutcome
    decision_date: date
    amended_sections: tuple[PlanSection, ...] = ()


class EHCAmended(PayloadModel):
    """Final amended plan issued (reg 22)."""

    notice_date: date | None = None
    final_date: date
    amended_sections: tuple[PlanSection, ...] = ()
    named_setting: Placement | None = None


class EHCCeased(PayloadModel):
    """Plan ceased."""

    cease_date: date
    cease_reason: CeaseReason
    notice_date: date | None = None


class EHCPhaseTransfer(PayloadModel):
    """Phase transfer review: due date and the final amended plan naming the setting."""

    transfer_kind: PhaseTransferKind
    due_date: date
    final_date: date | None = None
    named_setting: Placement | None = None
    transfer_year: int | None = None  # year the child moves (September); added in event v3
