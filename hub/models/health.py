"""Health payloads: 2-2.5 year review, referrals, appointments, diagnoses, advice for EHC.

Sources are community and acute EPRs (SystmOne, RiO, EMIS) or FHIR (ServiceRequest,
Appointment/Encounter, Condition). All tier T3 (special category data).
"""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from hub.models.base import AvroModel, PayloadModel
from hub.models.codes import ExceptionCode

__all__ = [
    "AppointmentAttended",
    "AppointmentOutcome",
    "AppointmentWasNotBrought",
    "Asq3Scores",
    "DevelopmentOutcome",
    "Diagnosis",
    "HealthAdviceForEHC",
    "HealthReferralAccepted",
    "HealthReferralMade",
    "HealthReview2Year",
    "HealthService",
    "Urgency",
]

_AsqScore = Annotated[int, Field(ge=0, le=60)]


class HealthService(StrEnum):
    """Children's health service."""

    SALT = "SALT"
    OT = "OT"
    PHYSIO = "PHYSIO"
    PAEDIATRICS = "PAEDIATRICS"
    CAMHS = "CAMHS"
    AUDIOLOGY = "AUDIOLOGY"
    ORTHOPTICS = "ORTHOPTICS"
    DIETETICS = "DIETETICS"
    HEALTH_VISITING = "HEALTH_VISITING"
    SCHOOL_NURSING = "SCHOOL_NURSING"
    COMMUNITY_NURSING = "COMMUNITY_NURSING"
    NEURODEVELOPMENTAL = "NEURODEVELOPMENTAL"
    OTHER = "OTHER"


class Urgency(StrEnum):
    """FHIR ServiceRequest priority."""

    ROUTINE = "ROUTINE"
    URGENT = "URGENT"
    ASAP = "ASAP"
    STAT = "STAT"


class DevelopmentOutcome(StrEnum):
    """Outcome of a development review."""

    ON_TRACK = "ON_TRACK"
    MONITOR = "MONITOR"
    REFER = "REFER"


class AppointmentOutcome(StrEnum):
    """Outcome of an attended appointment."""

    FOLLOW_UP = "FOLLOW_UP"
    DISCHARGED = "DISCHARGED"
    ONWARD_REFERRAL = "ONWARD_REFERRAL"


class Asq3Scores(AvroModel):
    """ASQ-3 domain scores (0-60); ``None`` where a domain was not scored."""

    communication: _AsqScore | None = None
    gross_motor: _AsqScore | None = None
    fine_motor: _AsqScore | None = None
    problem_solving: _AsqScore | None = None
    personal_social: _AsqScore | None = None


class HealthReview2Year(PayloadModel):
    """Health visiting 2 to 2.5 year review."""

    review_date: date
    age_months: int | None = Field(default=None, ge=0)
    asq3: Asq3Scores
    outcome: DevelopmentOutcome


class HealthReferralMade(PayloadModel):
    """Referral to a children's health service (FHIR ServiceRequest)."""

    referral_id: str
    service: HealthService
    referral_date: date
    urgency: Urgency
    referrer_role: str | None = None


class HealthReferralAccepted(PayloadModel):
    """Referral accepted by the service."""

    referral_id: str
    service: HealthService
    accepted_date: date
    expected_wait_weeks: int | None = Field(default=None, ge=0)


class AppointmentAttended(PayloadModel):
    """Appointment attended (FHIR Encounter)."""

    appointment_id: str
    service: HealthService
    appointment_date: date
    outcome: AppointmentOutcome | None = None


class AppointmentWasNotBrought(PayloadModel):
    """Child was not brought to an appointment."""

    appointment_id: str
    service: HealthService
    appointment_date: date
    rebooked: bool = False


class Diagnosis(PayloadModel):
    """Diagnosis recorded (FHIR Condition coded in SNOMED CT)."""

    snomed_code: str = Field(pattern=r"^[1-9][0-9]{5,17}$")
    display: str
    diagnosis_date: date
    clinician_role: str | None = None
    service: HealthService | None = None


class HealthAdviceForEHC(PayloadModel):
    """Health advice for an EHC needs assessment (clock 2, reg 8: due 6 weeks after request)."""

    advice_request_id: str
    requested_date: date
    due_date: date
    provided_date: date | None = None
    exception_code: ExceptionCode | None = None
    provider_role: str | None = None
