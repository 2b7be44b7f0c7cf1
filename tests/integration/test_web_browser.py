"""A caseworker in a real headless Chromium: sign in with a token, find a child, read the timeline.

Drives Debian's ``/usr/bin/chromium`` (``make browser`` installs it) with Playwright; no browser
is downloaded. The service is the real ``send-hub web`` fed from a real broker. Screenshots of
the timeline page and the identity review page are saved to ``/tmp/send-hub-timeline.png`` and
``/tmp/send-hub-review.png`` for people to look at.
"""

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from hub.config import Settings
from hub.models import EventType as T
from hub.models import LinkDecision, TimelineEntry
from infra.topics import ensure_hub_topics
from tests.unit.web.factory import Person, entry, link
from tests.unit.web.live import (
    LiveWeb,
    publish,
    read_decisions,
    safeguarding_record,
    social_worker_token,
    start_web,
)
from tests.unit.web.reviewfactory import explanation, review_item

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT = Path("/tmp/send-hub-timeline.png")
REVIEW_SCREENSHOT = Path("/tmp/send-hub-review.png")
REVIEW = "R00000000000000c3"
CHILD = "C0000000000c3"
SCHOOL = Person("P-1", upn="B801200005001")
HEALTH = Person("NHS-7", given_name="Adaline", nhs_number="9434765919")
LA = Person("LA-552", upn="B801200005001")
SOCIAL = Person("MOS-31", given_name="Ada", family_name="Exampel")  # a typo: linked by score


def _journey() -> list[TimelineEntry]:
    return [
        entry(CHILD, SCHOOL, T.PupilEnrolled, day=0, outcome="NEW_CHILD", rule="new"),
        entry(CHILD, HEALTH, T.HealthReferralMade, day=10, outcome="LINK_SCORE", rule="score",
              score=0.97),
        entry(CHILD, SCHOOL, T.SENSupportStarted, day=20),
        entry(CHILD, SCHOOL, T.AttendanceSummary, day=27),
        entry(CHILD, SOCIAL, T.EarlyHelpStarted, day=30, outcome="LINK_SCORE", rule="score",
              score=0.93, explanation=explanation()),
        entry(CHILD, LA, T.EHCNARequested, day=45, rule="upn"),
        entry(CHILD, HEALTH, T.Diagnosis, day=70),
        entry(CHILD, LA, T.EHCAssessDecision, day=80),
        entry(CHILD, HEALTH, T.HealthAdviceForEHC, day=95),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser' (as root)", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def web(hub_settings: Settings) -> Iterator[LiveWeb]:
    ensure_hub_topics(hub_settings)
    review = review_item(REVIEW, provisional="C0000000000d5", candidate=CHILD)
    incoming = entry(
        "C0000000000d5",
        Person("NHS-8", given_name="Adaline", date_of_birth=date(2019, 1, 3)),
        T.HealthReferralMade,
    )
    # The signed-in social worker reads with a recorded safeguarding reason for both children.
    reasons = [safeguarding_record("src:EDUCATION:119000:SIMS:P-1", "SG-1"),
               safeguarding_record("src:HEALTH:RXN:SystmOne:NHS-8", "SG-2")]  # fmt: skip
    links = [link("upn:B801200005001", CHILD)]
    publish(hub_settings, [*reversed(_journey()), incoming], links=links, reviews=[review],
            consents=reasons)  # fmt: skip
    service = start_web(hub_settings)
    yield service
    service.stop()


@pytest.fixture
def page(browser: Browser, web: LiveWeb) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15000)
    requested: list[str] = []
    tab.on("request", lambda request: requested.append(request.url))
    yield tab
    context.close()
    assert requested and all(url.startswith(web.url) for url in requested), "off-site request"


def _sign_in_and_find(page: Page, web: LiveWeb) -> None:
    page.goto(f"{web.url}/search")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Access token").fill(social_worker_token("jo.caseworker"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()
    expect(page.get_by_text("Signed in as jo.caseworker")).to_be_visible()
    page.get_by_label("Family name").fill("Example")
    page.get_by_label("Date of birth").fill("2019-03-01")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 child found")).to_be_visible()
    page.get_by_role("row", name=CHILD).get_by_role("link").click()


def test_a_caseworker_signs_in_finds_the_child_and_reads_the_timeline(
    page: Page, web: LiveWeb
) -> None:
    _sign_in_and_find(page, web)
    expect(page).to_have_url(f"{web.url}/children/{CHILD}")
    rows = page.locator("#timeline > tbody > tr")
    expect(rows).to_have_count(len(_journey()))  # the one attendance week is its term's row
    summaries = [t.splitlines()[0].strip().removesuffix(" (key event)")
                 for t in page.locator("#timeline td.summary").all_inner_texts()]  # fmt: skip
    assert summaries == [e.summary for e in _journey() if e.event.event_type != T.AttendanceSummary]
    expect(page.locator("tr.hub-attendance")).to_contain_text("Spring term 2025: attendance 70.0%")
    expect(rows.first).to_contain_text("3 Mar 2025")
    expect(rows.nth(1)).to_contain_text("Linked by matching score")
    expect(rows.nth(1)).to_contain_text("score 0.97")
    expect(page.get_by_role("heading", name="What each source knows")).to_be_visible()
    page.get_by_text("Why the social care record Mosaic · MOS-31 was linked").click()
    expect(page.get_by_text("Postcodes are in different districts.")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.get_by_text("Filter the timeline").click()  # filters are folded away by default
    page.get_by_role("group", name="Agency").get_by_label("Health").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(3)
    rows.first.locator("summary").click()  # provenance details open on demand
    expect(rows.first).to_contain_text("partition 0, offset 0")
    expect(page.get_by_text("Filter the timeline (filters on)")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{web.url}/children/{CHILD}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_bad_token_is_refused_in_the_browser(page: Page, web: LiveWeb) -> None:
    page.goto(f"{web.url}/signin")
    page.get_by_label("Access token").fill("this-is-not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Token is malformed")
    assert shutil.which("chromium") or Path(CHROMIUM).exists()


def test_a_reviewer_links_two_records_from_the_review_page(
    page: Page, web: LiveWeb, hub_settings: Settings
) -> None:
    page.goto(f"{web.url}/review")
    page.get_by_label("Access token").fill(social_worker_token("jo.reviewer"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Identity review", exact=True)).to_be_visible()
    item = page.locator(f"section[data-review-id='{REVIEW}']")
    expect(item).to_contain_text("Candidate child's record")
    expect(item.locator("table.hub-waterfall tbody tr")).to_have_count(6)  # prior, 4 items, tf
    expect(item).to_contain_text("Postcodes are in different districts.")
    page.screenshot(path=str(REVIEW_SCREENSHOT), full_page=True)

    item.get_by_label("Reason").fill("Same school roll; Adaline is Ada")
    item.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Decision sent: Link")
    [(key, decision)] = read_decisions(hub_settings, expect=1)
    assert key == REVIEW.encode() and decision.decision is LinkDecision.LINK
    assert (decision.decided_by, decision.child_id) == ("jo.reviewer", CHILD)
    assert decision.reason == "Same school roll; Adaline is Ada"
