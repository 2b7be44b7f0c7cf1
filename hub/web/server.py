"""Run the web service: wire the read model, feeder and audit sink from settings, serve uvicorn.

`serve` blocks (``send-hub web`` calls it); `spawn` starts ``send-hub web`` as a child process
and returns it, for the demo and the integration tests. SIGTERM or Ctrl-C stops the server,
its feeder (after the current poll) and the audit outbox sender (after sending what it holds
while the broker answers; anything left is sent at the next start).
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import uvicorn

from hub.authn import authenticator_from, oidc_configured
from hub.config import Settings
from hub.errors import ConfigError
from hub.files.partnership import load_partnership
from hub.files.policy import load_policy
from hub.web.app import create_app
from hub.web.children.access import AccessRules
from hub.web.context import WebState
from hub.web.demo.people import load_people, people_path
from hub.web.ops.probe import OpsProbe
from hub.web.readmodel import store
from hub.web.readmodel.consent import backfill_marks
from hub.web.readmodel.feeder import Feeder
from hub.web.security.provider import OidcLogin
from hub.web.security.revocations import KafkaRevocationSink, RevocationFollower
from hub.web.sinks.alerts import KafkaAlertSink
from hub.web.sinks.outbox import OutboxAuditSink
from hub.web.sinks.review_decisions import KafkaDecisionSink
from infra.credentials import Principal
from infra.security import KafkaConnection, connection_for

__all__ = ["browser_login", "build_state", "db_path", "outbox_path", "serve", "spawn"]


def db_path(settings: Settings) -> Path:
    """Where the read model lives: under ``SEND_HUB_DATA_DIR``, one file per topic prefix."""
    return settings.data_dir / "web" / f"{settings.topic_prefix}-{store.DB_FILE}"


def outbox_path(settings: Settings) -> Path:
    """The audit outbox: ``SEND_HUB_AUDIT_OUTBOX``, else beside the read model."""
    default = settings.data_dir / "web" / f"{settings.topic_prefix}-audit-outbox.sqlite3"
    return settings.audit_outbox or default


def browser_login(settings: Settings) -> OidcLogin | None:
    """The provider's browser sign-in, if configured (client id and the three URLs)."""
    parts = (settings.oidc_client_id, settings.oidc_authorize_url, settings.oidc_token_url,
             settings.oidc_redirect_url)  # fmt: skip
    if not any(parts):
        return None
    if not all(parts) or not oidc_configured(settings):
        raise ConfigError("browser sign-in needs SEND_HUB_OIDC_CLIENT_ID, _AUTHORIZE_URL, "
                          "_TOKEN_URL, _REDIRECT_URL and the provider (_ISSUER, _AUDIENCE, "
                          "_JWKS_URL)")  # fmt: skip
    client, authorize, token, redirect = (str(p) for p in parts)
    return OidcLogin(authorize_url=authorize, token_url=token, client_id=client,
                     redirect_url=redirect, scopes=settings.oidc_scopes,
                     client_secret=settings.oidc_client_secret.get_secret_value())  # fmt: skip


def build_state(settings: Settings, *, rebuild: bool = False) -> WebState:
    """A web service fed from the hub's topics, auditing to ``send.audit``, deciding reviews,
    verifying tokens as the settings say and sharing sign-outs on ``send.auth.revocations``."""
    path = _prepare_read_model(settings, rebuild)
    kafka = connection_for(settings, Principal.WEB)  # the web principal's sign-in
    bootstrap = kafka
    auth = authenticator_from(settings)
    revocations = settings.topic("auth.revocations")
    return WebState(
        db_path=path,
        auth=auth,
        revocations=KafkaRevocationSink(bootstrap, revocations),
        revocation_follower=RevocationFollower(bootstrap, revocations, auth.revoked),
        partnership=load_partnership(settings.partnership_file),
        login=browser_login(settings),
        audit=OutboxAuditSink(bootstrap, settings.topic("audit"), outbox_path(settings)),
        feeder=_feeder(settings, kafka, path),
        decisions=KafkaDecisionSink(bootstrap, settings.topic("identity.decisions")),
        access=AccessRules(load_policy(settings.consent_policy), settings.break_glass_hours),
        alerts=KafkaAlertSink(bootstrap, settings.topic("alerts")),
        demo_people=load_people(people_path(settings.data_dir)),
        ops=_ops_probe(settings, kafka),
        feed_quiet_seconds=settings.feed_quiet_seconds,
        assets_dir=settings.web_assets_dir,
        # The generated per-data-dir key and no identity provider: a demo (`dev_mode`).
        dev_key=not settings.auth_secret.get_secret_value() and not oidc_configured(settings),
    )


def _prepare_read_model(settings: Settings, rebuild: bool) -> Path:
    """The read model's file, created (or wiped first, to rebuild) before any reader opens it."""
    path = db_path(settings)
    if rebuild:
        store.wipe(path)
    conn = store.connect(path)
    with store.transaction(conn):
        backfill_marks(conn)  # a read model projected before relationship marks were stored
    conn.close()
    return path


def _feeder(settings: Settings, kafka: KafkaConnection, path: Path) -> Feeder:
    return Feeder(
        kafka, settings.topic("timeline"), settings.topic("identity.links"),
        path, settings.topic("identity.review"), settings.topic("identity.decisions"),
        settings.topic("consent"), settings.topic("audit"), settings.topic("alerts"),
    )  # fmt: skip


_INGEST = ("ingest.education", "ingest.health", "ingest.social_care", "ingest.local_authority")


def _ops_probe(settings: Settings, kafka: KafkaConnection) -> OpsProbe:
    return OpsProbe(
        kafka, [settings.topic(t) for t in _INGEST],
        settings.topic("deadletter"), settings.worker_group_id(),
    )  # fmt: skip


def serve(settings: Settings, *, rebuild: bool = False) -> None:
    """Serve on ``SEND_HUB_WEB_HOST:SEND_HUB_WEB_PORT`` until stopped."""
    app = create_app(build_state(settings, rebuild=rebuild),
                     max_body_bytes=settings.web_max_body_bytes)  # fmt: skip
    uvicorn.run(
        app, host=settings.web_host, port=settings.web_port,
        log_level=settings.log_level.lower(), access_log=False,  # paths can carry child ids
        h11_max_incomplete_event_size=settings.web_max_header_bytes,  # header block limit
    )  # fmt: skip


def spawn(
    env: Mapping[str, str] | None = None, *, rebuild: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``send-hub web`` in a child process (own session) with ``env`` added."""
    cmd = [sys.executable, "-m", "hub.cli.main", "web", *(["--rebuild"] if rebuild else [])]
    return subprocess.Popen(cmd, env={**os.environ, **(env or {})}, start_new_session=True)
