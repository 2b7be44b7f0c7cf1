"""Run the web service: wire the read model, feeder and audit sink from settings, serve uvicorn.

`serve` blocks (``send-hub web`` calls it); `spawn` starts ``send-hub web`` as a child process
and returns it, for the demo and the integration tests. SIGTERM or Ctrl-C stops the server,
its feeder (after the current poll) and the audit producer (after sending what is queued).
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import uvicorn

from hub.config import Settings
from hub.web.app import create_app
from hub.web.context import WebState
from hub.web.demo.people import load_people, people_path
from hub.web.ops.probe import OpsProbe
from hub.web.readmodel import store
from hub.web.readmodel.feeder import Feeder
from hub.web.sinks.audit import KafkaAuditSink
from hub.web.sinks.review_decisions import KafkaDecisionSink

__all__ = ["build_state", "db_path", "serve", "spawn"]


def db_path(settings: Settings) -> Path:
    """Where the read model lives: under ``SEND_HUB_DATA_DIR``, one file per topic prefix."""
    return settings.data_dir / "web" / f"{settings.topic_prefix}-{store.DB_FILE}"


def build_state(settings: Settings, *, rebuild: bool = False) -> WebState:
    """A web service fed from the hub's topics, auditing to ``send.audit``, deciding reviews."""
    path = db_path(settings)
    if rebuild:
        store.wipe(path)
    store.connect(path).close()  # create the file and tables before any reader opens it
    feeder = Feeder(
        settings.kafka_bootstrap, settings.topic("timeline"), settings.topic("identity.links"),
        path, settings.topic("identity.review"), settings.topic("identity.decisions"),
    )  # fmt: skip
    return WebState(
        db_path=path,
        secret=settings.auth_secret.get_secret_value(),
        issuer=settings.auth_issuer,
        audit=KafkaAuditSink(settings.kafka_bootstrap, settings.topic("audit")),
        feeder=feeder,
        decisions=KafkaDecisionSink(settings.kafka_bootstrap, settings.topic("identity.decisions")),
        demo_people=load_people(people_path(settings.data_dir)),
        ops=_ops_probe(settings),
        feed_quiet_seconds=settings.feed_quiet_seconds,
        assets_dir=settings.web_assets_dir,
    )


_INGEST = ("ingest.education", "ingest.health", "ingest.social_care", "ingest.local_authority")


def _ops_probe(settings: Settings) -> OpsProbe:
    return OpsProbe(
        settings.kafka_bootstrap, [settings.topic(t) for t in _INGEST],
        settings.topic("deadletter"), settings.worker_group_id(),
    )  # fmt: skip


def serve(settings: Settings, *, rebuild: bool = False) -> None:
    """Serve on ``SEND_HUB_WEB_HOST:SEND_HUB_WEB_PORT`` until stopped."""
    app = create_app(build_state(settings, rebuild=rebuild))
    uvicorn.run(
        app, host=settings.web_host, port=settings.web_port,
        log_level=settings.log_level.lower(), access_log=False,  # paths can carry child ids
    )  # fmt: skip


def spawn(
    env: Mapping[str, str] | None = None, *, rebuild: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``send-hub web`` in a child process (own session) with ``env`` added."""
    cmd = [sys.executable, "-m", "hub.cli.main", "web", *(["--rebuild"] if rebuild else [])]
    return subprocess.Popen(cmd, env={**os.environ, **(env or {})}, start_new_session=True)
