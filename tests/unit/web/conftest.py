"""Fixtures for the web tests: an empty read model, a caller, tokens, an app over the store."""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.auth import Caller, OrgKind, Role, issue_token
from hub.web.app import create_app
from hub.web.context import WebState
from hub.web.readmodel import store
from hub.web.sinks.audit import MemoryAuditSink

SECRET = "unit-test-secret-of-a-decent-length-0123456789"
ISSUER = "send-hub"
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "read-model.sqlite3"


@pytest.fixture
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    c = store.connect(db_path)
    yield c
    c.close()


@pytest.fixture
def caller() -> Caller:
    return Caller(subject="alice", org="888", org_kind=OrgKind.LOCAL_AUTHORITY, role=Role.EHC_COORD)


@pytest.fixture
def token(caller: Caller) -> str:
    return issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=8))


@pytest.fixture
def state(db_path: Path, conn: sqlite3.Connection) -> WebState:
    return WebState(
        db_path=db_path, secret=SECRET, issuer=ISSUER, audit=MemoryAuditSink(), clock=lambda: NOW
    )


@pytest.fixture
def client(state: WebState) -> Iterator[TestClient]:
    with TestClient(create_app(state)) as c:
        yield c


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
