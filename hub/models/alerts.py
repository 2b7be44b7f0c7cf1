"""Alerts on ``send.alerts``: a clock due soon or breached, an early-identification signal,
a quiet feed. Each alert has a deterministic id, so re-publishing one is a duplicate, not news.

An alert names whom it is for (role and organisation), the rule and rule-set version that
raised it, the events whose facts triggered it and a plain-English explanation built from
coded values and dates only (no names, dates of birth or identifiers).
"""

import uuid
from datetime import date
from enum import StrEnum

from hub.models.base import AvroModel, UtcMillis

__all__ = ["ALERT_ID_NAMESPACE", "Alert", "AlertKind", "AlertRecipient", "make_alert_id"]

ALERT_ID_NAMESPACE = uuid.UUID("0b8e0b5c-52d5-5b53-9b8e-7f0d6c0a3a11")
"""Fixed uuid5 namespace of alert ids; never change (it would re-raise every alert)."""


class AlertKind(StrEnum):
    """What an alert is about."""

    CLOCK_DUE_SOON = "CLOCK_DUE_SOON"
    CLOCK_BREACH = "CLOCK_BREACH"
    SIGNAL = "SIGNAL"
    FEED_QUIET = "FEED_QUIET"


class AlertRecipient(AvroModel):
    """A role at an organisation (role names as in the access policy, e.g. SENCO, EHC_COORD)."""

    role: str
    org_code: str | None = None


class Alert(AvroModel):
    """One alert, raised once."""

    alert_id: str
    kind: AlertKind
    raised_at: UtcMillis
    rule_id: str
    rules_version: str
    child_id: str | None = None
    subject_key: str | None = None
    due_date: date | None = None
    recipients: tuple[AlertRecipient, ...] = ()
    event_ids: tuple[str, ...] = ()
    explanation: str


def make_alert_id(kind: AlertKind, rule_id: str, about: str, instance: str) -> str:
    """Deterministic id over (kind, rule, child or feed, instance)."""
    name = "\x1f".join((kind.value, rule_id, about, instance))
    return str(uuid.uuid5(ALERT_ID_NAMESPACE, name))
