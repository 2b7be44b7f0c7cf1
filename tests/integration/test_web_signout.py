"""Sign-out on the real broker: a token signed out on one web instance is refused by another.

Two ``send-hub web`` processes share the topics; the compacted ``send.auth.revocations`` topic
carries the sign-out from the first to the second.
"""

import time

import httpx
import pytest

from hub.config import Settings
from infra.credentials import Principal
from infra.security import connection_for
from infra.topics import TopicSpec, create_topics, ensure_hub_topics
from tests.unit.web.live import caseworker_token, start_web

pytestmark = pytest.mark.integration


def test_a_token_signed_out_on_one_instance_is_refused_by_the_other(
    hub_settings: Settings,
) -> None:
    ensure_hub_topics(hub_settings)
    revocations = TopicSpec(hub_settings.topic("auth.revocations"), 1,
                            {"cleanup.policy": "compact"})  # fmt: skip
    create_topics(connection_for(hub_settings, Principal.ADMIN), [revocations])
    one, two = start_web(hub_settings), start_web(hub_settings)
    try:
        auth = {"Authorization": f"Bearer {caseworker_token('it-leaver')}"}
        search = {"upn": "B801200005001"}
        for web in (one, two):
            answer = httpx.post(f"{web.url}/api/children/search", json=search, headers=auth)
            assert answer.status_code == 200
        assert httpx.post(f"{one.url}/api/signout", headers=auth).status_code == 204
        assert httpx.post(f"{one.url}/api/children/search", json=search,
                          headers=auth).status_code == 401  # fmt: skip
        deadline = time.monotonic() + 60
        while True:  # the other instance hears of it through the topic
            answer = httpx.post(f"{two.url}/api/children/search", json=search, headers=auth)
            if answer.status_code == 401:
                assert "revoked" in answer.json()["detail"]
                break
            assert time.monotonic() < deadline, "the sign-out never reached the other instance"
            time.sleep(0.25)
        fresh = {"Authorization": f"Bearer {caseworker_token('it-leaver')}"}
        assert (
            httpx.post(f"{two.url}/api/children/search", json=search, headers=fresh).status_code
            == 200
        )  # a new sign-in still works
    finally:
        one.stop()
        two.stop()
