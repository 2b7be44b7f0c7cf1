"""The audit record: the contract of ``send.audit``, one per read of or action on a child.

Every read of a child's data and every reviewer action is recorded with who (subject,
organisation, its kind, role), why (purpose), which child and what was done. Records never
carry names or identifiers beyond the child id.
"""

from enum import StrEnum

from hub.models.base import AvroModel, UtcMillis
from hub.models.enums import AgencyKind, Purpose

__all__ = ["AuditAction", "AuditRecord", "CallerRole"]


class CallerRole(StrEnum):
    """A caller's role: the practitioner roles a sharing decision names, plus hub operators
    (OPS) and administrators (ADMIN). `RecipientRole` is the practitioner subset."""

    SENCO = "SENCO"
    EHC_COORD = "EHC_COORD"
    EP = "EP"
    DCO = "DCO"
    DSCO = "DSCO"
    SW = "SW"
    HV = "HV"
    PAED = "PAED"
    DSL = "DSL"
    OPS = "OPS"
    ADMIN = "ADMIN"


class AuditAction(StrEnum):
    """What was read, or which reviewer action touched the child (symbols only ever appended)."""

    SEARCH = "SEARCH"
    RECORD = "RECORD"
    TIMELINE = "TIMELINE"
    REVIEW_READ = "REVIEW_READ"
    REVIEW_DECISION = "REVIEW_DECISION"
    UNMERGE = "UNMERGE"
    DECISION_REFUSED = "DECISION_REFUSED"  # the worker refused an identity decision (v3)
    BREAK_GLASS = "BREAK_GLASS"  # safeguarding break-glass granted (v4)
    ACCESS_LOG = "ACCESS_LOG"  # the child's access log read (v4)


class AuditRecord(AvroModel):
    """Mirror of ``schemas/avro/audit/v4.avsc`` (the current version, which producers write).

    ``org_kind`` and ``role`` are absent only on a DECISION_REFUSED record of a decision that
    named no reviewer.
    """

    audit_id: str
    at: UtcMillis
    subject: str
    org: str
    org_kind: AgencyKind | None = None
    role: CallerRole | None = None
    purpose: Purpose
    child_id: str
    action: AuditAction
    detail: str
    entries: int
    channel: str
    shown: int = 0
    withheld: int = 0
    withheld_by: str = ""
    bases: str = ""
