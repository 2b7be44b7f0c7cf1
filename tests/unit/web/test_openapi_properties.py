"""Property-based API test generated from the OpenAPI description: no request gets a 5xx.

Schemathesis reads ``/openapi.json`` and Hypothesis generates requests for every operation,
valid and invalid (over-long strings, odd types, huge integers, unknown fields), sent in
process to an app over a small read model with a signed-in reviewer. Whatever they send, the
answer must be a 2xx or a 4xx, never a server error. (The schema is loaded when the module is
imported, so the app and its read model are made here, not in fixtures.)
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from hub.models import EventType as T
from hub.web.app import create_app
from hub.web.context import WebState
from hub.web.readmodel import store
from hub.web.readmodel.projection import apply_entry
from hub.web.readmodel.review_queue import apply_review_item
from hub.web.security.ratelimit import SearchLimiter
from tests.unit.web.conftest import EVERYONE, ISSUER, NOW, SECRET
from tests.unit.web.factory import Person, entry
from tests.unit.web.reviewfactory import FakeDecisions, review_item

A, D = "C00000000000a", "C00000000000d"
_DIR = tempfile.TemporaryDirectory(prefix="send-hub-openapi-")
STATE = WebState(
    db_path=Path(_DIR.name) / "read-model.sqlite3", secret=SECRET, issuer=ISSUER,
    clock=lambda: NOW, partnership=EVERYONE, decisions=FakeDecisions(),
    search_limit=SearchLimiter(per_minute=1e9, capacity=1e9),  # fuzz the search, not the limit
)  # fmt: skip
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(STATE))


@pytest.fixture(scope="module", autouse=True)
def filled() -> Iterator[None]:
    conn = store.connect(STATE.db_path)
    apply_entry(conn, entry(A, Person("P-1", upn="B801200005001"), T.PupilEnrolled))
    apply_entry(conn, entry(A, Person("NHS-7", nhs_number="9434765919"), T.Diagnosis, day=2))
    apply_review_item(conn, review_item("R0000000000000001", provisional=D, candidate=A))
    conn.commit()
    conn.close()
    yield
    _DIR.cleanup()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: Any, auth: dict[str, str]) -> None:
    response = case.call(headers=auth)
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
