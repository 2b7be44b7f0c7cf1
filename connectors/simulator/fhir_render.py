"""Health records as FHIR R4 resources, and one Bundle per delivery.

Systems and codes come from the health adapter's mapping, so what the simulator writes
is what the adapter reads: UK Core Patient with the NHS number identifier and its
verification status, ServiceRequest, Task (referral accepted, advice for EHC),
Appointment or Encounter, Condition (SNOMED CT) and the 2-year review as a
QuestionnaireResponse (SystmOne) or an Observation panel (other systems).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.fhir import load_health_mapping
from connectors.simulator.journeys import SimRecord
from connectors.simulator.sources import Demographics

__all__ = ["bundle", "patient_resource", "resource_for"]

Resource = dict[str, Any]
_VERIFIED_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"


def _systems() -> dict[str, str]:
    return load_health_mapping().systems


def _concept(system_key: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": _systems()[system_key], "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _when(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00+00:00"


def patient_resource(person_id: str, org: str, demo: Demographics) -> Resource:
    systems = _systems()
    return {
        "resourceType": "Patient",
        "id": person_id,
        "identifier": _nhs_identifiers(demo),
        "name": _names(demo),
        "gender": {"F": "female", "M": "male"}[demo.sex],
        "birthDate": demo.dob.isoformat(),
        "address": [
            {
                "use": "home",
                "line": [demo.address.line],
                "city": demo.address.town,
                "postalCode": demo.address.postcode,
            }
        ],
        "managingOrganization": {"identifier": {"system": systems["ods"], "value": org}},
    }


def _nhs_identifiers(demo: Demographics) -> list[dict[str, Any]]:
    """The NHS number marked as verified, or nothing when the record has none."""
    if not demo.nhs_number:
        return []
    systems = _systems()
    status = {
        "url": systems["nhs_verification"],
        "valueCodeableConcept": {"coding": [{"system": _VERIFIED_SYSTEM, "code": "01"}]},
    }
    return [{"system": systems["nhs_number"], "value": demo.nhs_number, "extension": [status]}]


def _names(demo: Demographics) -> list[dict[str, Any]]:
    """The official name, then a preferred name (nickname) as a usual name."""
    given = [n for n in (demo.given_name, demo.middle_name) if n]
    names: list[dict[str, Any]] = [{"use": "official", "family": demo.family_name, "given": given}]
    if demo.preferred_name:
        names.append({"use": "usual", "given": [demo.preferred_name]})
    return names


def resource_for(record: SimRecord, person_id: str, system: str) -> Resource:
    """The FHIR resource of one health record."""
    builder = _BUILDERS[record.export]
    resource = builder({**record.fields, "_person": person_id}, record.day, system)
    ref = {"reference": f"Patient/{person_id}"}
    kind = resource["resourceType"]
    if kind == "Appointment":
        resource["participant"] = [{"actor": ref, "status": "accepted"}]
    elif kind == "Task":
        resource["for"] = ref
    else:
        resource["subject"] = ref
    resource["meta"] = {"versionId": "1", "lastUpdated": _when(record.day, 18)}
    return resource


def _referral(f: dict[str, Any], day: date, _system: str) -> Resource:
    return {
        "resourceType": "ServiceRequest",
        "id": f["referral_id"],
        "status": "active",
        "intent": "order",
        "priority": f["priority"],
        "authoredOn": _when(day),
        "performerType": _concept("service", f["service"]),
        "requester": {"display": "GP"},
    }


def _accepted(f: dict[str, Any], day: date, _system: str) -> Resource:
    return {
        "resourceType": "Task",
        "id": f"{f['referral_id']}-accept",
        "status": "accepted",
        "intent": "order",
        "code": _concept("task_type", "accept-referral"),
        "focus": {"reference": f"ServiceRequest/{f['referral_id']}"},
        "authoredOn": _when(day),
        "performerType": [_concept("service", f["service"])],
        "restriction": {"period": {"end": f["expected"].isoformat()}},
    }


def _appointment(f: dict[str, Any], day: date, _system: str) -> Resource:
    systems = _systems()
    resource: Resource = {
        "resourceType": "Appointment",
        "id": f["appointment_id"],
        "status": "fulfilled" if f["attended"] else "noshow",
        "start": _when(day),
        "serviceType": [_concept("service", f["service"])],
    }
    if f["attended"]:
        resource["extension"] = [{"url": systems["appointment_outcome"], "valueCode": "follow-up"}]
    else:
        resource["extension"] = [{"url": systems["rebooked"], "valueBoolean": True}]
    return resource


def _encounter(f: dict[str, Any], day: date, _system: str) -> Resource:
    return {
        "resourceType": "Encounter",
        "id": f"EN-{f['appointment_id']}",
        "status": "finished",
        "class": {"code": "AMB"},
        "period": {"start": _when(day)},
        "appointment": [{"reference": f"Appointment/{f['appointment_id']}"}],
        "serviceType": _concept("service", f["service"]),
    }


def _diagnosis(f: dict[str, Any], day: date, _system: str) -> Resource:
    return {
        "resourceType": "Condition",
        "id": f"CO-{f['_person']}-{f['code']}",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": _concept("snomed", f["code"], f["display"]),
        "onsetDateTime": day.isoformat(),
        "recorder": {"display": "Community paediatrician"},
    }


def _review(f: dict[str, Any], day: date, system: str) -> Resource:
    """SystmOne sends the questionnaire as answered; other systems an Observation panel."""
    if system == "SystmOne":
        return _questionnaire_response(f, day)
    asq = load_health_mapping().asq3
    links = _asq_links()
    components = [
        {"code": _concept("asq3", links[d]), "valueInteger": s} for d, s in f["scores"].items()
    ]
    return {
        "resourceType": "Observation",
        "id": f"OB-{f['_person']}-{day.isoformat()}",
        "status": "final",
        "code": _concept("asq3", asq.observation_code),
        "effectiveDateTime": _when(day),
        "component": components,
        "interpretation": [_concept("asq3", f["outcome"])],
    }


def _asq_links() -> dict[str, str]:
    """ASQ-3 domain name -> the item linkId (or Observation code) the mapping reads it from."""
    return {name: link for link, name in load_health_mapping().asq3.domains.items()}


def _questionnaire_response(f: dict[str, Any], day: date) -> Resource:
    asq = load_health_mapping().asq3
    links = _asq_links()
    items = [{"linkId": links[d], "answer": [{"valueInteger": s}]} for d, s in f["scores"].items()]
    items.append({"linkId": asq.outcome_item, "answer": [{"valueCoding": {"code": f["outcome"]}}]})
    items.append({"linkId": asq.age_item, "answer": [{"valueInteger": f["age_months"]}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"QR-{f['_person']}-{day.isoformat()}",
        "questionnaire": "https://send-hub.example/fhir/Questionnaire/ASQ-3-24",
        "status": "completed",
        "authored": _when(day),
        "item": items,
    }


def _advice(f: dict[str, Any], day: date, _system: str) -> Resource:
    return {
        "resourceType": "Task",
        "id": f["Advice ID"],
        "status": "completed",
        "intent": "order",
        "code": _concept("task_type", "ehc-health-advice"),
        "identifier": [{"value": f["Advice ID"]}],
        "groupIdentifier": {"value": f["EHC Request ID"]},
        "authoredOn": f["Requested Date"].isoformat(),
        "restriction": {"period": {"end": f["Due Date"].isoformat()}},
        "executionPeriod": {"end": f["Provided Date"].isoformat()},
        "owner": {"display": f["Provider Role"]},
    }


_BUILDERS = {
    "referral": _referral,
    "accepted": _accepted,
    "appointment": _appointment,
    "encounter": _encounter,
    "diagnosis": _diagnosis,
    "review": _review,
    "advice": _advice,
}


def bundle(patients: list[Resource], resources: list[Resource], stamp: date) -> Resource:
    """A collection Bundle: the patients first, then the resources that refer to them."""
    entries = [
        {"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r}
        for r in [*patients, *resources]
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _when(stamp, 23),
        "entry": entries,
    }
