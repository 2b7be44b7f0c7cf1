"""Avro-shaped event dicts for intake/identity/timeline tests (what the serde returns)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["NOW", "VALID_NHS", "VALID_NHS_2", "VALID_UPN", "event_dict"]

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
VALID_NHS = "9434765919"
VALID_NHS_2 = "9434765870"
VALID_UPN = "H801200001001"


def event_dict(
    event_id: str = "e1",
    person: str = "p1",
    *,
    kind: str = "EDUCATION",
    org: str = "ORG1",
    nhs: str | None = None,
    upn: str | None = None,
    occurred: datetime | None = None,
    recorded: datetime | None = None,
    dob: date | None = date(2015, 3, 2),
) -> dict[str, Any]:
    occurred = occurred or NOW - timedelta(days=2)
    return {
        "event_id": event_id,
        "event_type": "PupilEnrolled",
        "schema_version": 2,
        "occurred_at": occurred,
        "recorded_at": recorded or occurred + timedelta(hours=1),
        "source": {
            "agency_kind": kind, "org_code": org, "system": "SIMS",
            "source_record_id": f"r-{event_id}", "record_version": 1,
        },
        "subject": {
            "source_person_id": person, "nhs_number": nhs, "upn": upn,
            "date_of_birth": dob, "given_name": "Test", "family_name": "Child",
        },
        "payload": {"urn": "100001", "entry_date": date(2024, 9, 1), "year_group": "R"},
    }  # fmt: skip
