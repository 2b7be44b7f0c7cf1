"""The review page: both records side by side, the explanation waterfall, Link / Not a match
buttons that send the decision; reviewer roles only; cross-site posts refused; the child page
shows why a score-linked record was linked."""

import re
import sqlite3
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, OrgKind, Role, issue_token
from hub.models import EventType as T
from hub.models import LinkDecision, Purpose
from hub.web.context import WebState
from hub.web.readmodel.projection import apply_entry
from hub.web.readmodel.review_queue import apply_review_item
from tests.unit.web.conftest import ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry
from tests.unit.web.reviewfactory import FakeDecisions, explanation, review_item

A, D = "C00000000000a", "C00000000000d"
RID = "R0000000000000001"


@pytest.fixture(autouse=True)
def filled(conn: sqlite3.Connection, state: WebState) -> FakeDecisions:
    scored = entry(A, Person("NHS-7", given_name="Adaline"), T.HealthReferralMade,
                   outcome="LINK_SCORE", rule="score", score=14.2)  # fmt: skip
    match = scored.provenance.match.model_copy(update={"explanation": explanation()})
    prov = scored.provenance.model_copy(update={"match": match})
    apply_entry(conn, scored.model_copy(update={"provenance": prov}))
    # The incoming record sits on its provisional child meanwhile.
    apply_entry(conn, entry(D, Person("NHS-7", given_name="Adaline"), T.HealthReferralMade, day=4,
                            record="incoming"))  # fmt: skip
    apply_review_item(conn, review_item(RID, provisional=D, candidate=A))
    state.decisions = FakeDecisions()
    return state.decisions


def _sign_in(client: TestClient, role: Role = Role.SW) -> TestClient:
    # The conftest's social worker with a standing break-glass: sees both children of a pair.
    caller = Caller(subject="alice", org="888", org_kind=OrgKind.SOCIAL_CARE, role=role,
                    purpose=Purpose.SAFEGUARDING)  # fmt: skip
    token = issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    client.post("/signin", data={"token": token, "next": "/review"}, follow_redirects=False)
    return client


def test_the_review_page_shows_the_pair_the_waterfall_and_the_buttons(client: TestClient) -> None:
    page = _sign_in(client).get("/review")
    assert page.status_code == 200
    text = page.text
    assert "Incoming record" in text and "Candidate child's record" in text
    assert "Adaline" in text and "LA1 4XY" in text and "PR1 2AB" in text
    assert 'hub-differs' in text  # the differing postcodes are highlighted
    assert "Postcodes are in different districts." in text and "-4.6" in text
    assert "Total: -4.4 bits, probability 4.5%" in text
    assert f'action="/review/{RID}"' in text
    assert re.search(r'name="decision" value="link">Link<', text)
    assert re.search(r'name="decision" value="not_a_match">Not a match<', text)
    assert 'href="/review" aria-current="page"' in text


def test_the_buttons_send_the_decision_and_come_back(
    client: TestClient, filled: FakeDecisions
) -> None:
    signed = _sign_in(client)
    response = signed.post(f"/review/{RID}", data={"decision": "not_a_match", "reason": "twins"},
                           follow_redirects=False)  # fmt: skip
    assert (response.status_code, response.headers["location"]) == (303, "/review?sent=not_a_match")
    [sent] = filled.sent
    assert sent.decision is LinkDecision.NOT_A_MATCH and sent.decided_by == "alice"
    page = signed.get(response.headers["location"]).text
    assert "Decision sent: Not a match" in page and "Waiting for the hub to apply it" in page
    assert f'action="/review/{RID}"' not in page  # no second decision from the page
    again = signed.post(f"/review/{RID}", data={"decision": "link", "reason": "x"})
    assert "decided already" in again.text and len(filled.sent) == 1


def test_a_decision_without_a_reason_is_sent_back(
    client: TestClient, filled: FakeDecisions
) -> None:
    page = _sign_in(client).post(f"/review/{RID}", data={"decision": "link", "reason": " "})
    assert "give a reason" in page.text and filled.sent == []


def test_cross_site_posts_and_other_roles_are_refused(
    client: TestClient, filled: FakeDecisions
) -> None:
    signed = _sign_in(client)
    evil = signed.post(f"/review/{RID}", data={"decision": "link", "reason": "x"},
                       headers={"Origin": "https://evil.example"})  # fmt: skip
    assert evil.status_code == 403 and filled.sent == []
    nurse = _sign_in(client, Role.HV)
    assert nurse.get("/review").status_code == 403
    refused = nurse.post(f"/review/{RID}", data={"decision": "link", "reason": "x"})
    assert refused.status_code == 403 and "Adaline" not in refused.text and filled.sent == []


def test_strangers_are_sent_to_sign_in(client: TestClient, filled: FakeDecisions) -> None:
    assert client.get("/review", follow_redirects=False).status_code == 303
    posted = client.post(f"/review/{RID}", data={"decision": "link", "reason": "x"},
                         follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303 and filled.sent == []


def test_the_child_page_explains_a_score_link(client: TestClient) -> None:
    text = _sign_in(client).get(f"/children/{A}").text
    assert "Why the health record SystmOne · NHS-7 was linked" in text
    assert "Given names are nickname variants (Ada / Adaline)." in text


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, True),  # no-referrer: Origin null
     ({"Sec-Fetch-Site": "cross-site", "Origin": "null"}, False),
     ({"Sec-Fetch-Site": "same-site"}, False),
     ({"Origin": "null"}, False)],
)  # fmt: skip
def test_a_form_post_is_judged_by_sec_fetch_site(
    client: TestClient, filled: FakeDecisions, headers: dict[str, str], allowed: bool
) -> None:
    signed = _sign_in(client)
    sent = signed.post(f"/review/{RID}", data={"decision": "link", "reason": "x"},
                       headers=headers, follow_redirects=False)  # fmt: skip
    assert (sent.status_code == 303) is allowed and bool(filled.sent) is allowed


def test_the_waterfall_needs_no_inline_style(client: TestClient) -> None:
    text = _sign_in(client).get("/review").text
    assert "style=" not in text and '<svg class="hub-wbar"' in text  # bars drawn in SVG
