"""Fixtures for the web tests: an empty read model, a caller, tokens, an app over the store."""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, OrgKind, Role, issue_token
from hub.consent import BreakGlass
from hub.files.policy import load_policy
from hub.identity.involvement import Partnership, PartnershipGroup
from hub.models import Purpose
from hub.web.app import create_app
from hub.web.children.access import AccessRules
from hub.web.context import WebState
from hub.web.readmodel import store
from hub.web.sinks.audit import MemoryAuditSink

SECRET = "unit-test-secret-of-a-decent-length-0123456789"
ISSUER = "send-hub"
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
# Every organisation shares casework (tests of involvement set a narrower partnership).
EVERYONE = Partnership(groups=(PartnershipGroup(name="all", organisations=frozenset({"*"})),))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "read-model.sqlite3"


@pytest.fixture
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    c = store.connect(db_path)
    yield c
    c.close()


class StandingBreakGlass(AccessRules):
    """The shipped policy, with a break-glass of the test social worker on every child.

    The web tests that are about search, paging, merges and pages (not about consent) read as
    a social worker with a recorded safeguarding reason: a caller who lawfully sees every
    entry (except SEALED ones) in full. Consent enforcement has its own tests.
    """

    def break_glass(self, child_id: str, now: datetime) -> list[BreakGlass]:
        return [
            BreakGlass("alice", "888", "SW", "standing test reason", now, now + timedelta(hours=1))
        ]


@pytest.fixture
def caller() -> Caller:
    return Caller(
        subject="alice",
        org="888",
        org_kind=OrgKind.SOCIAL_CARE,
        role=Role.SW,
        purpose=Purpose.SAFEGUARDING,
    )


@pytest.fixture
def token(caller: Caller) -> str:
    return issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=8))


@pytest.fixture
def state(db_path: Path, conn: sqlite3.Connection) -> WebState:
    return WebState(
        db_path=db_path,
        secret=SECRET,
        issuer=ISSUER,
        audit=MemoryAuditSink(),
        clock=lambda: NOW,
        access=StandingBreakGlass(load_policy()),
        partnership=EVERYONE,
    )


@pytest.fixture
def client(state: WebState) -> Iterator[TestClient]:
    # As behind the TLS proxy of a deployment: the sign-in cookie is Secure there.
    with TestClient(create_app(state), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
