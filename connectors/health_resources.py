"""One function per FHIR resource type: a resource -> the contract events it states.

Each handler returns `Fact`s (event type, payload, origin paths, occurred date) or a
reason it states no event (a booked appointment, a refuted condition). Values that
cannot be used raise `FieldProblem` with the FHIR path, e.g. ``Appointment.serviceType``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from stdnum import verhoeff

from connectors.fhir import HealthMapping, code_in, extension, fhir_date, ref_id
from connectors.fields import FieldProblem

__all__ = ["HANDLERS", "Fact", "subject_reference"]

Resource = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fact:
    event_type: str
    payload: dict[str, Any]
    occurred: date | datetime
    origin: dict[str, str] = field(default_factory=dict)
    clock_id: str | None = None


Handler = Callable[[Resource, HealthMapping], "list[Fact] | str"]


def subject_reference(resource: Resource) -> str:
    """Id of the Patient a resource is about (``subject``, ``for`` or an actor)."""
    for key in ("subject", "for", "patient"):
        if isinstance(resource.get(key), dict):
            return ref_id(resource[key])
    for participant in resource.get("participant", []) or []:
        actor = (participant or {}).get("actor") or {}
        if str(actor.get("reference", "")).startswith(("Patient/", "urn:")):
            return ref_id(actor)
    return ""


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _service(concepts: Any, mapping: HealthMapping, path: str) -> str:
    coding = code_in(concepts, mapping.systems["service"])
    if coding is None:
        raise FieldProblem(path, "no treatment function code")
    code = str(coding.get("code", ""))
    if code not in mapping.services:
        raise FieldProblem(path, f"unknown code {code!r}")
    return mapping.services[code]


def service_request(res: Resource, mapping: HealthMapping) -> list[Fact] | str:
    if res.get("status") not in mapping.referral_status:
        return f"referral with status {res.get('status')!r}"
    authored = fhir_date(res.get("authoredOn"), "ServiceRequest.authoredOn")
    priority = res.get("priority", "routine")
    if priority not in mapping.priority:
        raise FieldProblem("ServiceRequest.priority", f"unknown code {priority!r}")
    payload = {
        "referral_id": res.get("id"),
        "service": _service(res.get("performerType"), mapping, "ServiceRequest.performerType"),
        "referral_date": _day(authored),
        "urgency": mapping.priority[priority],
        "referrer_role": (res.get("requester") or {}).get("display"),
    }
    return [Fact("HealthReferralMade", payload, authored)]  # type: ignore[arg-type]


def appointment(res: Resource, mapping: HealthMapping) -> list[Fact] | str:
    event_type = mapping.appointment_status.get(res.get("status", ""))
    if event_type is None:
        return f"appointment with status {res.get('status')!r}"
    start = fhir_date(res.get("start"), "Appointment.start")
    payload: dict[str, Any] = {
        "appointment_id": res.get("id"),
        "service": _service(res.get("serviceType"), mapping, "Appointment.serviceType"),
        "appointment_date": _day(start),
    }
    if event_type == "AppointmentAttended":
        payload["outcome"] = _outcome(res, mapping, "Appointment.extension")
    else:
        rebooked = extension(res, mapping.systems["rebooked"]) or {}
        payload["rebooked"] = bool(rebooked.get("valueBoolean", False))
    return [Fact(event_type, payload, start)]  # type: ignore[arg-type]


def _outcome(res: Resource, mapping: HealthMapping, path: str) -> str | None:
    ext = extension(res, mapping.systems["appointment_outcome"])
    if ext is None:
        return None
    code = ext.get("valueCode", "")
    if code not in mapping.appointment_outcome:
        raise FieldProblem(path, f"unknown appointment outcome {code!r}")
    return mapping.appointment_outcome[code]


def encounter(res: Resource, mapping: HealthMapping) -> list[Fact] | str:
    event_type = mapping.encounter_status.get(res.get("status", ""))
    if event_type is None:
        return f"encounter with status {res.get('status')!r}"
    start = fhir_date((res.get("period") or {}).get("start"), "Encounter.period.start")
    booked = [ref_id(a) for a in res.get("appointment", []) or [] if isinstance(a, dict)]
    payload = {
        "appointment_id": booked[0] if booked else res.get("id"),
        "service": _service(res.get("serviceType"), mapping, "Encounter.serviceType"),
        "appointment_date": _day(start),
        "outcome": _outcome(res, mapping, "Encounter.extension"),
    }
    return [Fact(event_type, payload, start)]  # type: ignore[arg-type]


def condition(res: Resource, mapping: HealthMapping) -> list[Fact] | str:
    verification = code_in(res.get("verificationStatus"), _VERIFICATION) or {}
    if verification.get("code") in mapping.condition_not_diagnosis:
        return f"condition {verification.get('code')}"
    coding = code_in(res.get("code"), mapping.systems["snomed"])
    if coding is None:
        raise FieldProblem("Condition.code", "no SNOMED CT coding")
    code = str(coding.get("code", ""))
    if not (6 <= len(code) <= 18 and code.isdigit() and verhoeff.is_valid(code)):
        raise FieldProblem("Condition.code", f"not a SNOMED CT concept id: {code!r}")
    when = fhir_date(res.get("onsetDateTime") or res.get("recordedDate"), "Condition.onsetDateTime")
    payload = {
        "snomed_code": code,
        "display": coding.get("display") or (res.get("code") or {}).get("text") or code,
        "diagnosis_date": _day(when),
        "clinician_role": (res.get("recorder") or {}).get("display"),
    }
    return [Fact("Diagnosis", payload, when)]  # type: ignore[arg-type]


_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def task(res: Resource, mapping: HealthMapping) -> list[Fact] | str:
    coding = code_in(res.get("code"), mapping.systems["task_type"])
    event_type = mapping.task_types.get(str((coding or {}).get("code", "")))
    if event_type is None:
        raise FieldProblem("Task.code", "unknown task type")
    authored = fhir_date(res.get("authoredOn"), "Task.authoredOn")
    due = fhir_date(
        ((res.get("restriction") or {}).get("period") or {}).get("end"),
        "Task.restriction.period.end",
        required=event_type == "HealthAdviceForEHC",
    )
    if event_type == "HealthReferralAccepted":
        return [_accepted(res, mapping, authored, due)]
    return [_advice(res, mapping, authored, due)]


def _accepted(res: Resource, mapping: HealthMapping, authored: Any, due: Any) -> Fact:
    wait = (_day(due) - _day(authored)).days // 7 if due else None  # type: ignore[operator]
    payload = {
        "referral_id": ref_id(res.get("focus")) or None,
        "service": _service(res.get("performerType"), mapping, "Task.performerType"),
        "accepted_date": _day(authored),
        "expected_wait_weeks": wait,
    }
    return Fact("HealthReferralAccepted", payload, authored, {"referral_id": "Task.focus"})


def _advice(res: Resource, mapping: HealthMapping, authored: Any, due: Any) -> Fact:
    idents = [i for i in res.get("identifier", []) or [] if isinstance(i, dict)]
    done = fhir_date(
        (res.get("executionPeriod") or {}).get("end"),
        "Task.executionPeriod.end",
        required=res.get("status") == "completed",
    )
    reason = ((res.get("statusReason") or {}).get("coding") or [{}])[0].get("code")
    if reason and reason not in mapping.exception:
        raise FieldProblem("Task.statusReason", f"unknown code {reason!r}")
    payload = {
        "advice_request_id": idents[0].get("value") if idents else None,
        "requested_date": _day(authored),
        "due_date": _day(due),
        "provided_date": _day(done),
        "exception_code": mapping.exception.get(reason) if reason else None,
        "provider_role": (res.get("owner") or {}).get("display"),
    }
    group = (res.get("groupIdentifier") or {}).get("value")
    origin = {"advice_request_id": "Task.identifier"}
    return Fact("HealthAdviceForEHC", payload, done or authored, origin, clock_id=group)


def questionnaire_response(res: Resource, mapping: HealthMapping) -> list[Fact] | str:
    asq = mapping.asq3
    if asq.questionnaire_marker not in str(res.get("questionnaire", "")).lower():
        return "questionnaire is not the 2-2.5 year review"
    if res.get("status") not in ("completed", "amended"):
        return f"questionnaire response with status {res.get('status')!r}"
    answers = {}
    for item in res.get("item", []) or []:
        values = [a for a in (item or {}).get("answer", []) or [] if isinstance(a, dict)]
        if values:
            answers[item.get("linkId")] = values[0]
    scores = {name: answers.get(link, {}).get("valueInteger") for link, name in asq.domains.items()}
    outcome = str((answers.get(asq.outcome_item, {}).get("valueCoding") or {}).get("code", ""))
    authored = fhir_date(res.get("authored"), "QuestionnaireResponse.authored")
    age = answers.get(asq.age_item, {}).get("valueInteger")
    return [_review(scores, outcome, authored, age, mapping, "QuestionnaireResponse.item")]


def observation(res: Resource, mapping: HealthMapping) -> list[Fact] | str:
    asq = mapping.asq3
    coding = code_in(res.get("code"), mapping.systems["asq3"])
    if (coding or {}).get("code") != asq.observation_code:
        return "observation is not the 2-2.5 year review"
    scores: dict[str, Any] = dict.fromkeys(asq.domains.values())
    for component in res.get("component", []) or []:
        code = (code_in((component or {}).get("code"), mapping.systems["asq3"]) or {}).get("code")
        if code in asq.domains:
            scores[asq.domains[code]] = component.get("valueInteger")
    interpretation = code_in(res.get("interpretation"), mapping.systems["asq3"]) or {}
    when = fhir_date(res.get("effectiveDateTime"), "Observation.effectiveDateTime")
    outcome = str(interpretation.get("code", ""))
    return [_review(scores, outcome, when, None, mapping, "Observation.interpretation")]


def _review(
    scores: dict[str, Any], outcome: str, when: Any, age: Any, mapping: HealthMapping, path: str
) -> Fact:
    if outcome not in mapping.asq3.outcomes:
        raise FieldProblem(path, f"unknown review outcome {outcome!r}")
    payload = {
        "review_date": _day(when),
        "age_months": age,
        "asq3": scores,
        "outcome": mapping.asq3.outcomes[outcome],
    }
    return Fact("HealthReview2Year", payload, when, {"asq3": path})


HANDLERS: dict[str, Handler] = {
    "ServiceRequest": service_request,
    "Appointment": appointment,
    "Encounter": encounter,
    "Condition": condition,
    "Task": task,
    "QuestionnaireResponse": questionnaire_response,
    "Observation": observation,
}
