"""The caller-aware read path: search rules, paging with cursors, filters, the consent policy.

Most tests read as the conftest's social worker with a standing break-glass (sees every entry
in full); the consent tests use callers the policy limits."""

import sqlite3
from datetime import date

import pytest

from hub.auth import Caller, OrgKind, Role
from hub.files.policy import load_policy
from hub.models import EventType as T
from hub.web.children import reads as readpath
from hub.web.children.access import AccessRules
from hub.web.readmodel.projection import apply_entry, apply_link
from hub.web.readmodel.queries import QueryError, TimelineFilter
from tests.unit.web.conftest import NOW, StandingBreakGlass
from tests.unit.web.factory import Person, entry, link, merge

A, B, OTHER = "C00000000000a", "C00000000000b", "C0000000000ff"
ADA = Person("P-1", nhs_number="9434765919", upn="B801200005001")
ADA_HEALTH = Person("NHS-77", given_name="Adaline", nhs_number="943 476 5919")
RULES = StandingBreakGlass(load_policy())
ZOE = Person("P-2", given_name="Zoë", family_name="O'Brien", date_of_birth=date(2018, 7, 9))
TYPES = [T.PupilEnrolled, T.HealthReferralMade, T.EHCNARequested, T.SocialCareContact,
         T.AttendanceSummary, T.Diagnosis, T.EHCAssessDecision, T.CINAssessment]  # fmt: skip


@pytest.fixture
def filled(conn: sqlite3.Connection) -> sqlite3.Connection:
    for day, event_type in enumerate(TYPES):
        apply_entry(conn, entry(A, ADA if day % 2 == 0 else ADA_HEALTH, event_type, day=day * 7))
    apply_entry(conn, entry(OTHER, ZOE, T.PupilEnrolled))
    apply_link(conn, link("upn:B801200005001", A))
    return conn


def _search(conn: sqlite3.Connection, caller: Caller, **kw: object) -> list[str]:
    query = readpath.SearchQuery(**kw)  # type: ignore[arg-type]
    result, _ = readpath.search(conn, query, caller, NOW, RULES)
    return [hit.child_id for hit in result.results]


def test_search_by_nhs_number_ignores_spacing(filled: sqlite3.Connection, caller: Caller) -> None:
    assert _search(filled, caller, nhs_number="943 476 5919") == [A]


def test_search_by_upn_is_case_insensitive(filled: sqlite3.Connection, caller: Caller) -> None:
    assert _search(filled, caller, upn="b801200005001") == [A]


def test_search_by_name_folds_case_accents_and_punctuation(
    filled: sqlite3.Connection, caller: Caller
) -> None:
    assert _search(filled, caller, family_name="obrien", date_of_birth=date(2018, 7, 9)) == [OTHER]
    hits = _search(filled, caller, given_name="zoe", family_name="O BRIEN",
                   date_of_birth=date(2018, 7, 9))  # fmt: skip
    assert hits == [OTHER]
    assert _search(filled, caller, family_name="obrien", date_of_birth=date(2018, 7, 10)) == []


def test_given_name_matches_by_its_start(filled: sqlite3.Connection, caller: Caller) -> None:
    dob = date(2019, 3, 1)
    assert _search(filled, caller, given_name="ada", family_name="example", date_of_birth=dob) == [
        A
    ]
    assert _search(filled, caller, given_name="bea", family_name="example", date_of_birth=dob) == []


def test_criteria_combine_and_a_mismatch_finds_nobody(
    filled: sqlite3.Connection, caller: Caller
) -> None:
    assert _search(filled, caller, nhs_number="9434765919", upn="B801200005001") == [A]
    assert _search(filled, caller, nhs_number="9434765919", family_name="obrien",
                   date_of_birth=date(2018, 7, 9)) == []  # fmt: skip


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({}, "search by"),
        ({"family_name": "Example"}, "needs family_name and date_of_birth"),
        ({"given_name": "Ada", "date_of_birth": date(2019, 3, 1)}, "needs family_name"),
        ({"nhs_number": "1234567890"}, "not a valid NHS number"),
        ({"upn": "NOT-A-UPN"}, "not a valid unique pupil number"),
    ],
)
def test_searches_that_cannot_be_answered(
    filled: sqlite3.Connection, caller: Caller, kw: dict[str, object], message: str
) -> None:
    with pytest.raises(QueryError, match=message):
        _search(filled, caller, **kw)


def test_search_finds_the_survivor_of_a_merge(filled: sqlite3.Connection, caller: Caller) -> None:
    apply_entry(filled, entry(B, Person("X-9", nhs_number="9434765919"), T.Diagnosis))
    apply_link(filled, merge(B, A))
    assert _search(filled, caller, nhs_number="9434765919") == [A]


def _all_pages(
    conn: sqlite3.Connection, caller: Caller, limit: int, flt: TimelineFilter,
    rules: AccessRules = RULES,
) -> list[list[str]]:  # fmt: skip
    pages, cursor = [], None
    while True:
        page, _ = readpath.timeline(conn, A, flt, limit, cursor, caller, NOW, rules)
        pages.append([item.event_type for item in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 3, 8, 50])
def test_pages_cover_the_timeline_once_in_order(
    filled: sqlite3.Connection, caller: Caller, limit: int
) -> None:
    pages = _all_pages(filled, caller, limit, TimelineFilter())
    assert [t for page in pages for t in page] == [t.value for t in TYPES]
    assert all(len(page) == limit for page in pages[:-1])


def test_filters_by_agency_category_and_dates(filled: sqlite3.Connection, caller: Caller) -> None:
    def types(flt: TimelineFilter) -> list[str]:
        return [t for page in _all_pages(filled, caller, 2, flt) for t in page]

    assert types(TimelineFilter(agencies=("HEALTH",))) == ["HealthReferralMade", "Diagnosis"]
    assert types(TimelineFilter(categories=("SOCIAL",))) == ["SocialCareContact", "CINAssessment"]
    # entries occur on days 0, 7, 14, ... from 3 March 2025; both ends of the range are inclusive
    window = TimelineFilter(date_from=date(2025, 3, 10), date_to=date(2025, 3, 17))
    assert types(window) == ["HealthReferralMade", "EHCNARequested"]


def test_a_foreign_cursor_is_refused(filled: sqlite3.Connection, caller: Caller) -> None:
    with pytest.raises(QueryError, match="cursor"):
        readpath.timeline(filled, A, TimelineFilter(), 5, "bm90LWEtY3Vyc29y", caller, NOW, RULES)


def test_unknown_and_malformed_child_ids(filled: sqlite3.Connection, caller: Caller) -> None:
    for child in ("C000000000099", "../etc", "c00000000000a"):
        with pytest.raises(readpath.ChildNotFound):
            readpath.timeline(filled, child, TimelineFilter(), 5, None, caller, NOW, RULES)


def test_hidden_entries_never_shorten_a_page(filled: sqlite3.Connection) -> None:
    # A paediatrician at the trust with the open referral: no social care entries at all.
    paed = Caller(subject="p", org="RXN", org_kind=OrgKind.HEALTH, role=Role.PAED)
    rules = AccessRules(load_policy())
    pages = _all_pages(filled, paed, 1, TimelineFilter(), rules)
    social = {T.SocialCareContact, T.CINAssessment}
    assert pages == [[t.value] for t in TYPES if t not in social]
    page, tally = readpath.timeline(filled, A, TimelineFilter(), 50, None, paed, NOW, rules)
    assert page.withheld == {"NO_GRANT": 2} and tally.withheld == 2
    details = {i.event_type: i.access.detail for i in page.items}
    assert details["Diagnosis"] == "full" and details["PupilEnrolled"] == "thin"
    thin = next(i for i in page.items if i.event_type == "PupilEnrolled")
    assert thin.payload == {} and thin.summary.endswith("details withheld")


def test_the_record_shows_each_source_and_merged_children(
    filled: sqlite3.Connection, caller: Caller
) -> None:
    apply_link(filled, merge(B, A))
    apply_entry(filled, entry(B, Person("X-9"), T.Diagnosis, outcome="LINK_SCORE"))
    record, _ = readpath.child_record(filled, B, caller, NOW, RULES)
    assert (record.child_id, record.requested_id, record.merged_from) == (A, B, [B])
    by_key = {s.source_key: s for s in record.sources}
    assert by_key["src:EDUCATION:119000:SIMS:P-1"].entries == 2
    assert by_key["src:HEALTH:RXN:SystmOne:NHS-77"].given_name == "Adaline"
    assert by_key["src:HEALTH:RXN:SystmOne:X-9"].match.outcome == "LINK_SCORE"
    assert {link.key for link in record.identifiers} == {"upn:B801200005001", f"child:{B}"}
