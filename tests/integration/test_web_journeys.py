"""The pages as people use them, in Debian's Chromium, on the whole hub: broker, worker, web.

One stack for the module: a real broker, this module's own topics, a ``send-hub worker`` and a
``send-hub web`` signing with the development key (so the demo sign-in is on). The simulator's
two years of agency feeds go through the SDK, plus a record the matcher must send to review, a
message that cannot be decoded (a dead letter) and a source system that went quiet days ago.
Every page visited is checked with axe-core (from npm) for WCAG 2.2 AA violations, and a
screenshot of it is saved under ``test-artefacts/browser/`` (gitignored) for people to look at.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.cli.demo_setup import write_demo_people
from hub.config import Settings
from hub.models import (
    AgencyKind,
    DeadLetter,
    EHCNARequested,
    Event,
    ReviewItem,
    Source,
    Subject,
    TimelineEntry,
    build_event,
)
from hub.models import EventType as T
from infra.credentials import Principal
from infra.process import free_port
from infra.security import connection_for
from infra.topics import delete_topics, ensure_hub_topics, hub_topic_specs
from schemas.serde import decode
from tests.integration.test_identity_stream import OLIVER
from tests.integration.test_pipeline import (
    accepted_ids,
    admin,
    publish,
    read_topic,
    start_worker,
    wait_for_entries,
)
from tests.unit.web.factory import Person, entry
from tests.unit.web.live import LiveWeb
from tests.unit.web.live import publish as publish_entries

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artefacts" / "browser"
PEOPLE = ["EHC coordinator", "SENCo", "Health visitor", "Social worker", "Operations engineer"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHILDREN = 200  # enough for children whose histories span three agencies and two years
QUIET = Person("LEG-1", given_name="Quinn", family_name="Quiet")


def _wait(what: str, probe: Any, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)
    return found


def _la_record(person: str, **subject: Any) -> Event:
    """Oliver's EHC needs assessment as the LA's SEN case system records it (LA 888)."""
    at = datetime.now(UTC) - timedelta(days=2)
    return build_event(
        EHCNARequested(received_date=at.date()),
        source=Source(agency_kind=AgencyKind.LOCAL_AUTHORITY, org_code="888", system="Synergy",
                      source_record_id=f"ehcna-{person}", record_version=1),
        subject=Subject(source_person_id=person, **(OLIVER | subject)),
        occurred_at=at, recorded_at=at + timedelta(hours=1),
    )  # fmt: skip


def _review_of(settings: Settings, person: str) -> ReviewItem | None:
    values = read_topic(admin(settings), settings.topic("identity.review"))
    items = [ReviewItem.model_validate(decode(v).record) for v in values]
    return next((i for i in items if i.record.source_person_id == person), None)


def _start_web(settings: Settings) -> LiveWeb:
    port = free_port()
    env = {
        "SEND_HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "SEND_HUB_TOPIC_PREFIX": settings.topic_prefix, "SEND_HUB_DATA_DIR": str(settings.data_dir),
        "SEND_HUB_WEB_HOST": "127.0.0.1", "SEND_HUB_WEB_PORT": str(port),
        "SEND_HUB_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    # No SEND_HUB_AUTH_SECRET and no identity provider: the web signs with the key it
    # generates in its data dir, which is what turns the demo sign-in on.
    full = {k: v for k, v in os.environ.items() if k != "SEND_HUB_AUTH_SECRET"} | env
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli.main", "web"], env=full,
                            start_new_session=True)  # fmt: skip
    web = LiveWeb(f"http://127.0.0.1:{port}", proc)
    _wait("the web service", lambda: web.proc.poll() is None and _ready(web.url), 90)
    return web


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _feed(settings: Settings, tmp: Path) -> tuple[list[Event], Event]:
    """Two years of simulated feeds, Oliver's school record, a message that cannot be decoded."""
    sim = simulate(children=CHILDREN, days=730, seed=2026, out=tmp / "sim",
                   start=date.today() - timedelta(days=730))  # fmt: skip
    events: list[Event] = []
    publish_simulation(sim.out, events.append)
    original = _la_record("la-1")
    publish(settings, [*events, original], [("ingest.health", b"not avro at all")])
    return events, original


def _quiet_feed() -> TimelineEntry:
    """An entry the hub took in three days ago from a school system that has sent nothing since."""
    then = datetime.now(UTC) - timedelta(days=3)
    old = entry("C0000000000f1", QUIET, T.PupilEnrolled, published=then)
    source = old.event.source.model_copy(update={"system": "LegacyMIS"})
    return old.model_copy(update={"event": old.event.model_copy(update={"source": source})})


@pytest.fixture(scope="module")
def stack(
    kafka_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, LiveWeb]]:
    tmp = tmp_path_factory.mktemp("journeys")
    # The session's data dir (its broker credentials and the web's generated key); own topics.
    settings = kafka_settings.model_copy(update={"topic_prefix": f"t{uuid.uuid4().hex[:12]}"})
    ensure_hub_topics(settings)
    write_demo_people(settings.data_dir, CHILDREN, 730, 2026, date.today() - timedelta(days=730))
    worker = start_worker(settings, tmp, "w1")
    web = None
    try:
        events, original = _feed(settings, tmp)
        wait_for_entries(settings, accepted_ids([*events, original], datetime.now(UTC)))
        # A second record of Oliver in the LA's system, without a first name: to review.
        publish(settings, [_la_record("la-2", given_name=None)])
        _wait("the review item", lambda: _review_of(settings, "la-2"))
        publish_entries(settings, [_quiet_feed()])
        web = _start_web(settings)
        yield settings, web
    finally:
        if web is not None:
            web.stop()
        worker.terminate()
        worker.wait(30)
        admin = connection_for(settings, Principal.ADMIN)
        delete_topics(admin, [s.name for s in hub_topic_specs(settings)])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser' (as root)", pytrace=False)
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'make assets' (npm ci)", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, stack: tuple[Settings, LiveWeb]) -> Iterator[Page]:
    # bypass_csp: axe-core is injected into the page under test; the pages themselves load
    # nothing but their own site's files (checked below).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  bypass_csp=True)  # fmt: skip
    tab = context.new_page()
    tab.set_default_timeout(20000)
    requested: list[str] = []
    tab.on("request", lambda request: requested.append(request.url))
    yield tab
    context.close()
    assert all(url.startswith(stack[1].url) for url in requested), "off-site request"


def _check(page: Page, name: str) -> None:
    """No WCAG 2.2 A/AA violation on the page as it is now; and a screenshot of it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ')'))",
        WCAG,
    )
    assert found == [], f"{name}: {found}"


def _sign_in_as(page: Page, url: str, person: str) -> None:
    page.goto(f"{url}/signin?next=/search")
    expect(page.get_by_role("heading", name="Sign in as a demo person")).to_be_visible()
    page.get_by_role("button", name=f"Sign in as {person},").click()
    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()


def test_each_demo_person_signs_in_with_one_click_and_reads_a_journey(
    page: Page, stack: tuple[Settings, LiveWeb]
) -> None:
    url = stack[1].url
    page.goto(f"{url}/search")
    _check(page, "signin")
    for n, person in enumerate(PEOPLE[:-1]):
        _sign_in_as(page, url, person)
        suggested = page.locator("#examples-title + p + ul a")
        expect(suggested.first).to_be_visible()
        if n == 0:
            _check(page, "search")
        suggested.first.click()
        expect(page.get_by_role("heading", name="At a glance")).to_be_visible()
        expect(page.locator("#timeline > tbody > tr").first).to_be_visible()
        band = page.locator(".hub-summary").inner_text()
        assert "agenc" in band and "years" in band
        _check(page, f"child-{n}")
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()


def test_the_ops_engineer_lands_on_stream_health_and_reads_no_child(
    page: Page, stack: tuple[Settings, LiveWeb]
) -> None:
    page.goto(f"{stack[1].url}/signin")
    page.get_by_role("button", name="Sign in as Operations engineer,").click()
    expect(page.get_by_role("heading", name="Stream health")).to_be_visible()
    page.goto(f"{stack[1].url}/search")
    expect(page.locator("#examples-title")).to_have_count(0)  # the policy: no child data


def test_a_suggested_child_spans_three_agencies_and_two_years(
    page: Page, stack: tuple[Settings, LiveWeb]
) -> None:
    hints = []
    for person in ("EHC coordinator", "Social worker"):
        _sign_in_as(page, stack[1].url, person)
        hints += page.locator("#examples-title + p + ul li").all_inner_texts()
        page.get_by_role("button", name="Sign out").click()
    spans = [(int(h.split(" from ")[1].split(" agenc")[0]),
              float(h.split(" over ")[1].split(" years")[0])) for h in hints]  # fmt: skip
    assert any(agencies >= 3 and years >= 2 for agencies, years in spans), hints


def test_a_term_of_attendance_expands_to_its_weeks(
    page: Page, stack: tuple[Settings, LiveWeb]
) -> None:
    _sign_in_as(page, stack[1].url, "SENCo")
    page.locator("#examples-title + p + ul a").first.click()
    term = page.locator("tr.hub-attendance").first
    expect(term).to_be_visible()
    weeks = term.locator("table.hub-weeks")
    expect(weeks).to_be_hidden()  # folded by default
    term.locator("summary").click()
    expect(weeks).to_be_visible()
    expect(weeks.locator("tbody tr").first).to_contain_text("%")
    expect(term.locator("svg.hub-chart title")).to_contain_text("weekly attendance")
    _check(page, "child-attendance-open")


def test_a_review_decision_links_the_records_and_the_timeline_updates(
    page: Page, stack: tuple[Settings, LiveWeb]
) -> None:
    settings, web = stack
    item = _review_of(settings, "la-2")
    assert item is not None
    _sign_in_as(page, web.url, "EHC coordinator")
    page.goto(f"{web.url}/review")
    section = page.locator(f"section[data-review-id='{item.review_id}']")
    expect(section).to_contain_text("Candidate child's record")
    _check(page, "review")
    section.get_by_label("Reason").fill("Same school roll and address")
    section.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Decision sent: Link")
    child = f"{web.url}/children/{item.candidate_child_id}"

    def linked() -> bool:
        page.goto(child)
        return page.get_by_text("known to 2 source records", exact=False).count() > 0

    _wait("the linked record on the candidate's timeline", linked, 90)
    expect(page.locator("#sources-title")).to_be_visible()


def test_ops_shows_the_worker_a_dead_letter_and_a_quiet_feed(
    page: Page, stack: tuple[Settings, LiveWeb]
) -> None:
    settings, web = stack
    page.goto(f"{web.url}/signin")
    page.get_by_role("button", name="Sign in as Operations engineer,").click()
    expect(page.get_by_role("heading", name="Stream health")).to_be_visible()
    expect(page.get_by_text("Running", exact=True)).to_be_visible()
    expect(page.locator("#dead-letters + table")).to_contain_text("decode")
    latest = page.locator("details", has_text="The latest 1 dead letters")
    latest.locator("summary").click()
    expect(latest.locator("tbody tr")).to_have_count(1)
    expect(latest.locator("tbody tr")).to_contain_text(f"{settings.topic('ingest.health')} [")
    quiet = page.locator("tr[data-system='LegacyMIS']", has_text="Quiet")
    expect(quiet).to_have_count(1)
    expect(page.locator("#ingest + table tbody tr")).to_have_count(4 * settings.topic_partitions)
    _check(page, "ops")
    values = read_topic(admin(settings), settings.topic("deadletter"))
    letters = [DeadLetter.model_validate(decode(v).record) for v in values]
    assert [d.reason for d in letters] == ["decode"]
    scraped = httpx.get(f"{web.url}/metrics", timeout=10).text  # the same view, for Prometheus
    assert "send_hub_worker_group_members 1.0" in scraped
    assert 'send_hub_deadletters_on_topic{reason="decode"} 1.0' in scraped
    assert '_last_event_age_seconds{agency_kind="EDUCATION",system="LegacyMIS"}' in scraped
    assert "send_hub_events_ingested_total" not in scraped  # the worker's, not the web's
