"""Social care payloads: contacts, early help, children in need, child protection, looked
after, short breaks and social care advice for EHC needs assessments.

Tier T4 (need-to-know). Coded items follow the CIN census and SSDA903 return.
"""

from datetime import date
from enum import StrEnum

from pydantic import Field

from hub.models.base import PayloadModel
from hub.models.codes import ExceptionCode

__all__ = [
    "PRIMARY_NEED_CODES",
    "AbuseCategory",
    "AssessmentOutcome",
    "CINAssessment",
    "CINPlanEnded",
    "CINPlanStarted",
    "CPPlanEnded",
    "CPPlanStarted",
    "ContactOutcome",
    "ContactSource",
    "EarlyHelpClosed",
    "EarlyHelpOutcome",
    "EarlyHelpStarted",
    "InitialCPConference",
    "LegalStatus",
    "LookedAfterEnded",
    "LookedAfterStarted",
    "PlacementType",
    "PrimaryNeed",
    "S47Started",
    "ShortBreakEnded",
    "ShortBreakStarted",
    "ShortBreakType",
    "SocialCareAdviceForEHC",
    "SocialCareContact",
    "SocialCareReferralAccepted",
]


class ContactSource(StrEnum):
    """Source of a contact or referral (CIN census groups)."""

    INDIVIDUAL = "INDIVIDUAL"
    SCHOOL = "SCHOOL"
    EDUCATION_SERVICES = "EDUCATION_SERVICES"
    HEALTH = "HEALTH"
    LA_SERVICES = "LA_SERVICES"
    SOCIAL_CARE = "SOCIAL_CARE"
    HOUSING = "HOUSING"
    POLICE = "POLICE"
    OTHER_LEGAL_AGENCY = "OTHER_LEGAL_AGENCY"
    ANONYMOUS = "ANONYMOUS"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class ContactOutcome(StrEnum):
    """Decision on a contact (due within one working day)."""

    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    ADVICE_SIGNPOSTING = "ADVICE_SIGNPOSTING"
    EARLY_HELP = "EARLY_HELP"
    REFERRAL = "REFERRAL"


class PrimaryNeed(StrEnum):
    """CIN census primary need (codes N0-N9 in this order)."""

    NOT_STATED = "NOT_STATED"
    ABUSE_OR_NEGLECT = "ABUSE_OR_NEGLECT"
    CHILD_DISABILITY = "CHILD_DISABILITY"
    PARENTAL_DISABILITY = "PARENTAL_DISABILITY"
    FAMILY_ACUTE_STRESS = "FAMILY_ACUTE_STRESS"
    FAMILY_DYSFUNCTION = "FAMILY_DYSFUNCTION"
    SOCIALLY_UNACCEPTABLE_BEHAVIOUR = "SOCIALLY_UNACCEPTABLE_BEHAVIOUR"
    LOW_INCOME = "LOW_INCOME"
    ABSENT_PARENTING = "ABSENT_PARENTING"
    CASES_OTHER_THAN_CIN = "CASES_OTHER_THAN_CIN"


PRIMARY_NEED_CODES: dict[str, PrimaryNeed] = {f"N{i}": n for i, n in enumerate(PrimaryNeed)}


class AssessmentOutcome(StrEnum):
    """Outcome of a child in need (single) assessment."""

    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    EARLY_HELP = "EARLY_HELP"
    CIN_PLAN = "CIN_PLAN"
    STRATEGY_DISCUSSION = "STRATEGY_DISCUSSION"
    LOOKED_AFTER = "LOOKED_AFTER"
    OTHER = "OTHER"


class EarlyHelpOutcome(StrEnum):
    """Why an early help episode closed."""

    NEEDS_MET = "NEEDS_MET"
    STEPPED_UP_TO_SOCIAL_CARE = "STEPPED_UP_TO_SOCIAL_CARE"
    DISENGAGED = "DISENGAGED"
    MOVED_AWAY = "MOVED_AWAY"
    OTHER = "OTHER"


class AbuseCategory(StrEnum):
    """Category of abuse on a child protection plan (CIN census NEG, PHY, EMO, SAB, MUL)."""

    NEGLECT = "NEGLECT"
    PHYSICAL = "PHYSICAL"
    EMOTIONAL = "EMOTIONAL"
    SEXUAL = "SEXUAL"
    MULTIPLE = "MULTIPLE"


class LegalStatus(StrEnum):
    """SSDA903 legal status of a looked-after child."""

    C1 = "C1"  # interim care order
    C2 = "C2"  # full care order
    D1 = "D1"  # freeing order
    E1 = "E1"  # placement order
    J1 = "J1"  # remanded to LA accommodation
    J2 = "J2"  # PACE accommodation
    J3 = "J3"  # youth rehabilitation order with residence or fostering requirement
    L1 = "L1"  # police protection
    L2 = "L2"  # emergency protection order
    L3 = "L3"  # child assessment order
    V2 = "V2"  # single period of accommodation under s.20
    V3 = "V3"  # agreed series of short-term breaks (individual episodes)
    V4 = "V4"  # agreed series of short-term breaks (whole series)


class PlacementType(StrEnum):
    """Placement group of a looked-after child (the SSDA903 code travels alongside)."""

    FOSTER_CARE = "FOSTER_CARE"
    CONNECTED_PERSON_FOSTER_CARE = "CONNECTED_PERSON_FOSTER_CARE"
    CHILDRENS_HOME = "CHILDRENS_HOME"
    PLACED_FOR_ADOPTION = "PLACED_FOR_ADOPTION"
    PLACED_WITH_PARENTS = "PLACED_WITH_PARENTS"
    INDEPENDENT_LIVING = "INDEPENDENT_LIVING"
    RESIDENTIAL_SCHOOL = "RESIDENTIAL_SCHOOL"
    SECURE_UNIT = "SECURE_UNIT"
    OTHER = "OTHER"


class ShortBreakType(StrEnum):
    """Kind of short break for a disabled child."""

    OVERNIGHT_RESIDENTIAL = "OVERNIGHT_RESIDENTIAL"
    OVERNIGHT_FAMILY_BASED = "OVERNIGHT_FAMILY_BASED"
    DAY_CARE = "DAY_CARE"
    COMMUNITY_ACTIVITY = "COMMUNITY_ACTIVITY"
    DIRECT_PAYMENT = "DIRECT_PAYMENT"
    OTHER = "OTHER"


class SocialCareContact(PayloadModel):
    """Contact received by children's social care."""

    contact_id: str
    contact_date: date
    source: ContactSource
    decision_date: date | None = None
    outcome: ContactOutcome | None = None


class SocialCareReferralAccepted(PayloadModel):
    """Referral accepted by children's social care."""

    referral_id: str
    referral_date: date
    source: ContactSource
    primary_need: PrimaryNeed | None = None
    decision_date: date | None = None


class EarlyHelpStarted(PayloadModel):
    """Early help episode started."""

    episode_id: str
    start_date: date
    lead_practitioner_role: str | None = None
    family_id: str | None = None


class EarlyHelpClosed(PayloadModel):
    """Early help episode closed."""

    episode_id: str
    end_date: date
    outcome: EarlyHelpOutcome | None = None


class CINAssessment(PayloadModel):
    """Child in need assessment completed (within 45 working days)."""

    assessment_id: str
    start_date: date
    authorised_date: date | None = None
    factors: tuple[str, ...] = ()
    outcome: AssessmentOutcome | None = None


class CINPlanStarted(PayloadModel):
    """Child in need plan started."""

    plan_id: str
    start_date: date


class CINPlanEnded(PayloadModel):
    """Child in need plan ended."""

    plan_id: str
    end_date: date


class S47Started(PayloadModel):
    """Section 47 enquiry started."""

    enquiry_id: str
    start_date: date
    strategy_discussion_date: date | None = None


class InitialCPConference(PayloadModel):
    """Initial child protection conference held."""

    enquiry_id: str
    conference_date: date
    cp_plan: bool


class CPPlanStarted(PayloadModel):
    """Child protection plan started."""

    plan_id: str
    start_date: date
    category_of_abuse: AbuseCategory


class CPPlanEnded(PayloadModel):
    """Child protection plan ended."""

    plan_id: str
    end_date: date
    category_of_abuse: AbuseCategory | None = None


class LookedAfterStarted(PayloadModel):
    """Looked-after episode started (SSDA903); the virtual school must be told."""

    episode_id: str
    start_date: date
    legal_status: LegalStatus
    placement_type: PlacementType
    placement_code: str | None = None
    virtual_school_notified: bool = False


class LookedAfterEnded(PayloadModel):
    """Looked-after episode ended."""

    episode_id: str
    end_date: date
    reason_ceased: str | None = None


class ShortBreakStarted(PayloadModel):
    """Short break started (disabled children's team)."""

    episode_id: str
    start_date: date
    break_type: ShortBreakType
    hours_per_week: float | None = Field(default=None, ge=0)


class ShortBreakEnded(PayloadModel):
    """Short break ended."""

    episode_id: str
    end_date: date


class SocialCareAdviceForEHC(PayloadModel):
    """Social care advice for an EHC needs assessment (clock 2: due 6 weeks after request)."""

    advice_request_id: str
    requested_date: date
    due_date: date
    provided_date: date | None = None
    exception_code: ExceptionCode | None = None
    provider_role: str | None = None
