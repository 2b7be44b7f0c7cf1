"""FHIR R4 reading helpers for the health adapter: mapping data, codings, dates, patients.

The FHIR side's mapping (`mappings/health.yaml`) is validated by `HealthMapping`.
`patient_subject` turns a UK Core Patient into the contract subject: the NHS number
from the identifier with system ``https://fhir.nhs.uk/Id/nhs-number`` and its
verification-status extension, official and usual names, birth date, gender, home
address and the managing organisation's ODS code (the org the record belongs to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from connectors.fields import FieldProblem
from connectors.mapping import MAPPINGS_DIR
from hub.errors import ConfigError
from hub.models import NHS_NUMBER_STATUS_CODES

__all__ = [
    "HealthMapping",
    "PatientInfo",
    "code_in",
    "extension",
    "fhir_date",
    "load_health_mapping",
    "patient_subject",
    "ref_id",
]

Resource = dict[str, Any]


class Asq3Mapping(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    questionnaire_marker: str
    domains: dict[str, str]
    outcome_item: str
    age_item: str
    observation_code: str
    outcomes: dict[str, str]


class HealthMapping(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str
    agency_kind: str
    system: str
    systems: dict[str, str]
    sex: dict[str, str]
    services: dict[str, str]
    priority: dict[str, str]
    appointment_status: dict[str, str]
    encounter_status: dict[str, str]
    referral_status: tuple[str, ...]
    appointment_outcome: dict[str, str]
    task_types: dict[str, str]
    exception: dict[str, str]
    condition_not_diagnosis: tuple[str, ...]
    asq3: Asq3Mapping
    reference_only: tuple[str, ...]


@lru_cache(maxsize=1)
def load_health_mapping(path: Path = MAPPINGS_DIR / "health.yaml") -> HealthMapping:
    try:
        return HealthMapping.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"mapping {path}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class PatientInfo:
    """A patient's org and contract subject, indexed for the resources that refer to it."""

    org_code: str
    subject: dict[str, Any]


def ref_id(reference: Any) -> str:
    """``Patient/123`` -> ``123``; a urn or bare id is returned as it is."""
    text = reference.get("reference", "") if isinstance(reference, dict) else ""
    return text.rsplit("/", 1)[-1] if text and not text.startswith("urn:") else text


def code_in(concepts: Any, system: str) -> dict[str, Any] | None:
    """The first coding of ``system`` in a CodeableConcept or a list of them."""
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        for coding in (concept or {}).get("coding", []) if isinstance(concept, dict) else []:
            if isinstance(coding, dict) and coding.get("system") == system:
                return coding
    return None


def extension(resource: Resource, url: str) -> dict[str, Any] | None:
    for ext in resource.get("extension", []) or []:
        if isinstance(ext, dict) and ext.get("url") == url:
            return ext
    return None


def fhir_date(value: Any, path: str, required: bool = True) -> date | datetime | None:
    """A FHIR date or dateTime; a dateTime keeps its offset (naive ones are taken as UTC)."""
    if not value:
        if required:
            raise FieldProblem(path, "required value is missing")
        return None
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise FieldProblem(path, f"not a FHIR date: {text!r}") from None


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _names(resource: Resource) -> tuple[str | None, str | None, list[str]]:
    names = [n for n in resource.get("name", []) or [] if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = list(official.get("given", []) or [])
    others = given[1:]
    for name in names:
        if name is not official:
            others.extend(g for g in name.get("given", []) or [] if g not in others)
    return (given[0] if given else None), official.get("family"), others


def _nhs(resource: Resource, mapping: HealthMapping) -> tuple[str | None, str | None]:
    for ident in resource.get("identifier", []) or []:
        if isinstance(ident, dict) and ident.get("system") == mapping.systems["nhs_number"]:
            ext = extension(ident, mapping.systems["nhs_verification"]) or {}
            coding = code_in(ext.get("valueCodeableConcept"), _verification_system(ext))
            code = (coding or {}).get("code")
            return ident.get("value"), NHS_NUMBER_STATUS_CODES.get(code or "")
    return None, None


def _verification_system(ext: dict[str, Any]) -> str:
    codings = (ext.get("valueCodeableConcept") or {}).get("coding", [])
    return codings[0].get("system", "") if codings and isinstance(codings[0], dict) else ""


def _address(resource: Resource) -> tuple[str | None, str | None]:
    addresses = [a for a in resource.get("address", []) or [] if isinstance(a, dict)]
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0] if addresses else {})
    parts = [*(home.get("line", []) or []), home.get("city")]
    text = ", ".join(p for p in parts if p)
    return home.get("postalCode"), (text or None)


def patient_subject(resource: Resource, mapping: HealthMapping) -> PatientInfo:
    """The subject and org of a Patient; raises FieldProblem for a value that cannot be used."""
    patient_id = resource.get("id")
    if not patient_id:
        raise FieldProblem("Patient.id", "required value is missing")
    org = ((resource.get("managingOrganization") or {}).get("identifier") or {}).get("value")
    if not org:
        raise FieldProblem("Patient.managingOrganization", "required value is missing")
    gender = resource.get("gender")
    if gender is not None and gender not in mapping.sex:
        raise FieldProblem("Patient.gender", f"unknown code {gender!r}")
    given, family, others = _names(resource)
    nhs_number, verified = _nhs(resource, mapping)
    postcode, address = _address(resource)
    subject = {
        "source_person_id": patient_id,
        "nhs_number": nhs_number,
        "nhs_number_verified": verified,
        "given_name": given,
        "family_name": family,
        "other_names": tuple(others),
        "date_of_birth": _day(fhir_date(resource.get("birthDate"), "Patient.birthDate", False)),
        "sex": mapping.sex.get(gender) if gender else None,
        "postcode": postcode,
        "address": address,
    }
    return PatientInfo(str(org), subject)
