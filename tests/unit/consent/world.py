"""Synthetic worlds for the consent tests: a child's events and consent records, built by name.

Every event is about the same synthetic child; dates are plain ``date``s, turned into UTC
noon timestamps (the same day in England all year).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hub import models as m
from hub.consent import ConsentState, Relationships
from hub.models import EventType as T
from tests.unit.models.samples import PAYLOADS

AGENCY_OF_ORG_KIND = {
    "school": m.AgencyKind.EDUCATION,
    "la": m.AgencyKind.LOCAL_AUTHORITY,
    "health": m.AgencyKind.HEALTH,
    "social": m.AgencyKind.SOCIAL_CARE,
}


def noon(day: date) -> datetime:
    """Midday UTC on ``day``."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def subject(dob: date | None) -> m.Subject:
    return m.Subject(source_person_id="P-1", date_of_birth=dob, given_name="Test")


_SEQ = iter(range(1, 10**9))


def event(
    payload: m.PayloadModel,
    org: str,
    day: date,
    *,
    dob: date | None = date(2015, 5, 1),
    case_id: str | None = None,
    category: m.DataCategory | None = None,
) -> m.Event:
    """An event about the test child published by ``org`` on ``day``."""
    agency = m.EVENT_TYPES[payload.EVENT_TYPE].agency_kind
    source = m.Source(
        agency_kind=agency,
        org_code=org,
        system="SYS",
        source_record_id=f"R{next(_SEQ)}",
        record_version=1,
    )
    return m.build_event(
        payload,
        source=source,
        subject=subject(dob),
        occurred_at=noon(day),
        recorded_at=noon(day),
        case_id=case_id,
        category=category,
    )


def enrolled(urn: str, day: date, **kw: object) -> m.Event:
    return event(m.PupilEnrolled(urn=urn, entry_date=day), urn, day, **kw)  # type: ignore[arg-type]


def left(urn: str, day: date, **kw: object) -> m.Event:
    return event(m.PupilLeft(urn=urn, leaving_date=day), urn, day, **kw)  # type: ignore[arg-type]


def ehc_requested(la: str, case: str, day: date, dob: date | None = date(2015, 5, 1)) -> m.Event:
    return event(m.EHCNARequested(received_date=day), la, day, case_id=case, dob=dob)


def assess_decision(la: str, case: str, day: date, decision: m.AssessDecision) -> m.Event:
    payload = m.EHCAssessDecision(decision=decision, decision_date=day)
    return event(payload, la, day, case_id=case)


def final_plan(la: str, case: str, day: date) -> m.Event:
    return event(m.EHCFinalIssued(final_date=day), la, day, case_id=case)


def ceased(la: str, case: str, day: date) -> m.Event:
    payload = m.EHCCeased(cease_date=day, cease_reason=m.CeaseReason.NEEDS_MET)
    return event(payload, la, day, case_id=case)


def advice_requested(la: str, case: str, adviser: str, day: date) -> m.Event:
    payload = m.EHCAdviceRequested(
        advice_request_id=f"A-{adviser}",
        requested_date=day,
        advice_type=m.AdviceType.HEALTH,
        adviser_org_code=adviser,
    )
    return event(payload, la, day, case_id=case)


def referral(org: str, day: date) -> m.Event:
    payload = m.HealthReferralMade(
        referral_id="REF-1",
        service=m.HealthService.SALT,
        referral_date=day,
        urgency=m.Urgency.ROUTINE,
    )
    return event(payload, org, day)


def discharged(org: str, day: date) -> m.Event:
    payload = m.AppointmentAttended(
        appointment_id="AP-1",
        service=m.HealthService.SALT,
        appointment_date=day,
        outcome=m.AppointmentOutcome.DISCHARGED,
    )
    return event(payload, org, day)


def cin_plan(org: str, day: date) -> m.Event:
    return event(m.CINPlanStarted(plan_id="CIN-1", start_date=day), org, day)


def s47(org: str, day: date) -> m.Event:
    return event(m.S47Started(enquiry_id="S47-1", start_date=day), org, day)


def entry(event_type: T, *, category: m.DataCategory | None = None) -> m.Event:
    """A sample entry of ``event_type`` (content irrelevant to who may see it)."""
    info = m.EVENT_TYPES[event_type]
    org = {"EDUCATION": "100001", "HEALTH": "RXN", "SOCIAL_CARE": "888", "LOCAL_AUTHORITY": "888"}[
        info.agency_kind.value
    ]
    return event(PAYLOADS[event_type], org, date(2026, 1, 5), category=category)


def record(
    action: m.ConsentAction, *, consent_id: str, org: str, role: str, basis: m.LawfulBasis,
    categories: tuple[m.DataCategory, ...] = tuple(m.DataCategory),
    purposes: tuple[m.Purpose, ...] = tuple(m.Purpose), recorded: date = date(2026, 1, 2),
    valid_from: date = date(2026, 1, 1), valid_to: date | None = None,
    bound_to: m.BoundTo | None = None,
) -> m.ConsentRecord:  # fmt: skip
    """A consent record about the test child to ``org`` / ``role``."""
    source = m.Source(agency_kind=m.AgencyKind.LOCAL_AUTHORITY, org_code="888", system="CONS",
                      source_record_id=consent_id, record_version=1)  # fmt: skip
    recipient = m.Recipient(org_code=org, org_code_kind=m.OrgCodeKind.LA,
                            role=m.RecipientRole(role))  # fmt: skip
    return m.ConsentRecord(
        consent_id=consent_id, action=action, source=source, subject=subject(None),
        categories=categories, purposes=purposes, recipient=recipient, basis=basis,
        valid_from=noon(valid_from), valid_to=noon(valid_to) if valid_to else None,
        bound_to=bound_to, recorded_at=noon(recorded) + timedelta(minutes=next(_SEQ) % 600),
    )  # fmt: skip


def consent_basis(giver_role: m.GiverRole, evidence: str | None = "signed form") -> m.LawfulBasis:
    return m.LawfulBasis(
        kind=m.BasisKind.CONSENT, giver="the giver", giver_role=giver_role, evidence=evidence
    )


def safeguarding_basis() -> m.LawfulBasis:
    return m.LawfulBasis(
        kind=m.BasisKind.SAFEGUARDING,
        practitioner="team manager",
        rationale="risk of significant harm",
    )


def statutory_basis() -> m.LawfulBasis:
    return m.LawfulBasis(kind=m.BasisKind.STATUTORY, citation="CFA 2014 s.31")


def rels(*events: m.Event) -> Relationships:
    return Relationships.from_events(events)


def consents(*records: m.ConsentRecord) -> ConsentState:
    return ConsentState.from_records(records)
