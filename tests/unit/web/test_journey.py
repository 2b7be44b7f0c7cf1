"""The child's journey at a glance: the summary band, attendance grouped by term, key events."""

from datetime import timedelta

from hub.consent import Decision, Outcome
from hub.models import EventType as T
from hub.web.children.journey import group_rows, summarise, term_of, week_rate
from hub.web.children.views import TimelineItem, timeline_item
from tests.unit.web.factory import Person, entry

C = "C00000000000a"
ADA = Person("P-1", nhs_number="9434765919", upn="B801200005001")


def _item(event_type: T, day: int, **payload: object) -> TimelineItem:
    made = entry(C, ADA, event_type, day=day)
    shown = Decision(Outcome.ALLOW, made.event.category, None, "direct care")
    item = timeline_item(made, shown)
    return item.model_copy(update={"payload": {**item.payload, **payload}})


def _week(day: int, attended: int, possible: int = 10) -> TimelineItem:
    start = (_item(T.PupilEnrolled, day).occurred_at).date().isoformat()
    return _item(T.AttendanceSummary, day, week_start=start, attended_sessions=attended,
                 possible_sessions=possible)  # fmt: skip


def test_weeks_fold_into_one_row_per_term_with_the_rate() -> None:
    # BASE is 3 Mar 2025: days 0-21 are spring term, day 60 (2 May) summer term.
    items = [_week(0, 10), _item(T.HealthReferralMade, 3), _week(7, 5), _week(21, 9),
             _week(60, 8), _item(T.PupilEnrolled, 61)]  # fmt: skip
    rows = group_rows(items)
    kinds = [("term", r.attendance.label) if r.attendance else r.item.event_type for r in rows]
    assert kinds == [("term", "Spring term 2025"), "HealthReferralMade",
                     ("term", "Summer term 2025"), "PupilEnrolled"]  # fmt: skip
    spring = rows[0].attendance
    assert spring is not None and len(spring.weeks) == 3
    assert (spring.attended, spring.possible) == (24, 30) and spring.rate == 80.0
    assert spring.rates == [100.0, 50.0, 90.0]
    assert rows[1].significant and not rows[3].significant


def test_a_week_with_no_possible_session_has_no_rate() -> None:
    week = _week(0, 0, possible=0)
    assert week_rate(week) is None
    assert group_rows([week])[0].attendance.rate is None  # type: ignore[union-attr]


def test_terms_follow_the_school_year() -> None:
    base = _item(T.PupilEnrolled, 0).occurred_at.date()
    assert term_of(base.replace(month=9, day=1)) == "Autumn term 2025"
    assert term_of(base.replace(month=12, day=31)) == "Autumn term 2025"
    assert term_of(base.replace(month=1, day=5)) == "Spring term 2025"
    assert term_of(base.replace(month=4, day=20)) == "Summer term 2025"


def test_the_summary_says_where_the_child_is_now() -> None:
    items = [
        _item(T.PupilEnrolled, 0, urn="119234"),
        _item(T.SENSupportStarted, 5),
        _item(T.HealthReferralMade, 10),
        _item(T.HealthReferralMade, 12, service="OT"),
        _item(T.AppointmentAttended, 40, service="OT"),
        _item(T.EHCNARequested, 50),
        _item(T.EHCAssessDecision, 80, decision="ASSESS"),
        _item(T.CPPlanStarted, 90),
        _item(T.EarlyHelpStarted, 91, episode_id="EH-1"),
        _item(T.EarlyHelpClosed, 120, episode_id="EH-1"),
        _item(T.SocialCareContact, 800),
    ]
    s = summarise(items).summary
    assert s.school == "URN 119234"
    assert s.sen_status is not None and s.sen_status.startswith("SEN support (")
    assert s.ehc_stage == "Decision on assessment: assess"
    assert [r.split(" since")[0] for r in s.open_referrals] == ["SALT"]  # OT was seen
    assert [r.split(" since")[0] for r in s.open_social_care] == ["Child protection plan"]
    assert s.agencies == ["EDUCATION", "HEALTH", "LOCAL_AUTHORITY", "SOCIAL_CARE"]
    assert s.entries == len(items) and s.years > 2


def test_a_final_plan_makes_the_sen_status_an_ehc_plan_and_key_events_are_newest_first() -> None:
    items = [_item(T.SENSupportStarted, 0), _week(7, 9), _item(T.EHCFinalIssued, 100)]
    journey = summarise(items)
    assert journey.summary.sen_status is not None
    assert journey.summary.sen_status.startswith("EHC plan")
    assert journey.summary.ehc_stage == "EHC plan in place"
    assert [k.event_type for k in journey.key_events] == ["EHCFinalIssued", "SENSupportStarted"]


def test_the_summary_covers_everything_while_the_rows_show_the_filtered_view() -> None:
    everything = [_item(T.PupilEnrolled, 0), _item(T.HealthReferralMade, 10)]
    journey = summarise(everything, everything[1:])
    assert journey.summary.entries == 2 and len(journey.rows) == 1
    assert journey.summary.last - journey.summary.first == timedelta(days=10)  # type: ignore[operator]


def test_nothing_visible_gives_an_empty_summary() -> None:
    journey = summarise([])
    assert journey.rows == [] and journey.key_events == []
    assert journey.summary.first is None and journey.summary.years == 0.0


def test_an_outline_only_entry_counts_but_says_nothing_it_may_not() -> None:
    made = entry(C, ADA, T.AttendanceSummary, day=0)
    thin = timeline_item(made, Decision(Outcome.ALLOW_THIN, made.event.category, None, "outline"))
    assert thin.payload == {}
    [row] = group_rows([thin])
    assert row.attendance is not None and row.attendance.rate is None
    assert row.attendance.outline_only and not group_rows([_week(0, 9)])[0].attendance.outline_only  # type: ignore[union-attr]
    assert summarise([thin]).summary.school is None  # no payload, no school named
