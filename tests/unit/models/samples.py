"""Synthetic samples of every contract model with every field set (no real people).

Shared by the model and serde tests: one payload per event type, one envelope per agency
kind, a consent grant and an identity review decision.
"""

from datetime import UTC, date, datetime

from hub import models as m
from hub.models import EventType as T

__all__ = [
    "PAYLOADS",
    "SOURCES",
    "consent_record",
    "review_decision",
    "sample_event",
    "subject",
]

D = date(2025, 1, 6)
D2 = date(2025, 2, 17)
AT = datetime(2025, 1, 6, 9, 30, 15, 250_000, tzinfo=UTC)
NEEDS = (
    m.RankedNeed(need_type=m.NeedType.SLCN, rank=1),
    m.RankedNeed(need_type=m.NeedType.ASD, rank=2),
)
SETTING = m.Placement(
    urn="119000",
    ukprn="10012345",
    sen_setting=m.SENSetting.OTH,
    sen_unit=True,
    resourced_provision=True,
)
EXC = m.ExceptionCode.FAMILY_ABSENT_4_WEEKS

PAYLOADS: dict[T, m.PayloadModel] = {
    T.PupilEnrolled: m.PupilEnrolled(
        urn="119000", entry_date=D, year_group="R", sen_provision=m.SENProvision.K
    ),
    T.PupilLeft: m.PupilLeft(
        urn="119000", leaving_date=D, destination_urn="119001", reason="moved area"
    ),
    T.AttendanceSummary: m.AttendanceSummary(
        urn="119000",
        week_start=D,
        possible_sessions=10,
        attended_sessions=7,
        authorised_absence_sessions=2,
        unauthorised_absence_sessions=1,
        absences=(m.AbsenceCount(code="I", sessions=2), m.AbsenceCount(code="O", sessions=1)),
        persistent_absence=True,
        late_sessions=1,
    ),
    T.Suspension: m.Suspension(
        urn="119000", start_date=D, sessions=4, reason=m.ExclusionReason.PD, end_date=D2
    ),
    T.Exclusion: m.Exclusion(urn="119000", start_date=D, reason=m.ExclusionReason.PA),
    T.SENSupportStarted: m.SENSupportStarted(
        urn="119000", start_date=D, provision=m.SENProvision.K, needs=NEEDS, next_review_date=D2
    ),
    T.SENSupportEnded: m.SENSupportEnded(
        urn="119000", end_date=D, provision_after=m.SENProvision.E
    ),
    T.SENNeedChanged: m.SENNeedChanged(
        urn="119000",
        effective_date=D,
        provision=m.SENProvision.K,
        needs=NEEDS[:1],
        next_review_date=D2,
    ),
    T.EHCNARequested: m.EHCNARequested(
        received_date=D,
        request_source=m.RequestSource.EDUCATION_SETTING,
        in_youth_custody=True,
        due_date=D2,
    ),
    T.EHCAssessDecision: m.EHCAssessDecision(
        decision=m.AssessDecision.ASSESS,
        decision_date=D2,
        exception_code=EXC,
        mediation=True,
        tribunal=True,
    ),
    T.EHCAdviceRequested: m.EHCAdviceRequested(
        advice_request_id="ADV-1",
        advice_type=m.AdviceType.HEALTH,
        adviser_org_code="RXN",
        requested_date=D,
        due_date=D2,
    ),
    T.EHCAdviceReceived: m.EHCAdviceReceived(
        advice_request_id="ADV-1",
        advice_type=m.AdviceType.HEALTH,
        received_date=D2,
        exception_code=EXC,
    ),
    T.EHCIssueDecision: m.EHCIssueDecision(
        decision=m.IssueDecision.NOT_ISSUE,
        decision_date=D2,
        exception_code=EXC,
        mediation=True,
        tribunal=True,
    ),
    T.EHCDraftIssued: m.EHCDraftIssued(draft_date=D, representations_due=D2),
    T.EHCFinalIssued: m.EHCFinalIssued(
        final_date=D2,
        request_received_date=D,
        twenty_week_exception=True,
        exception_code=EXC,
        needs=NEEDS,
        named_setting=SETTING,
        residential=True,
        work_based=True,
    ),
    T.EHCReviewHeld: m.EHCReviewHeld(
        meeting_date=D, review_kind=m.ReviewKind.PHASE_TRANSFER, pfa_covered=True, decision_due=D2
    ),
    T.EHCReviewDecision: m.EHCReviewDecision(
        meeting_date=D,
        decision=m.EHCReviewOutcome.AMEND,
        decision_date=D2,
        amended_sections=(m.PlanSection.B, m.PlanSection.F),
    ),
    T.EHCAmended: m.EHCAmended(
        notice_date=D, final_date=D2, amended_sections=(m.PlanSection.I,), named_setting=SETTING
    ),
    T.EHCCeased: m.EHCCeased(
        cease_date=D2, cease_reason=m.CeaseReason.MOVED_OUTSIDE_ENGLAND, notice_date=D
    ),
    T.EHCPhaseTransfer: m.EHCPhaseTransfer(
        transfer_kind=m.PhaseTransferKind.PRIMARY_TO_SECONDARY,
        due_date=date(2025, 2, 15),
        final_date=D2,
        named_setting=SETTING,
        transfer_year=2025,
    ),
    T.HealthReview2Year: m.HealthReview2Year(
        review_date=D,
        age_months=27,
        asq3=m.Asq3Scores(
            communication=25, gross_motor=50, fine_motor=45, problem_solving=40, personal_social=35
        ),
        outcome=m.DevelopmentOutcome.REFER,
    ),
    T.HealthReferralMade: m.HealthReferralMade(
        referral_id="REF-1",
        service=m.HealthService.SALT,
        referral_date=D,
        urgency=m.Urgency.URGENT,
        referrer_role="health visitor",
    ),
    T.HealthReferralAccepted: m.HealthReferralAccepted(
        referral_id="REF-1", service=m.HealthService.SALT, accepted_date=D2, expected_wait_weeks=18
    ),
    T.AppointmentAttended: m.AppointmentAttended(
        appointment_id="APT-1",
        service=m.HealthService.PAEDIATRICS,
        appointment_date=D,
        outcome=m.AppointmentOutcome.FOLLOW_UP,
    ),
    T.AppointmentWasNotBrought: m.AppointmentWasNotBrought(
        appointment_id="APT-2", service=m.HealthService.OT, appointment_date=D, rebooked=True
    ),
    T.Diagnosis: m.Diagnosis(
        snomed_code="35919005",
        display="Pervasive developmental disorder",
        diagnosis_date=D,
        clinician_role="PAED",
        service=m.HealthService.NEURODEVELOPMENTAL,
    ),
    T.HealthAdviceForEHC: m.HealthAdviceForEHC(
        advice_request_id="ADV-1",
        requested_date=D,
        due_date=D2,
        provided_date=D2,
        exception_code=EXC,
        provider_role="DCO",
    ),
    T.SocialCareContact: m.SocialCareContact(
        contact_id="C-1",
        contact_date=D,
        source=m.ContactSource.SCHOOL,
        decision_date=D,
        outcome=m.ContactOutcome.REFERRAL,
    ),
    T.SocialCareReferralAccepted: m.SocialCareReferralAccepted(
        referral_id="R-1",
        referral_date=D,
        source=m.ContactSource.HEALTH,
        primary_need=m.PrimaryNeed.CHILD_DISABILITY,
        decision_date=D,
    ),
    T.EarlyHelpStarted: m.EarlyHelpStarted(
        episode_id="EH-1",
        start_date=D,
        lead_practitioner_role="family support worker",
        family_id="FAM-1",
    ),
    T.EarlyHelpClosed: m.EarlyHelpClosed(
        episode_id="EH-1", end_date=D2, outcome=m.EarlyHelpOutcome.NEEDS_MET
    ),
    T.CINAssessment: m.CINAssessment(
        assessment_id="A-1",
        start_date=D,
        authorised_date=D2,
        factors=("1B", "21"),
        outcome=m.AssessmentOutcome.CIN_PLAN,
    ),
    T.CINPlanStarted: m.CINPlanStarted(plan_id="CIN-1", start_date=D),
    T.CINPlanEnded: m.CINPlanEnded(plan_id="CIN-1", end_date=D2),
    T.S47Started: m.S47Started(enquiry_id="S47-1", start_date=D, strategy_discussion_date=D),
    T.InitialCPConference: m.InitialCPConference(
        enquiry_id="S47-1", conference_date=D2, cp_plan=True
    ),
    T.CPPlanStarted: m.CPPlanStarted(
        plan_id="CP-1", start_date=D2, category_of_abuse=m.AbuseCategory.NEGLECT
    ),
    T.CPPlanEnded: m.CPPlanEnded(
        plan_id="CP-1", end_date=D2, category_of_abuse=m.AbuseCategory.MULTIPLE
    ),
    T.LookedAfterStarted: m.LookedAfterStarted(
        episode_id="LA-1",
        start_date=D,
        legal_status=m.LegalStatus.C2,
        placement_type=m.PlacementType.FOSTER_CARE,
        placement_code="U4",
        virtual_school_notified=True,
    ),
    T.LookedAfterEnded: m.LookedAfterEnded(episode_id="LA-1", end_date=D2, reason_ceased="E13"),
    T.ShortBreakStarted: m.ShortBreakStarted(
        episode_id="SB-1",
        start_date=D,
        break_type=m.ShortBreakType.OVERNIGHT_RESIDENTIAL,
        hours_per_week=7.5,
    ),
    T.ShortBreakEnded: m.ShortBreakEnded(episode_id="SB-1", end_date=D2),
    T.SocialCareAdviceForEHC: m.SocialCareAdviceForEHC(
        advice_request_id="ADV-2",
        requested_date=D,
        due_date=D2,
        provided_date=D2,
        exception_code=EXC,
        provider_role="DSCO",
    ),
    T.EHCResponsibilityStarted: m.EHCResponsibilityStarted(
        responsible_from=D, plan_in_place=True, from_la="889", request_received_date=D
    ),
    T.EHCReviewInvited: m.EHCReviewInvited(
        meeting_date=D2, invited_date=D, review_kind=m.ReviewKind.ANNUAL
    ),
    T.EHCReviewAdviceCirculated: m.EHCReviewAdviceCirculated(meeting_date=D2, circulated_date=D),
    T.EHCReviewReport: m.EHCReviewReport(meeting_date=D, report_date=D2),
    T.EHCAmendmentNotice: m.EHCAmendmentNotice(
        notice_date=D,
        meeting_date=D,
        amended_sections=(m.PlanSection.B, m.PlanSection.F),
        representations_due=D2,
    ),
    T.EHCAmendedDraft: m.EHCAmendedDraft(draft_date=D2, notice_date=D),
    T.EHCCeaseProposed: m.EHCCeaseProposed(proposed_date=D, cease_reason=m.CeaseReason.NEEDS_MET),
    T.EHCCeaseNotice: m.EHCCeaseNotice(
        notice_date=D, cease_reason=m.CeaseReason.NEEDS_MET, appeal_deadline=D2
    ),
    T.EHCMediationAdvice: m.EHCMediationAdvice(
        decision_date=D, contacted_date=D2, mediation_wanted=True
    ),
    T.EHCMediationCertificate: m.EHCMediationCertificate(
        decision_date=D, certificate_date=D2, mediation_held=True
    ),
    T.EHCAppealLodged: m.EHCAppealLodged(decision_date=D, lodged_date=D2, placement_only=True),
    T.EHCTribunalOrder: m.EHCTribunalOrder(
        order_date=D2, order_kind=m.TribunalOrderKind.MAKE_PLAN, appeal_decision_date=D
    ),
}

SOURCES: dict[m.AgencyKind, m.Source] = {
    kind: m.Source(
        agency_kind=kind, org_code=org, system=system, source_record_id="rec-42", record_version=3
    )
    for kind, org, system in [
        (m.AgencyKind.EDUCATION, "119000", "SIMS"),
        (m.AgencyKind.LOCAL_AUTHORITY, "888", "CapitaOne"),
        (m.AgencyKind.HEALTH, "RXN", "SystmOne"),
        (m.AgencyKind.SOCIAL_CARE, "888", "Mosaic"),
    ]
}


def subject() -> m.Subject:
    """A synthetic child with every identifier set (valid-format test numbers)."""
    return m.Subject(
        source_person_id="P-1001",
        nhs_number="9434765919",
        nhs_number_verified=m.NhsNumberStatus.NUMBER_PRESENT_AND_VERIFIED,
        upn="B801200005001",
        former_upn="A801200005002",
        uln="9276308686",
        given_name="Ada",
        family_name="Example",
        other_names=("Grace", "Testcase"),
        date_of_birth=date(2019, 3, 1),
        sex=m.Sex.FEMALE,
        postcode="PR1 2AB",
        address="1 Test Street, Preston",
    )


def sample_event(event_type: T, **overrides: object) -> m.Event:
    """An event of ``event_type`` from the agency that publishes it, every field set."""
    info = m.EVENT_TYPES[event_type]
    event = m.build_event(
        PAYLOADS[event_type],
        source=SOURCES[info.agency_kind],
        subject=subject(),
        occurred_at=AT,
        recorded_at=AT,
        case_id="CASE-7",
        clock_id="CLOCK-7",
    )
    return event.model_copy(update=overrides) if overrides else event


# Every basis field set, so the round trip covers them all.
BASIS = m.LawfulBasis(
    kind=m.BasisKind.STATUTORY,
    giver="parent",
    giver_role=m.GiverRole.PR_HOLDER,
    evidence="letter",
    citation="CFA s.31; Regs 6,8",
    practitioner="EHC coordinator",
    rationale="EHC needs assessment",
)


def consent_record() -> m.ConsentRecord:
    """A statutory grant bound to an EHC needs assessment."""
    return m.ConsentRecord(
        consent_id="CONS-1",
        action=m.ConsentAction.GRANT,
        source=SOURCES[m.AgencyKind.LOCAL_AUTHORITY],
        subject=subject(),
        categories=(m.DataCategory.SEN, m.DataCategory.HEALTH),
        purposes=(m.Purpose.STATUTORY_EHC,),
        recipient=m.Recipient(
            org_code="RXN",
            org_code_kind=m.OrgCodeKind.ODS,
            role=m.RecipientRole.DCO,
            active_involvement=True,
        ),
        basis=BASIS,
        valid_from=AT,
        valid_to=datetime(2026, 1, 6, tzinfo=UTC),
        bound_to=m.BoundTo(kind=m.BoundKind.EHCNA, ref="CASE-7"),
        review_due=D2,
        recorded_at=AT,
        recorded_by="EHC coordinator",
    )


def review_decision() -> m.IdentityReviewDecision:
    """A reviewer linking a school record and a health record."""
    return m.IdentityReviewDecision(
        review_id="REV-1",
        records=(
            m.RecordRef(
                agency_kind=m.AgencyKind.EDUCATION,
                org_code="119000",
                system="SIMS",
                source_person_id="P-1001",
            ),
            m.RecordRef(
                agency_kind=None, org_code="RXN", system="SystmOne", source_person_id="H-77"
            ),
        ),
        child_id="CH-1",
        decision=m.LinkDecision.LINK,
        decided_by="reviewer-3",
        decided_at=AT,
        reason="same NHS number, DOB and postcode",
    )
