"""The demo's one-click sign-in and suggested children: only with the development key."""

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from connectors.simulator.organisations import DemoOrganisations
from hub.auth import Role, verify_token
from hub.cli.demo_setup import demo_people
from hub.errors import InputError
from hub.models import AuditAction
from hub.models import EventType as T
from hub.web.app import create_app
from hub.web.context import COOKIE, WebState, dev_mode
from hub.web.demo.people import load_people, people_path, save_people
from hub.web.demo.suggestions import suggest_children
from hub.web.readmodel.projection import apply_entry
from hub.web.sinks.audit import MemoryAuditSink
from tests.unit.web.conftest import ISSUER, NOW
from tests.unit.web.factory import Person, entry

DEV_KEY = "generated-dev-key-for-these-tests-0123456789abcdef"  # as in <data dir>/auth
ORGS = DemoOrganisations("888", "Lancashire", "Synergy", "LCS", "RW5", "SystmOne", "119234",
                         "SIMS")  # fmt: skip
RICH, THIN = "C00000000000a", "C00000000000b"


@pytest.fixture
def dev(db_path: Path, conn: sqlite3.Connection) -> Iterator[tuple[TestClient, WebState]]:
    for day, kind in enumerate([T.PupilEnrolled, T.HealthReferralMade, T.EHCNARequested,
                                T.SocialCareContact]):  # fmt: skip
        apply_entry(conn, entry(RICH, Person("P-1"), kind, day=day * 300))
    apply_entry(conn, entry(THIN, Person("P-2", family_name="Other"), T.PupilEnrolled))
    state = WebState(db_path=db_path, secret=DEV_KEY, issuer=ISSUER, audit=MemoryAuditSink(),
                     clock=lambda: NOW, demo_people=demo_people(ORGS), dev_key=True)  # fmt: skip
    with TestClient(create_app(state), base_url="https://testserver") as client:
        yield client, state


def test_the_demo_offers_five_people_from_the_simulated_organisations() -> None:
    people = demo_people(ORGS)
    assert [p.role for p in people] == [Role.EHC_COORD, Role.SENCO, Role.HV, Role.SW, Role.OPS]
    assert people[1].org == "119234" and "URN 119234" in people[1].organisation
    assert people[2].org == "RW5" and people[0].org == "888"


def test_people_survive_the_file_and_a_bad_file_is_one_clear_error(tmp_path: Path) -> None:
    path = people_path(tmp_path)
    assert load_people(path) == []  # no demo, no people
    save_people(path, demo_people(ORGS))
    assert load_people(path) == demo_people(ORGS)
    path.write_text('[{"key": "x", "role": "KING"}]')
    with pytest.raises(InputError, match="not valid"):
        load_people(path)


def test_one_click_signs_in_as_the_person_with_a_server_minted_token(
    dev: tuple[TestClient, WebState],
) -> None:
    client, _ = dev
    page = client.get("/signin")
    assert "Sign in as Health visitor" in page.text and "Access token" in page.text
    assert 'action="/signin/demo"' in page.text and "eyJ" not in page.text  # no token on the page
    done = client.post("/signin/demo", data={"person": "health-visitor", "next": "/search"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/search"
    assert "token" not in done.headers["location"]
    caller = verify_token(done.cookies[COOKIE], secret=DEV_KEY, issuer=ISSUER, now=NOW)
    assert (caller.subject, caller.role, caller.org) == ("demo.health-visitor", Role.HV, "RW5")
    later = NOW + timedelta(hours=9)
    with pytest.raises(Exception, match="expired"):
        verify_token(done.cookies[COOKIE], secret=DEV_KEY, issuer=ISSUER, now=later)


@pytest.mark.parametrize("person", ["", "king", "health-visitor' OR 1=1", "x" * 5000])
def test_a_forged_or_unknown_person_is_refused(
    dev: tuple[TestClient, WebState], person: str
) -> None:
    client, _ = dev
    done = client.post("/signin/demo", data={"person": person}, follow_redirects=False)
    assert done.status_code in (400, 413) and COOKIE not in done.cookies
    assert "choose one of the demo people" in done.text.lower() or done.status_code == 413


def test_an_over_long_sign_in_is_refused_unread(dev: tuple[TestClient, WebState]) -> None:
    client, _ = dev
    body = {"person": "senco", "pad": "x" * 20000}
    assert client.post("/signin/demo", data=body).status_code == 413


def test_an_off_site_next_is_ignored(dev: tuple[TestClient, WebState]) -> None:
    client, _ = dev
    done = client.post("/signin/demo", data={"person": "senco", "next": "//evil.example/"},
                       follow_redirects=False)  # fmt: skip
    assert done.headers["location"] == "/search"


def test_no_demo_sign_in_with_a_real_key(client: TestClient, state: WebState) -> None:
    state.demo_people = demo_people(ORGS)
    assert not dev_mode(state)
    assert "Sign in as" not in client.get("/signin").text
    refused = client.post("/signin/demo", data={"person": "senco"}, follow_redirects=False)
    assert refused.status_code == 404 and COOKIE not in refused.cookies
    assert client.get("/signin/demo").status_code in (404, 405)  # never a GET with a person


def test_the_search_page_suggests_children_the_person_may_see_and_audits_it(
    dev: tuple[TestClient, WebState],
) -> None:
    client, state = dev
    client.post("/signin/demo", data={"person": "ehc-coordinator"})
    page = client.get("/search")
    assert "Suggested children" in page.text
    # The LA runs RICH's EHC needs assessment (statutory basis); THIN is only on a school roll.
    assert f"/children/{RICH}" in page.text and f"/children/{THIN}" not in page.text
    assert "entries you may see, from 4 agencies over 2.5 years" in page.text
    assert isinstance(state.audit, MemoryAuditSink)
    searched = {r.child_id for r in state.audit.records if r.action is AuditAction.SEARCH}
    assert searched == {RICH}
    assert "Suggested children" not in client.get("/search?nhs_number=9434765919").text


def test_the_senco_is_offered_the_pupils_on_their_schools_roll(
    dev: tuple[TestClient, WebState],
) -> None:
    client, _ = dev
    client.post("/signin/demo", data={"person": "senco"})
    page = client.get("/search").text
    assert f"/children/{THIN}" not in page  # on roll at 119000, not at the SENCo's 119234


def test_the_ops_engineer_lands_on_stream_health_and_sees_no_child(
    dev: tuple[TestClient, WebState],
) -> None:
    client, state = dev
    done = client.post("/signin/demo", data={"person": "ops-engineer"}, follow_redirects=False)
    assert done.headers["location"] == "/ops"
    assert "Suggested children" not in client.get("/search").text
    assert client.get(f"/children/{RICH}").status_code == 404
    assert isinstance(state.audit, MemoryAuditSink)
    assert not [r for r in state.audit.records if r.child_id == RICH]


def test_suggestions_rank_agencies_then_two_years_then_entries(conn: sqlite3.Connection) -> None:
    sparse, busy, long = "C00000000000c", "C00000000000d", "C00000000000e"
    apply_entry(conn, entry(RICH, Person("P-1"), T.PupilEnrolled, day=0))
    apply_entry(conn, entry(RICH, Person("P-1"), T.Diagnosis, day=10))
    apply_entry(conn, entry(sparse, Person("P-3"), T.PupilEnrolled, day=0))
    apply_entry(conn, entry(sparse, Person("P-3"), T.AttendanceSummary, day=2000))
    for day in range(0, 40, 7):  # six weeks of attendance, all within a year
        apply_entry(conn, entry(busy, Person("P-4"), T.AttendanceSummary, day=day))
    for day in (0, 400, 800):
        apply_entry(conn, entry(long, Person("P-5"), T.AttendanceSummary, day=day))
    ranked = [s.child_id for s in suggest_children(conn, count=4)]
    assert ranked == [RICH, long, sparse, busy]
    assert suggest_children(conn, count=1)[0].agencies == 2
