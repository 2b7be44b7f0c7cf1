"""The event envelope: source, subject as the source knows them, tier/category/purpose, payload.

Build events with ``build_event`` (it derives ``event_id`` and the catalogue defaults), or
construct ``Event`` directly. ``make_event_id`` is the one deterministic id rule: a re-sent
record (same system, record id and version) gets the same id, so it is a duplicate.
"""

import uuid
from datetime import date, datetime
from typing import Any, Self

from pydantic import model_validator

from hub.models.base import AvroModel, PayloadModel, UtcMillis
from hub.models.enums import (
    AgencyKind,
    DataCategory,
    EventType,
    NhsNumberStatus,
    Purpose,
    Sensitivity,
    Sex,
)
from hub.models.event_types import EVENT_TYPES, AnyPayload, TaggedPayload

__all__ = [
    "EVENT_ID_NAMESPACE",
    "EVENT_SCHEMA_VERSION",
    "Event",
    "Source",
    "Subject",
    "build_event",
    "make_event_id",
]

EVENT_SCHEMA_VERSION = 3
"""Version of the event contract these models mirror (the current writer schema)."""

EVENT_ID_NAMESPACE = uuid.UUID("905c21ca-fe41-516f-929f-adacdb8cca6a")
"""Fixed uuid5 namespace of event ids (uuid5(NAMESPACE_DNS, "events.send-hub.uk")); never change."""


def make_event_id(source_system: str, source_record_id: str, version: int) -> str:
    """Deterministic event id: uuid5 over (system, record id, version) in a fixed namespace.

    ``source_system`` should identify the system *instance*; ``build_event`` passes
    ``"<org_code>/<system>"`` because local record ids are unique only per system and org.
    """
    # A unit separator keeps ("a/b", "c") and ("a", "b/c") apart.
    name = f"{source_system}\x1f{source_record_id}\x1f{version}"
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, name))


class Source(AvroModel):
    """Who published the record, and the record's identity in that system."""

    agency_kind: AgencyKind
    org_code: str
    system: str
    source_record_id: str
    record_version: int

    @property
    def system_key(self) -> str:
        """``org_code/system``: the scope in which local ids are unique."""
        return f"{self.org_code}/{self.system}"

    def event_id(self) -> str:
        """The deterministic event id of this source record version."""
        return make_event_id(self.system_key, self.source_record_id, self.record_version)


class Subject(AvroModel):
    """The person as the source knows them; only ``source_person_id`` is required.

    Identifiers are carried as sent; checking them is the intake stage's job.
    """

    source_person_id: str
    nhs_number: str | None = None
    nhs_number_verified: NhsNumberStatus | None = None
    upn: str | None = None
    former_upn: str | None = None
    uln: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    other_names: tuple[str, ...] = ()
    date_of_birth: date | None = None
    sex: Sex | None = None
    postcode: str | None = None
    address: str | None = None

    @property
    def nhs_number_is_verified(self) -> bool:
        """True only for a PDS-traced number (status 01)."""
        return self.nhs_number_verified is NhsNumberStatus.NUMBER_PRESENT_AND_VERIFIED


class Event(AvroModel):
    """One fact from an agency system, in the envelope every stage reads."""

    event_id: str
    event_type: EventType
    schema_version: int
    occurred_at: UtcMillis
    recorded_at: UtcMillis
    source: Source
    subject: Subject
    sensitivity: Sensitivity
    category: DataCategory
    purpose: Purpose
    case_id: str | None = None
    clock_id: str | None = None
    payload: AnyPayload

    @model_validator(mode="before")
    @classmethod
    def _tag_payload(cls, data: Any) -> Any:
        """Let ``event_type`` pick the payload model; derive it from a payload instance."""
        if not isinstance(data, dict):
            return data
        payload, event_type = data.get("payload"), data.get("event_type")
        if isinstance(payload, PayloadModel) and event_type is None:
            return {**data, "event_type": payload.EVENT_TYPE}
        if type(payload) is dict and event_type is not None:
            return {**data, "payload": TaggedPayload(str(event_type), payload)}
        return data

    @model_validator(mode="after")
    def _payload_matches_type(self) -> Self:
        if self.payload.EVENT_TYPE is not self.event_type:
            raise ValueError(f"payload {self.payload.EVENT_TYPE} does not match {self.event_type}")
        return self


def build_event(
    payload: PayloadModel,
    *,
    source: Source,
    subject: Subject,
    occurred_at: datetime,
    recorded_at: datetime,
    case_id: str | None = None,
    clock_id: str | None = None,
    sensitivity: Sensitivity | None = None,
    category: DataCategory | None = None,
    purpose: Purpose | None = None,
) -> Event:
    """An Event for ``payload`` with its deterministic id and the catalogue's defaults."""
    info = EVENT_TYPES[payload.EVENT_TYPE]
    return Event(
        event_id=source.event_id(),
        event_type=payload.EVENT_TYPE,
        schema_version=EVENT_SCHEMA_VERSION,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        source=source,
        subject=subject,
        sensitivity=sensitivity or info.sensitivity,
        category=category or info.category,
        purpose=purpose or info.purpose,
        case_id=case_id,
        clock_id=clock_id,
        payload=payload,  # type: ignore[arg-type]  # AnyPayload is a union of the subclasses
    )
