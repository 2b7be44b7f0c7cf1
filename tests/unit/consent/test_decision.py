"""The access decision, scenario by scenario: each outcome with its basis and its reason."""

from dataclasses import dataclass
from datetime import date, timedelta

from hub.consent import BreakGlass, ConsentState, Outcome, ReasonClass, Relationships, decide
from hub.files.policy import load_policy
from hub.models import AssessDecision, ConsentAction, DataCategory, GiverRole, Purpose
from hub.models import EventType as T
from tests.unit.consent import world as w

POLICY = load_policy()
DAY = date(2026, 5, 4)
NOW = w.noon(DAY)


@dataclass(frozen=True)
class Who:
    subject: str
    org: str
    role: str


SENCO = Who("s1", "100001", "SENCO")
OTHER_SENCO = Who("s2", "100099", "SENCO")
COORD = Who("c1", "888", "EHC_COORD")
PAED = Who("p1", "RXN", "PAED")
SW = Who("w1", "888", "SW")
DSL = Who("d1", "100001", "DSL")


def _on_roll() -> Relationships:
    return w.rels(w.enrolled("100001", date(2025, 9, 3), dob=date(2015, 5, 1)))


def _ehc(*extra: object) -> Relationships:
    return w.rels(w.ehc_requested("888", "C1", date(2026, 3, 2)), *extra)  # type: ignore[arg-type]


def test_a_school_with_the_child_on_roll_sees_education_in_full_and_health_in_outline() -> None:
    edu = decide(
        POLICY,
        ConsentState(),
        _on_roll(),
        SENCO,
        Purpose.DIRECT_CARE,
        w.entry(T.AttendanceSummary),
        NOW,
    )
    assert edu.outcome is Outcome.ALLOW and edu.permit == "school-on-roll"
    assert edu.reason == "direct care: ON_ROLL at 100001 since 2025-09-03"
    health = decide(
        POLICY, ConsentState(), _on_roll(), SENCO, Purpose.DIRECT_CARE, w.entry(T.Diagnosis), NOW
    )
    assert health.outcome is Outcome.ALLOW_THIN
    cp = decide(
        POLICY,
        ConsentState(),
        _on_roll(),
        SENCO,
        Purpose.DIRECT_CARE,
        w.entry(T.CPPlanStarted),
        NOW,
    )
    assert cp.outcome is Outcome.DENY and cp.reason_class is ReasonClass.NOT_IN_POLICY


def test_an_unrelated_school_gets_nothing_not_even_the_childs_identity() -> None:
    for item in (DataCategory.IDENTITY, w.entry(T.S47Started), w.entry(T.AttendanceSummary)):
        d = decide(POLICY, ConsentState(), _on_roll(), OTHER_SENCO, Purpose.DIRECT_CARE, item, NOW)
        assert d.outcome is Outcome.DENY


def test_ops_and_admin_see_no_child_data_whatever_the_purpose() -> None:
    for role in ("OPS", "ADMIN"):
        for purpose in Purpose:
            d = decide(
                POLICY,
                ConsentState(),
                _ehc(),
                Who("o", "888", role),
                purpose,
                DataCategory.IDENTITY,
                NOW,
            )
            assert d.reason_class is ReasonClass.ROLE_SEES_NO_CHILD_DATA


def test_the_la_sees_an_open_assessment_on_its_statutory_duty_with_the_citation() -> None:
    d = decide(
        POLICY, ConsentState(), _ehc(), COORD, Purpose.STATUTORY_EHC, w.entry(T.EHCNARequested), NOW
    )
    assert d.outcome is Outcome.ALLOW
    assert d.reason == (
        "statutory: CFA 2014 s.28, s.31; SEND Regs 2014 regs 6, 8, "
        "EHC needs assessment opened 2026-03-02"
    )
    advice = decide(
        POLICY,
        ConsentState(),
        _ehc(),
        COORD,
        Purpose.STATUTORY_EHC,
        w.entry(T.HealthAdviceForEHC),
        NOW,
    )
    assert advice.outcome is Outcome.ALLOW and advice.permit == "ehc-la-advice"
    other = decide(
        POLICY, ConsentState(), _ehc(), COORD, Purpose.STATUTORY_EHC, w.entry(T.Diagnosis), NOW
    )
    assert other.outcome is Outcome.ALLOW_THIN


def test_a_statutory_basis_lapses_when_the_case_closes() -> None:
    closed = _ehc(w.assess_decision("888", "C1", date(2026, 4, 10), AssessDecision.NOT_ASSESS))
    d = decide(
        POLICY, ConsentState(), closed, COORD, Purpose.STATUTORY_EHC, w.entry(T.EHCNARequested), NOW
    )
    assert d.outcome is Outcome.DENY and d.reason_class is ReasonClass.NO_OPEN_CASE
    assert "closed on 2026-04-10" in d.reason


def test_another_la_is_not_part_of_the_case() -> None:
    d = decide(
        POLICY,
        ConsentState(),
        _ehc(),
        Who("c2", "889", "EHC_COORD"),
        Purpose.STATUTORY_EHC,
        w.entry(T.EHCNARequested),
        NOW,
    )
    assert d.reason_class is ReasonClass.NO_RELATIONSHIP


def test_an_objection_to_a_statutory_flow_is_shown_and_the_flow_continues() -> None:
    objection = w.record(
        ConsentAction.OBJECT,
        consent_id="O1",
        org="888",
        role="EHC_COORD",
        basis=w.consent_basis(GiverRole.PR_HOLDER),
    )
    d = decide(
        POLICY,
        w.consents(objection),
        _ehc(),
        COORD,
        Purpose.STATUTORY_EHC,
        w.entry(T.EHCNARequested),
        NOW,
    )
    assert d.outcome is Outcome.ALLOW
    assert d.objection is not None and "Art 21" in d.objection and "continues" in d.objection


def test_an_objection_to_direct_care_restricts_to_an_outline() -> None:
    objection = w.record(
        ConsentAction.OBJECT,
        consent_id="O1",
        org="100001",
        role="SENCO",
        basis=w.consent_basis(GiverRole.PR_HOLDER),
    )
    d = decide(
        POLICY,
        w.consents(objection),
        _on_roll(),
        SENCO,
        Purpose.DIRECT_CARE,
        w.entry(T.AttendanceSummary),
        NOW,
    )
    assert d.outcome is Outcome.ALLOW_THIN and d.objection is not None


def _grant(giver: GiverRole = GiverRole.PR_HOLDER, **kw: object) -> object:
    return w.record(
        ConsentAction.GRANT,
        consent_id="G1",
        org="RXN",
        role="PAED",
        basis=w.consent_basis(giver),
        **kw,
    )  # type: ignore[arg-type]


def test_consent_from_the_parent_lets_a_clinician_see_school_records_until_withdrawn() -> None:
    grant = _grant()
    child = w.rels(w.referral("RXX", date(2026, 1, 5)))  # a clinician elsewhere, not this one
    attendance = w.entry(T.AttendanceSummary)
    d = decide(POLICY, w.consents(grant), child, PAED, Purpose.DIRECT_CARE, attendance, NOW)  # type: ignore[arg-type]  # fmt: skip
    assert d.outcome is Outcome.ALLOW and d.basis == "CONSENT"
    assert d.reason == (
        "consent: given by a parent with parental responsibility, recorded 2026-01-02"
    )
    basis = w.consent_basis(GiverRole.PR_HOLDER)
    withdrawal = w.record(ConsentAction.WITHDRAW, consent_id="G1", org="RXN", role="PAED",
                          basis=basis, recorded=date(2026, 5, 3))  # fmt: skip
    both = w.consents(grant, withdrawal)  # type: ignore[arg-type]
    d = decide(POLICY, both, child, PAED, Purpose.DIRECT_CARE, attendance, NOW)
    assert d.outcome is Outcome.DENY and d.reason_class is ReasonClass.WITHDRAWN
    assert d.reason == "consent withdrawn on 2026-05-03"


def test_a_childs_consent_stops_counting_for_send_data_and_starts_for_the_young_person() -> None:
    dob = date(2010, 2, 14)  # end of compulsory school age: Friday 26 June 2026
    child = w.rels(
        w.ehc_requested("888", "C1", date(2026, 3, 2), dob=dob),
        w.enrolled("100099", date(2025, 9, 1), dob=dob),
    )
    parent, yp = (
        _grant(),
        w.record(
            ConsentAction.GRANT,
            consent_id="G2",
            org="RXN",
            role="PAED",
            basis=w.consent_basis(GiverRole.YOUNG_PERSON),
        ),
    )
    sen = w.entry(T.SENSupportStarted)
    before, after = w.noon(date(2026, 6, 26)), w.noon(date(2026, 6, 29))
    assert decide(POLICY, w.consents(parent), child, PAED, Purpose.DIRECT_CARE, sen, before).allowed  # type: ignore[arg-type]
    late = decide(POLICY, w.consents(parent), child, PAED, Purpose.DIRECT_CARE, sen, after)  # type: ignore[arg-type]
    assert late.reason_class is ReasonClass.WRONG_DECIDER
    assert not decide(POLICY, w.consents(yp), child, PAED, Purpose.DIRECT_CARE, sen, before).allowed
    assert decide(POLICY, w.consents(yp), child, PAED, Purpose.DIRECT_CARE, sen, after).allowed
    # The LA's statutory access runs on across the date.
    for now in (before, after):
        assert decide(POLICY, ConsentState(), child, COORD, Purpose.STATUTORY_EHC, sen, now).allowed


def test_the_national_opt_out_stops_health_data_for_research_even_with_consent() -> None:
    grant = _grant()
    opt = w.record(
        ConsentAction.OPT_OUT,
        consent_id="N1",
        org="RXN",
        role="PAED",
        basis=w.consent_basis(GiverRole.PR_HOLDER),
    )
    child = w.rels(w.enrolled("100099", date(2025, 9, 1)))
    health, edu = w.entry(T.Diagnosis), w.entry(T.AttendanceSummary)
    assert decide(POLICY, w.consents(grant), child, PAED, Purpose.RESEARCH, health, NOW).allowed  # type: ignore[arg-type]
    out = decide(POLICY, w.consents(grant, opt), child, PAED, Purpose.RESEARCH, health, NOW)  # type: ignore[arg-type]
    assert out.reason_class is ReasonClass.OPTED_OUT
    assert decide(POLICY, w.consents(grant, opt), child, PAED, Purpose.RESEARCH, edu, NOW).allowed  # type: ignore[arg-type]
    assert decide(
        POLICY, w.consents(grant, opt), child, PAED, Purpose.DIRECT_CARE, health, NOW
    ).allowed  # type: ignore[arg-type]


def test_safeguarding_needs_a_rationale_and_break_glass_is_personal_and_time_limited() -> None:
    child = _on_roll()
    cp = w.entry(T.S47Started)
    no = decide(POLICY, ConsentState(), child, DSL, Purpose.SAFEGUARDING, cp, NOW)
    assert no.reason_class is ReasonClass.NO_RATIONALE
    state = ConsentState()
    state.add_break_glass(
        BreakGlass("d1", "100001", "DSL", "disclosure", NOW, NOW + timedelta(hours=4))
    )
    yes = decide(POLICY, state, child, DSL, Purpose.SAFEGUARDING, cp, NOW)
    assert yes.outcome is Outcome.ALLOW and "break-glass" in yes.reason
    assert not decide(
        POLICY, state, child, Who("d2", "100001", "DSL"), Purpose.SAFEGUARDING, cp, NOW
    ).allowed
    assert not decide(
        POLICY, state, child, DSL, Purpose.SAFEGUARDING, cp, NOW + timedelta(hours=4)
    ).allowed
    assert not decide(POLICY, state, child, SENCO, Purpose.SAFEGUARDING, cp, NOW).allowed


def test_a_social_worker_with_an_open_s47_enquiry_reads_for_safeguarding() -> None:
    child = w.rels(w.s47("888", date(2026, 4, 1)))
    d = decide(POLICY, ConsentState(), child, SW, Purpose.SAFEGUARDING, w.entry(T.Diagnosis), NOW)
    assert d.outcome is Outcome.ALLOW and "open since 2026-04-01" in d.reason


def test_sealed_entries_need_a_grant_that_names_sealed() -> None:
    sealed = w.entry(T.AppointmentAttended, category=DataCategory.SEALED)
    child = w.rels(w.referral("RXN", date(2026, 1, 5)))
    assert not decide(POLICY, ConsentState(), child, PAED, Purpose.DIRECT_CARE, sealed, NOW).allowed
    narrow = _grant(categories=(DataCategory.HEALTH,))
    assert not decide(
        POLICY, w.consents(narrow), child, PAED, Purpose.DIRECT_CARE, sealed, NOW
    ).allowed  # type: ignore[arg-type]
    assert decide(
        POLICY, w.consents(_grant()), child, PAED, Purpose.DIRECT_CARE, sealed, NOW
    ).allowed  # type: ignore[arg-type]
