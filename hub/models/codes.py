"""SEND code lists shared by the education and local-authority payloads (docs/domain.md).

Census SEN provision ``E/K/N``, type of need (with ``NSA`` for SEN support only and ``DS`` from
January 2025), ranked needs and the standard exceptions that excuse a late statutory step.
"""

from enum import StrEnum

from pydantic import Field

from hub.models.base import AvroModel

__all__ = ["EHC_NEED_TYPES", "ExceptionCode", "NeedType", "RankedNeed", "SENProvision"]


class SENProvision(StrEnum):
    """Census SEN provision: E EHC plan, K SEN support, N no SEN (``S`` ended in 2018)."""

    E = "E"
    K = "K"
    N = "N"


class NeedType(StrEnum):
    """Census type of need; ``NSA`` only with ``K``; SEN2 ``SENType`` excludes ``NSA``."""

    SPLD = "SPLD"
    MLD = "MLD"
    SLD = "SLD"
    PMLD = "PMLD"
    SEMH = "SEMH"
    SLCN = "SLCN"
    HI = "HI"
    VI = "VI"
    MSI = "MSI"
    PD = "PD"
    ASD = "ASD"
    OTH = "OTH"
    NSA = "NSA"
    DS = "DS"


EHC_NEED_TYPES = frozenset(NeedType) - {NeedType.NSA}
"""Needs valid on an EHC plan (SEN2 ``SENType``)."""


class RankedNeed(AvroModel):
    """A type of need with its rank (1 primary, 2 secondary)."""

    need_type: NeedType
    rank: int = Field(ge=1)


class ExceptionCode(StrEnum):
    """Standard exceptions (regs 5(4), 10(4)) and reg 8 advice exceptions.

    They excuse lateness; they do not pause a clock.
    """

    SETTING_CLOSED_4_WEEKS = "SETTING_CLOSED_4_WEEKS"
    EXCEPTIONAL_PERSONAL_CIRCUMSTANCES = "EXCEPTIONAL_PERSONAL_CIRCUMSTANCES"
    FAMILY_ABSENT_4_WEEKS = "FAMILY_ABSENT_4_WEEKS"
    MISSED_APPOINTMENT = "MISSED_APPOINTMENT"
