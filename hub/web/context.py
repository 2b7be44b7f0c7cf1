"""What a running web app holds (read model, authenticator, consent policy and break-glass
grants, audit, decision and alert sinks, feeder, clock) and what a request gets from it: route
dependencies for the state, a database connection and the caller.

Authentication is a dependency of every route that needs a caller, not a check keyed on the
URL path, so no path trick (a ``root_path``, a double slash, a case change) can skip it:
`api_caller` reads ``Authorization: Bearer``, `page_caller` the sign-in cookie, and
`ops_caller` also requires an operations role. Each verifies the token on every request
(signature, audience, lifetime cap, clock, revocation).
"""

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.auth import AuthError, Caller, Role, Session, TokenRules
from hub.authn import Authenticator
from hub.errors import HubError
from hub.files.policy import load_policy
from hub.identity.involvement import Partnership
from hub.web.children.access import AccessRules
from hub.web.demo.people import DemoPerson
from hub.web.ops.probe import OpsProbe
from hub.web.readmodel import store
from hub.web.readmodel.feeder import Feeder
from hub.web.review.views import PendingDecision
from hub.web.security.provider import OidcLogin
from hub.web.security.ratelimit import SearchLimiter
from hub.web.security.revocations import RevocationFollower, RevocationSink
from hub.web.sinks.alerts import AlertSink
from hub.web.sinks.audit import AuditSink, MemoryAuditSink
from hub.web.sinks.review_decisions import DecisionSink

__all__ = [
    "COOKIE",
    "OPS_ROLES",
    "NotOperations",
    "SignInRequired",
    "WebState",
    "api_caller",
    "bearer_token",
    "database",
    "dev_mode",
    "ops_caller",
    "page_caller",
    "page_session",
    "web_state",
]

COOKIE = "send_hub_token"
OPS_ROLES = frozenset({Role.OPS, Role.ADMIN})


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WebState:
    """Shared by every request of one app."""

    db_path: Path
    secret: str = ""  # without ``auth``: local tokens signed with this key are accepted
    issuer: str = "send-hub"
    auth: Authenticator | None = None  # None: built from ``secret`` and ``issuer``
    revocations: RevocationSink | None = None  # shares sign-outs with the other instances
    revocation_follower: RevocationFollower | None = None  # hears the others' sign-outs
    partnership: Partnership | None = None  # who is involved with whom, for reviewing
    login: OidcLogin | None = None  # browser sign-in at the identity provider
    search_limit: SearchLimiter = field(default_factory=SearchLimiter)
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
    dev_key: bool = False  # signing with the generated development key (see dev_mode)

    def ready(self) -> bool:
        """Caught up with the topics (an app without a feeder serves a prepared store)."""
        return self.feeder is None or self.feeder.status.caught_up

    def __post_init__(self) -> None:
        if self.auth is None:
            self.auth = Authenticator(self.secret or None, TokenRules(issuer=self.issuer))

    def session(self, token: str) -> Session:
        """The verified session of a token, or AuthError."""
        assert self.auth is not None  # set in __post_init__
        return self.auth.session(token, self.clock())

    def authenticate(self, token: str) -> Caller:
        """The caller of a token, or AuthError."""
        return self.session(token).caller

    def sign_out(self, session: Session) -> None:
        """Refuse ``session``'s token here at once, and on every instance via the topic."""
        assert self.auth is not None
        self.auth.sign_out(session)
        if self.revocations is not None:
            self.revocations.publish(session, self.clock())


def dev_mode(state: WebState) -> bool:
    """Tokens are signed with the generated development key and no identity provider is
    configured, so this is a demo: one-click sign-in is on.

    The one place that decides it; a deployment with ``SEND_HUB_AUTH_SECRET`` or an identity
    provider is never in dev mode (``build_state`` sets ``dev_key`` from the settings).
    """
    auth = state.auth
    return state.dev_key and auth is not None and auth.local_key is not None and auth.oidc is None


class SignInRequired(Exception):  # a control-flow signal: redirect to sign in
    """A page needs a signed-in caller; the app answers with a redirect to the sign-in page."""


class NotOperations(HubError):
    """The caller's role may not see the operations pages."""


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


_BEARER = HTTPBearer(auto_error=False, description="An access token: the partnership's "
                     "identity provider's, or `send-hub token`'s.")  # fmt: skip


def api_session(
    request: Request,
    _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None,
) -> Session:
    """The API caller's verified session (AuthError -> 401), from the bearer token.

    ``_scheme`` only declares the bearer scheme in the OpenAPI description; the header is
    parsed here so every malformed form gets the same 401.
    """
    return web_state(request).session(bearer_token(request.headers.get("authorization")))


def api_caller(session: Annotated[Session, Depends(api_session)]) -> Caller:
    """The authenticated API caller."""
    return session.caller


def page_session(request: Request) -> Session:
    """The signed-in session of a page, from the sign-in cookie (else: go and sign in)."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired
    try:
        return web_state(request).session(token)
    except AuthError as exc:
        raise SignInRequired from exc


def page_caller(session: Annotated[Session, Depends(page_session)]) -> Caller:
    """The signed-in caller of a page."""
    return session.caller


def ops_caller(caller: Annotated[Caller, Depends(page_caller)]) -> Caller:
    """A signed-in caller with an operations role (OPS or ADMIN); others get a 403."""
    if caller.role not in OPS_ROLES:
        raise NotOperations(f"role {caller.role.value} may not see the service status")
    return caller


Db = Annotated[sqlite3.Connection, Depends(database)]
"""A read-only connection to the read model, per request."""
State = Annotated[WebState, Depends(web_state)]
ApiCaller = Annotated[Caller, Depends(api_caller)]
PageCaller = Annotated[Caller, Depends(page_caller)]
OpsCaller = Annotated[Caller, Depends(ops_caller)]
