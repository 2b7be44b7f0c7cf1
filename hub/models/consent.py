"""Consent and data-sharing records (docs/domain.md), published on ``send.consent`` (schema
consent_record v2).

A record grants or withdraws sharing of some data categories for some purposes with one
recipient (organisation + role) on one lawful basis; records an objection to such sharing
(UK GDPR Art 21) or the national data opt-out; or withdraws an earlier record. What each
basis must carry is checked here; what a record permits is decided by `hub.consent`.
"""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from hub.models.base import AvroModel, UtcMillis
from hub.models.enums import DataCategory, Purpose
from hub.models.envelope import Source, Subject

__all__ = [
    "BasisKind",
    "BoundKind",
    "BoundTo",
    "ConsentAction",
    "ConsentRecord",
    "GiverRole",
    "LawfulBasis",
    "OrgCodeKind",
    "Recipient",
    "RecipientRole",
]


class ConsentAction(StrEnum):
    """Grant; object (UK GDPR Art 21); opt out (national data opt-out); or withdraw one of
    those (a withdrawal repeats its ``consent_id``). OBJECT and OPT_OUT arrived in v2."""

    GRANT = "GRANT"
    WITHDRAW = "WITHDRAW"
    OBJECT = "OBJECT"
    OPT_OUT = "OPT_OUT"


class OrgCodeKind(StrEnum):
    """What kind of code names the recipient organisation."""

    ODS = "ODS"
    URN = "URN"
    LA = "LA"


class RecipientRole(StrEnum):
    """Role of the recipient practitioner."""

    SENCO = "SENCO"
    EHC_COORD = "EHC_COORD"
    EP = "EP"
    DCO = "DCO"
    DSCO = "DSCO"
    SW = "SW"
    HV = "HV"
    PAED = "PAED"
    DSL = "DSL"


class BasisKind(StrEnum):
    """Lawful basis for sharing."""

    CONSENT = "CONSENT"
    STATUTORY = "STATUTORY"
    SAFEGUARDING = "SAFEGUARDING"
    DIRECT_CARE = "DIRECT_CARE"
    ANONYMISED = "ANONYMISED"


class GiverRole(StrEnum):
    """Capacity in which consent was given (PR holder under 16, YP from 16, ...)."""

    PR_HOLDER = "PR_HOLDER"
    GILLICK_COMPETENT_CHILD = "GILLICK_COMPETENT_CHILD"
    YOUNG_PERSON = "YOUNG_PERSON"
    DEPUTY_OR_ATTORNEY = "DEPUTY_OR_ATTORNEY"


class BoundKind(StrEnum):
    """Kind of case a grant is bound to."""

    EHCNA = "EHCNA"
    REVIEW = "REVIEW"
    CIN_EPISODE = "CIN_EPISODE"


class Recipient(AvroModel):
    """Who may receive the data."""

    org_code: str
    org_code_kind: OrgCodeKind
    role: RecipientRole
    active_involvement: bool = False


# Fields each basis must carry (the rest are optional for it).
_REQUIRED_BY_BASIS: dict[BasisKind, tuple[str, ...]] = {
    BasisKind.CONSENT: ("giver", "giver_role"),
    BasisKind.STATUTORY: ("citation",),
    BasisKind.SAFEGUARDING: ("practitioner", "rationale"),
    BasisKind.DIRECT_CARE: (),
    BasisKind.ANONYMISED: (),
}


class LawfulBasis(AvroModel):
    """Basis for sharing; which fields are needed depends on ``kind``."""

    kind: BasisKind
    giver: str | None = None
    giver_role: GiverRole | None = None
    evidence: str | None = None
    citation: str | None = None
    practitioner: str | None = None
    rationale: str | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Self:
        missing = [f for f in _REQUIRED_BY_BASIS[self.kind] if not getattr(self, f)]
        if missing:
            raise ValueError(f"basis {self.kind} needs {', '.join(missing)}")
        return self


class BoundTo(AvroModel):
    """Case a grant is bound to; a STATUTORY grant lapses when it closes."""

    kind: BoundKind
    ref: str


class ConsentRecord(AvroModel):
    """A sharing grant or withdrawal; a withdrawal repeats the grant's ``consent_id``."""

    consent_id: str
    action: ConsentAction
    source: Source
    subject: Subject
    categories: tuple[DataCategory, ...] = Field(min_length=1)
    purposes: tuple[Purpose, ...] = Field(min_length=1)
    recipient: Recipient
    basis: LawfulBasis
    valid_from: UtcMillis
    valid_to: UtcMillis | None = None
    bound_to: BoundTo | None = None
    review_due: date | None = None
    recorded_at: UtcMillis
    recorded_by: str | None = None

    @model_validator(mode="after")
    def _valid_window(self) -> Self:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self
