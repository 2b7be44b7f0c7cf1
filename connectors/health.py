"""Health records as FHIR R4 (UK Core): Bundles (``.json``) or bulk-data NDJSON files.

Patients are indexed as they are read (within a Bundle first, and across the files
of one run, so a bulk export's ``Patient.ndjson`` given first serves the files after
it). Every other resource names its patient; its events carry that patient's subject
and the managing organisation's ODS code. The row of an error is the Bundle entry
number (or NDJSON line) and its field the FHIR path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.base import Adapter, ReadItem
from connectors.envelope import Draft, DraftRejected, check_identifiers, to_event
from connectors.fhir import (
    HealthMapping,
    PatientInfo,
    fhir_date,
    load_health_mapping,
    patient_subject,
)
from connectors.fields import FieldProblem
from connectors.health_resources import HANDLERS, Fact, subject_reference
from connectors.readers import iter_json_lines, load_json_document
from connectors.records import FileRejected, RecordError, Skipped
from hub.models import AgencyKind

__all__ = ["HealthAdapter"]

Resource = dict[str, Any]
_ORIGIN = {
    "nhs_number": "Patient.identifier",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
}


class HealthAdapter(Adapter):
    """Reads FHIR Bundles and NDJSON from community and acute EPRs."""

    name = "health"
    agency_kind = AgencyKind.HEALTH
    default_system = "EPR"

    def __init__(self, system: str | None = None, mapping: HealthMapping | None = None) -> None:
        self.mapping = mapping or load_health_mapping()
        super().__init__(system or self.mapping.system)
        # Patient id -> subject, or the problem that made the Patient unusable.
        self._patients: dict[str, PatientInfo | FieldProblem] = {}

    def read(self, path: Path) -> Iterator[ReadItem]:
        if path.suffix.lower() == ".ndjson":
            yield from self._read_ndjson(path)
            return
        document = load_json_document(path)
        self.bytes_read = path.stat().st_size
        entries = _bundle_entries(path, document)
        for _number, resource, full_url in entries:
            if resource.get("resourceType") == "Patient":
                self._index(resource, full_url)
        for number, resource, _ in entries:
            yield from self._entry(path, number, resource)

    def _read_ndjson(self, path: Path) -> Iterator[ReadItem]:
        counter = [0]
        for item in iter_json_lines(path, counter):
            self.bytes_read = counter[0]
            if isinstance(item, RecordError):
                yield item
            elif not isinstance(item.value, dict):
                yield RecordError(str(path), item.line, "resourceType", "not a FHIR resource")
            else:
                if item.value.get("resourceType") == "Patient":
                    self._index(item.value, None)
                yield from self._entry(path, item.line, item.value)

    def _index(self, resource: Resource, full_url: str | None) -> None:
        try:
            info: PatientInfo | FieldProblem = _patient(resource, self.mapping)
        except FieldProblem as exc:
            info = exc
        for key in (resource.get("id"), full_url):
            if key:
                self._patients[str(key)] = info

    def _entry(self, path: Path, number: int, resource: Resource) -> Iterator[ReadItem]:
        kind = str(resource.get("resourceType", ""))
        if not kind:
            yield RecordError(str(path), number, "resourceType", "entry has no FHIR resource")
            return
        if kind == "Patient":
            info = self._patients.get(str(resource.get("id", "")))
            if isinstance(info, FieldProblem) or info is None:
                problem = info or FieldProblem("Patient.id", "required value is missing")
                yield RecordError(str(path), number, problem.column, problem.reason)
            else:
                yield Skipped(str(path), number, "Patient (subject of other resources)")
            return
        if kind in self.mapping.reference_only:
            yield Skipped(str(path), number, f"{kind} (reference data)")
            return
        try:
            yield from self._events(path, number, kind, resource)
        except FieldProblem as exc:
            yield RecordError(str(path), number, exc.column, exc.reason)
        except DraftRejected as exc:
            fields = ";".join(dict.fromkeys(p.column for p in exc.problems))
            yield RecordError(str(path), number, fields, str(exc))

    def _events(self, path: Path, number: int, kind: str, resource: Resource) -> Iterator[ReadItem]:
        handler = HANDLERS.get(kind)
        if handler is None:
            raise FieldProblem("resourceType", f"unsupported resource type {kind!r}")
        patient = self._subject_of(resource, kind)
        facts = handler(resource, self.mapping)
        if isinstance(facts, str):
            yield Skipped(str(path), number, facts)
            return
        events = [to_event(self._draft(kind, resource, patient, fact)) for fact in facts]
        yield from events

    def _subject_of(self, resource: Resource, kind: str) -> PatientInfo:
        reference = subject_reference(resource)
        info = self._patients.get(reference) if reference else None
        if info is None:
            reason = f"patient {reference!r} not found" if reference else "no patient reference"
            raise FieldProblem(f"{kind}.subject", reason)
        if isinstance(info, FieldProblem):
            raise FieldProblem(info.column, f"patient {reference}: {info.reason}")
        return info

    def _draft(self, kind: str, resource: Resource, patient: PatientInfo, fact: Fact) -> Draft:
        meta = resource.get("meta") or {}
        version = str(meta.get("versionId", "1"))
        if not version.isdigit():
            raise FieldProblem(f"{kind}.meta.versionId", f"not a number: {version!r}")
        recorded = fhir_date(meta.get("lastUpdated"), f"{kind}.meta.lastUpdated", False)
        origin = {**_ORIGIN, **{k: f"{kind}.{k}" for k in fact.payload}, **fact.origin}
        return Draft(
            event_type=fact.event_type,
            agency_kind=AgencyKind.HEALTH,
            org_code=patient.org_code,
            system=self.system,
            record_id=f"{kind}/{resource.get('id', '')}",
            version=int(version),
            occurred=fact.occurred,
            recorded=recorded or fact.occurred,
            subject=patient.subject,
            payload=fact.payload,
            clock_id=fact.clock_id,
            origin=origin,
        )


def _patient(resource: Resource, mapping: HealthMapping) -> PatientInfo:
    info = patient_subject(resource, mapping)
    # Check identifiers now, so a bad NHS number is reported on the Patient entry itself.
    problems = check_identifiers(dict(info.subject), _ORIGIN)
    if problems:
        raise problems[0]
    return info


def _bundle_entries(path: Path, document: Any) -> list[tuple[int, Resource, str | None]]:
    if not isinstance(document, dict) or "resourceType" not in document:
        raise FileRejected(RecordError(str(path), 0, "resourceType", "not a FHIR resource"))
    if document["resourceType"] != "Bundle":
        return [(1, document, None)]
    entries = []
    for number, entry in enumerate(document.get("entry", []) or [], start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        # An entry without a resource still gets a row of its own, as an error.
        full_url = entry.get("fullUrl") if isinstance(entry, dict) else None
        entries.append((number, resource if isinstance(resource, dict) else {}, full_url))
    return entries
