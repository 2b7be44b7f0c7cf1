"""What a running web app holds: read model, token secret, audit, decision and alert sinks,
feeder, clock, and the consent policy with its break-glass grants.

Request handlers get it with `web_state` and a read-only database connection with `database`;
the caller comes from `api_caller` (set by the API's auth middleware) or, for pages, from
the sign-in cookie (`page_caller`).
"""

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from hub.auth import AuthError, Caller, verify_token
from hub.config import Settings
from hub.files.policy import load_policy
from hub.web.children.access import AccessRules
from hub.web.demo.people import DemoPerson
from hub.web.ops.probe import OpsProbe
from hub.web.readmodel import store
from hub.web.readmodel.feeder import Feeder
from hub.web.review.views import PendingDecision
from hub.web.sinks.alerts import AlertSink
from hub.web.sinks.audit import AuditSink, MemoryAuditSink
from hub.web.sinks.review_decisions import DecisionSink

__all__ = [
    "COOKIE",
    "SignInRequired",
    "WebState",
    "api_caller",
    "bearer_token",
    "database",
    "dev_mode",
    "page_caller",
    "web_state",
]

COOKIE = "send_hub_token"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WebState:
    """Shared by every request of one app."""

    db_path: Path
    secret: str
    issuer: str
    audit: AuditSink = field(default_factory=MemoryAuditSink)
    feeder: Feeder | None = None
    decisions: DecisionSink | None = None  # None: identity decisions cannot be sent (503)
    clock: Callable[[], datetime] = _utc_now
    sent: dict[str, PendingDecision] = field(default_factory=dict)  # decided by this process
    access: AccessRules = field(default_factory=lambda: AccessRules(load_policy()))
    alerts: AlertSink | None = None  # None: break-glass alerts cannot be sent (503)
    demo_people: list[DemoPerson] = field(default_factory=list)  # offered only in dev mode
    ops: OpsProbe | None = None  # None: no broker to ask (the ops page says so)
    feed_quiet_seconds: float = 6 * 3600.0
    assets_dir: Path | None = None  # None: the repository's node_modules

    def ready(self) -> bool:
        """Caught up with the topics (an app without a feeder serves a prepared store)."""
        return self.feeder is None or self.feeder.status.caught_up

    def authenticate(self, token: str) -> Caller:
        """The caller of a token, or AuthError."""
        return verify_token(token, secret=self.secret, issuer=self.issuer, now=self.clock())


def dev_mode(state: WebState) -> bool:
    """Tokens are signed with the development key, so this is a demo: one-click sign-in is on.

    The one place that decides it; a real deployment sets its own ``SEND_HUB_AUTH_SECRET``.
    """
    default = Settings.model_fields["auth_secret"].default
    return bool(state.secret) and state.secret == default.get_secret_value()


class SignInRequired(Exception):  # a control-flow signal: redirect to sign in
    """A page needs a signed-in caller; the app answers with a redirect to the sign-in page."""


def web_state(request: Request) -> WebState:
    """The app's state."""
    state: WebState = request.app.state.web
    return state


def database(request: Request) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the read model for one request."""
    conn = store.connect(web_state(request).db_path, read_only=True)
    try:
        yield conn
    finally:
        conn.close()


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("send an Authorization: Bearer <token> header")
    return token.strip()


def api_caller(request: Request) -> Caller:
    """The API caller, authenticated by the middleware before routing."""
    caller: Caller = request.state.caller
    return caller


def page_caller(request: Request) -> Caller:
    """The signed-in caller of a page, from the sign-in cookie."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired
    try:
        return web_state(request).authenticate(token)
    except AuthError as exc:
        raise SignInRequired from exc


Db = Annotated[sqlite3.Connection, Depends(database)]
"""A read-only connection to the read model, per request."""
State = Annotated[WebState, Depends(web_state)]
ApiCaller = Annotated[Caller, Depends(api_caller)]
PageCaller = Annotated[Caller, Depends(page_caller)]
