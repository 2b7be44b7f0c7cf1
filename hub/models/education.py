"""Education payloads: school roll, weekly attendance, suspensions and SEN support (MIS, CTF).

Tier T2 (roll, attendance, behaviour) and T3 (SEN support). ``AttendanceSummary`` gained the
optional ``late_sessions`` in event contract v2.
"""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from hub.models.base import AvroModel, PayloadModel
from hub.models.codes import NeedType, RankedNeed, SENProvision

__all__ = [
    "AbsenceCount",
    "AttendanceSummary",
    "Exclusion",
    "ExclusionReason",
    "PupilEnrolled",
    "PupilLeft",
    "SENNeedChanged",
    "SENSupportEnded",
    "SENSupportStarted",
    "Suspension",
]


class ExclusionReason(StrEnum):
    """DfE suspension and permanent exclusion reason codes."""

    PP = "PP"  # physical assault against a pupil
    PA = "PA"  # physical assault against an adult
    VP = "VP"  # verbal abuse / threatening behaviour against a pupil
    VA = "VA"  # verbal abuse / threatening behaviour against an adult
    BU = "BU"  # bullying
    RA = "RA"  # racist abuse
    LG = "LG"  # abuse against sexual orientation and gender identity
    DS = "DS"  # abuse relating to disability
    SM = "SM"  # sexual misconduct
    DA = "DA"  # drug and alcohol related
    DM = "DM"  # damage
    TH = "TH"  # theft
    PD = "PD"  # persistent disruptive behaviour
    MT = "MT"  # inappropriate use of social media or online technology
    WP = "WP"  # use or threat of use of an offensive weapon or prohibited item
    OT = "OT"  # other


class AbsenceCount(AvroModel):
    """Sessions recorded with one DfE attendance code in the week."""

    code: str = Field(pattern=r"^[A-Z#][A-Z0-9]?$")
    sessions: int = Field(ge=0)


def _check_needs(provision: SENProvision, needs: tuple[RankedNeed, ...]) -> None:
    """Census rules: NSA only with K; no needs are recorded for N."""
    if provision is SENProvision.N and needs:
        raise ValueError("needs are recorded only for provision E or K")
    if provision is not SENProvision.K and any(n.need_type is NeedType.NSA for n in needs):
        raise ValueError("need type NSA is valid only with provision K")


class PupilEnrolled(PayloadModel):
    """Pupil joined a school roll (MIS or CTF)."""

    urn: str
    entry_date: date
    year_group: str | None = None
    sen_provision: SENProvision | None = None


class PupilLeft(PayloadModel):
    """Pupil left a school roll."""

    urn: str
    leaving_date: date
    destination_urn: str | None = None
    reason: str | None = None


class AttendanceSummary(PayloadModel):
    """Weekly attendance summary for one pupil at one school."""

    urn: str
    week_start: date
    possible_sessions: int = Field(ge=0)
    attended_sessions: int = Field(ge=0)
    authorised_absence_sessions: int = Field(ge=0)
    unauthorised_absence_sessions: int = Field(ge=0)
    absences: tuple[AbsenceCount, ...] = ()
    persistent_absence: bool
    late_sessions: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _sessions_fit(self) -> Self:
        if self.attended_sessions > self.possible_sessions:
            raise ValueError("attended_sessions exceeds possible_sessions")
        return self


class Suspension(PayloadModel):
    """Suspension (fixed-period exclusion)."""

    urn: str
    start_date: date
    sessions: int = Field(ge=1)
    reason: ExclusionReason
    end_date: date | None = None


class Exclusion(PayloadModel):
    """Permanent exclusion."""

    urn: str
    start_date: date
    reason: ExclusionReason


class SENSupportStarted(PayloadModel):
    """Pupil placed on SEN support (K) with needs."""

    urn: str
    start_date: date
    provision: SENProvision
    needs: tuple[RankedNeed, ...] = ()
    next_review_date: date | None = None

    @model_validator(mode="after")
    def _census_rules(self) -> Self:
        _check_needs(self.provision, self.needs)
        return self


class SENSupportEnded(PayloadModel):
    """SEN support ended (to N, or to E when a plan is made)."""

    urn: str
    end_date: date
    provision_after: SENProvision


class SENNeedChanged(PayloadModel):
    """Recorded provision or needs changed."""

    urn: str
    effective_date: date
    provision: SENProvision
    needs: tuple[RankedNeed, ...] = ()
    next_review_date: date | None = None

    @model_validator(mode="after")
    def _census_rules(self) -> Self:
        _check_needs(self.provision, self.needs)
        return self
