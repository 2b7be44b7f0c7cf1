"""Native CSV rows: a `SimRecord` plus how its source knows the child -> one export row.

Headers come from the adapters' mapping files, so the simulator always writes exactly
the export shapes the adapters read. Each source writes dates its own way (MIS and
social care dd/mm/yyyy, the SEN case system ISO) and its own sex codes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.mapping import load_mapping
from connectors.simulator.calendar import year_group
from connectors.simulator.journeys import SimRecord
from connectors.simulator.sources import Demographics

__all__ = ["CSV_SOURCES", "csv_header", "csv_row"]

# Simulator source -> mapping file of the adapter that reads it.
CSV_SOURCES = {"school": "school", "social_care": "social_care", "sen_case": "sen_case"}
_UK = "%d/%m/%Y"
_DATE_FORMATS = {"school": _UK, "social_care": _UK, "sen_case": "%Y-%m-%d"}
_SEX = {
    "school": {"F": "F", "M": "M"},
    "social_care": {"F": "2", "M": "1"},
    "sen_case": {"F": "F", "M": "M"},
}


def csv_header(source: str, export: str) -> tuple[str, ...]:
    return load_mapping(CSV_SOURCES[source]).exports[export].all_columns


def _year(dob: date, when: date) -> str:
    group = year_group(dob, when)
    return {-2: "N1", -1: "N2", 0: "R"}.get(group, str(group))


def _common(source: str, person_id: str, org: str, demo: Demographics, day: date) -> dict[str, Any]:
    if source == "school":
        return {
            "Adno": person_id,
            "UPN": demo.upn,
            "Surname": demo.family_name,
            # MIS reports print the name a pupil is known by where there is one.
            "Forename": demo.preferred_name or demo.given_name,
            "DOB": demo.dob,
            "Gender": _SEX[source][demo.sex],
            "Date Modified": day,
        }
    common = {
        "LA": org,
        "Person ID": person_id,
        "Forename": demo.given_name,
        "Surname": demo.family_name,
        "DOB": demo.dob,
        "Gender": _SEX[source][demo.sex],
        "NHS Number": demo.nhs_number,
        "UPN": demo.upn,
        "Postcode": demo.address.postcode,
        "Address": demo.address.text,
        "Last Updated": day,
    }
    if source == "social_care":
        common["Known As"] = demo.preferred_name
    else:
        common.update({"Sex": common.pop("Gender"), "ULN": demo.uln})
    return common


def _pupil(record: SimRecord, demo: Demographics) -> dict[str, Any]:
    return {
        "Forename": demo.given_name,
        "Preferred Forename": demo.preferred_name,
        "Former UPN": demo.former_upn,
        "Middle Names": demo.middle_name,
        "NHS Number": demo.nhs_number,
        "Address": demo.address.text,
        "Postcode": demo.address.postcode,
        "Year": _year(demo.dob, record.day),
        "SEN Provision": record.child.sen,
        "Date Modified": record.day,
    }


def csv_row(record: SimRecord, person_id: str, org: str, demo: Demographics) -> list[str]:
    """The row of ``record`` in its export's header order, dates formatted for the source."""
    values = _common(record.source, person_id, org, demo, record.day)
    if record.export == "pupils":
        values.update(_pupil(record, demo))
    values.update(record.fields)
    fmt = _DATE_FORMATS[record.source]
    return [_text(values.get(column), fmt) for column in csv_header(record.source, record.export)]


def _text(value: Any, fmt: str) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime(fmt)
    return str(value)
