"""The person record the matcher compares: the bulk-linkage columns as a pydantic model.

A record is what one source knows about a person (docs/contracts.md, bulk linkage files).
Everything but ``record_id`` may be missing; empty strings are read as missing so
a CSV cell and an absent event field mean the same thing.
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["CSV_COLUMNS", "PersonRecord"]

# Column order of the bulk-linkage CSV contract.
CSV_COLUMNS: tuple[str, ...] = (
    "record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "nhs_number",
    "upn",
    "local_id",
)


class PersonRecord(BaseModel):
    """One source's view of a person; identifiers are raw (validated when prepared)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    record_id: str = Field(min_length=1)
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None
    postcode: str | None = None
    address: str | None = None
    nhs_number: str | None = None
    upn: str | None = None
    local_id: str | None = None

    @field_validator(
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "postcode",
        "address",
        "nhs_number",
        "upn",
        "local_id",
        mode="before",
    )
    @classmethod
    def _blank_is_missing(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value
