"""Intake validation of a decoded event: reject what cannot be placed, flag what is untrusted.

Works on the Avro-shaped dict the serde returns (the hot path never builds pydantic models).
A message is *rejected* (dead-lettered) when it cannot be placed on a timeline: implausible
dates (in the future beyond a tolerance, before 1990, or occurring long after it was
recorded) or nothing that identifies its subject. An invalid NHS number or UPN is *not* a
rejection: it is dropped from matching and flagged on the entry. Temporary UPNs are valid but
never used as link keys (they are replaced by a permanent UPN later).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from hub.identifiers import check_nhs_number, check_upn, is_temporary_upn
from hub.models.identity import source_person_key
from hub.models.timeline import EntryFlag

__all__ = [
    "DEFAULT_POLICY",
    "Accepted",
    "IntakePolicy",
    "Rejected",
    "SubjectKeys",
    "source_key",
    "validate",
]


class IntakePolicy(BaseModel):
    """Plausibility limits (data, not code branches); defaults suit a live partnership feed."""

    model_config = ConfigDict(frozen=True)

    future_tolerance: timedelta = timedelta(days=1)
    earliest: datetime = datetime(1990, 1, 1, tzinfo=UTC)
    occurred_after_recorded_tolerance: timedelta = timedelta(days=1)
    earliest_birth: date = date(1990, 1, 1)


# SubjectKeys, Accepted: immutable tuples rather than frozen dataclasses, which take twice as
# long to build (one of each per event).
class SubjectKeys(NamedTuple):
    """The subject's link keys: the source person key and the trusted identifiers."""

    source: str | None  # None when the source sent a blank person id
    nhs_number: str | None
    upn: str | None

    def first_key(self) -> str:
        """The key a new child's id is derived from: source key, else NHS number, else UPN."""
        if self.source:
            return self.source
        return f"nhs:{self.nhs_number}" if self.nhs_number else f"upn:{self.upn}"


class Accepted(NamedTuple):
    """An event fit for matching and the timeline, with its keys and data-quality flags."""

    event: Mapping[str, Any]
    keys: SubjectKeys
    flags: tuple[EntryFlag, ...]


@dataclass(frozen=True, slots=True)
class Rejected:
    """Why a message is dead-lettered: a short reason code and one line (no personal data)."""

    reason: str
    detail: str
    error_class: str = "ValidationFailed"


def source_key(source: Mapping[str, Any], subject: Mapping[str, Any]) -> str:
    """The source person key of a decoded event's source and subject."""
    return source_person_key(
        source["agency_kind"], source["org_code"], source["system"], subject["source_person_id"]
    )


@lru_cache(maxsize=65536)  # one person's identifiers repeat on every event they have
def _nhs(raw: str) -> str | None:
    check = check_nhs_number(raw)
    return check.value if check.ok else None


@lru_cache(maxsize=65536)
def _upn(raw: str) -> tuple[str | None, bool]:
    check = check_upn(raw)
    if not check.ok or check.value is None:
        return None, False
    return check.value, is_temporary_upn(check.value)


def _date_problem(event: Mapping[str, Any], now: datetime, policy: IntakePolicy) -> Rejected | None:
    occurred: datetime = event["occurred_at"]
    recorded: datetime = event["recorded_at"]
    latest = now + policy.future_tolerance
    if occurred > latest or recorded > latest:
        return Rejected("future_date", "occurred_at or recorded_at is in the future")
    if occurred < policy.earliest:
        return Rejected("date_too_early", f"occurred_at is before {policy.earliest.date()}")
    if occurred - recorded > policy.occurred_after_recorded_tolerance:
        return Rejected("occurred_after_recorded", "occurred_at is long after recorded_at")
    return None


def _identifiers(subject: Mapping[str, Any]) -> tuple[str | None, str | None, list[EntryFlag]]:
    flags: list[EntryFlag] = []
    nhs = upn = None
    if raw_nhs := subject.get("nhs_number"):
        nhs = _nhs(raw_nhs)
        if nhs is None:
            flags.append(EntryFlag.NHS_NUMBER_INVALID)
    if raw_upn := subject.get("upn"):
        value, temporary = _upn(raw_upn)
        if value is None:
            flags.append(EntryFlag.UPN_INVALID)
        elif not temporary:
            upn = value
    return nhs, upn, flags


DEFAULT_POLICY = IntakePolicy()


def validate(
    event: Mapping[str, Any], now: datetime, policy: IntakePolicy = DEFAULT_POLICY
) -> Accepted | Rejected:
    """Accept ``event`` with its keys and flags, or say why it is rejected."""
    problem = _date_problem(event, now, policy)
    if problem is not None:
        return problem
    subject = event["subject"]
    nhs, upn, flags = _identifiers(subject)
    has_person_id = bool(str(subject.get("source_person_id") or "").strip())
    if not has_person_id and not (nhs or upn):
        return Rejected("no_identifier", "no source person id and no valid NHS number or UPN")
    dob = subject.get("date_of_birth")
    if dob is not None and (dob < policy.earliest_birth or dob > now.date()):
        flags.append(EntryFlag.DATE_OF_BIRTH_IMPLAUSIBLE)
    src = source_key(event["source"], subject) if has_person_id else None
    keys = SubjectKeys(src, nhs, upn)
    return Accepted(event, keys, tuple(flags))
