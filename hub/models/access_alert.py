"""Alerts about access to a child's data, on ``send.alerts``: a safeguarding break-glass.

A break-glass lets a DSL or social worker read a child's safeguarding data without another
basis, for a few hours, with a recorded reason. Each one is published here so safeguarding
leads see it at once; the reason itself stays in the audit log.
"""

from enum import StrEnum

from hub.models.base import AvroModel, UtcMillis

__all__ = ["AccessAlert", "AccessAlertKind"]


class AccessAlertKind(StrEnum):
    """What an access alert is about."""

    BREAK_GLASS = "BREAK_GLASS"


class AccessAlert(AvroModel):
    """Mirror of ``schemas/avro/access_alert/v1.avsc``."""

    alert_id: str
    kind: AccessAlertKind
    raised_at: UtcMillis
    child_id: str
    subject: str
    org: str
    role: str
    expires_at: UtcMillis
    explanation: str
