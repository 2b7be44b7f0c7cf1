"""Shared base of the pydantic mirror of the Avro contract: strict, frozen, UTC milliseconds.

Every model mirrors one Avro record of the same name field for field (a test derives both
and compares them), so a model instance always round-trips through Avro unchanged. Avro
``timestamp-millis`` keeps milliseconds in UTC, so timestamps are normalised to exactly that.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from hub.models.enums import EventType

__all__ = ["AvroModel", "PayloadModel", "UtcMillis"]


class AvroModel(BaseModel):
    """Base of every contract model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _utc_millis(value: datetime) -> datetime:
    # Truncate (not round) like Avro's timestamp-millis, so model == decode(encode(model)).
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


UtcMillis = Annotated[AwareDatetime, AfterValidator(_utc_millis)]
"""A timezone-aware datetime held as UTC with millisecond precision (naive ones are refused)."""


class PayloadModel(AvroModel):
    """Base of the event payloads; a payload class is named after its ``EventType``."""

    EVENT_TYPE: ClassVar[EventType]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # The Avro union branch is chosen by name, so class name == event type == record name.
        cls.EVENT_TYPE = EventType(cls.__name__)
