"""School MIS, social care and SEN case-system CSV exports, good and malformed rows."""

from datetime import date

import pytest

from connectors import make_adapter
from connectors.records import FileRejected
from tests.unit.connectors.helpers import FIXTURES, read


def test_pupils_export_gives_enrolments_and_leavers_and_rejects_bad_rows() -> None:
    result = read("school", "school_pupils.csv", system="SIMS")
    assert result.types() == ["PupilEnrolled", "PupilEnrolled", "PupilLeft"]
    assert result.rejects() == [
        (4, "NHS Number"),
        (5, "DOB"),
        (6, "Gender;SEN Provision"),
        (7, "UPN"),
    ]
    assert "check digit" in result.errors[0].reason
    assert "31/02/2019" in result.errors[1].reason
    first = result.events[0]
    assert first.source.org_code == "119117" and first.source.system == "SIMS"
    assert first.subject.source_person_id == "000123"
    assert first.subject.given_name == "Alfred"
    assert first.subject.other_names == ("Alfie", "James")  # nickname kept for matching
    assert first.subject.nhs_number is None  # schools often hold none
    assert first.payload.entry_date == date(2021, 9, 3)
    assert first.case_id is None


def test_attendance_rejects_impossible_sessions_unknown_codes_and_text_numbers() -> None:
    result = read("school", "school_attendance.csv")
    assert result.types() == ["AttendanceSummary", "AttendanceSummary"]
    assert [row for row, _ in result.rejects()] == [4, 5, 6]
    assert result.rejects()[1:] == [(5, "Absence Codes"), (6, "Possible Sessions")]
    codes = {a.code: a.sessions for a in result.events[1].payload.absences}
    assert codes == {"I": 1, "M": 1, "O": 2}
    assert result.events[1].payload.persistent_absence is True


def test_exclusions_dispatch_on_category_and_reject_unknown_codes() -> None:
    result = read("school", "school_exclusions.csv")
    assert result.types() == ["Suspension", "Exclusion"]
    assert result.rejects() == [(4, "Category"), (5, "Reason")]


def test_sen_rows_yield_start_need_change_and_end() -> None:
    result = read("school", "school_sen.csv")
    assert result.types() == [
        "SENSupportStarted",
        "SENSupportStarted",
        "SENNeedChanged",
        "SENSupportStarted",
        "SENSupportEnded",
    ]
    # A re-sent period gives the same start event id: a duplicate, not a new fact.
    assert result.events[0].event_id == result.events[1].event_id
    changed = result.events[2].payload
    assert [n.need_type.value for n in changed.needs] == ["SLCN", "SEMH"]
    assert result.rejects() == [(5, "payload.SENSupportStarted")]  # NSA only with K


@pytest.mark.parametrize(
    ("name", "field", "reason"),
    [
        ("school_wrong_columns.csv", "DOB", "missing column(s): DOB"),
        ("not_an_export.csv", "", "header matches no school export"),
        ("garbage.bin", "", "binary file, not text"),
    ],
)
def test_unusable_files_are_rejected_whole(name: str, field: str, reason: str) -> None:
    with pytest.raises(FileRejected) as caught:
        list(make_adapter("school").read(FIXTURES / name))
    assert caught.value.error.field == field
    assert reason in caught.value.error.reason


def test_social_care_contacts_and_referrals() -> None:
    result = read("social-care", "social_care_contacts.csv", system="LCS")
    assert result.types() == [
        "SocialCareContact",
        "SocialCareReferralAccepted",
        "SocialCareContact",
    ]
    assert result.rejects() == [(4, "Contact Source"), (5, "DOB")]
    referral = result.events[1]
    assert referral.payload.primary_need.value == "ABUSE_OR_NEGLECT"
    assert referral.sensitivity.value == "T4_SOCIAL_CARE"
    assert referral.subject.sex.value == "MALE"  # CIN census code 1
    assert referral.subject.other_names == ("Freddie",)


def test_child_protection_rows_yield_each_milestone() -> None:
    result = read("social-care", "social_care_child_protection.csv")
    assert result.types() == ["S47Started", "InitialCPConference", "CPPlanStarted"]
    assert {e.category.value for e in result.events} == {"SAFEGUARDING"}
    assert result.rejects() == [(3, "Category of Abuse")]


def test_sen_case_milestones_carry_case_and_clock() -> None:
    result = read("sen-case", "sen_case_activity.csv", system="Synergy")
    assert result.types() == [
        "EHCNARequested",
        "EHCAssessDecision",
        "EHCAdviceRequested",
        "EHCFinalIssued",
        "EHCReviewDecision",
        "EHCPhaseTransfer",
    ]
    request = result.events[0]
    assert request.case_id == "EHC/000001" and request.clock_id == "R000001"
    assert request.payload.request_source.value == "EDUCATION_SETTING"
    final = result.events[3].payload
    assert [n.need_type.value for n in final.needs] == ["ASD", "SLCN"]
    assert final.named_setting is not None and final.named_setting.urn == "119117"
    assert result.events[4].payload.amended_sections[0].value == "B"
    assert result.rejects() == [(8, "Activity"), (9, "CeaseReason")]


def test_republishing_a_file_gives_the_same_event_ids() -> None:
    first = [e.event_id for e in read("sen-case", "sen_case_activity.csv").events]
    again = [e.event_id for e in read("sen-case", "sen_case_activity.csv").events]
    assert first == again and len(set(first)) == len(first)


def test_sen_case_v3_activities_give_the_clock_events_and_old_files_still_read() -> None:
    result = read("sen-case", "sen_case_activity_v3.csv")
    assert result.types() == [
        "EHCResponsibilityStarted",
        "EHCReviewInvited",
        "EHCReviewAdviceCirculated",
        "EHCReviewReport",
        "EHCAmendmentNotice",
        "EHCAmendedDraft",
        "EHCCeaseProposed",
        "EHCCeaseNotice",
        "EHCMediationAdvice",
        "EHCMediationCertificate",
        "EHCAppealLodged",
        "EHCTribunalOrder",
        "EHCPhaseTransfer",
    ]
    moved_in = result.events[0].payload
    assert moved_in.plan_in_place is True and moved_in.from_la == "889"
    assert result.events[11].payload.order_kind.value == "AMEND_PLAN"
    assert result.events[12].payload.transfer_year == 2026
    assert result.rejects() == [(15, "Order Kind")]  # an unknown order kind is refused
    assert not read("sen-case", "sen_case_activity.csv").errors[2:]  # no new missing columns
