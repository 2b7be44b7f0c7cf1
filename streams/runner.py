"""Run the stream worker: in this process (``send-hub worker``) or as a subprocess (demo, tests).

`run_worker` creates the hub topics if missing, starts the Prometheus endpoint on loopback,
and runs the Faust worker until SIGINT/SIGTERM. `start_worker_process` launches
``send-hub worker`` as a child process with extra environment (e.g. its own data dir and a
ready file) and returns the `subprocess.Popen`; `wait_ready` waits for its ready file.
"""

import asyncio
import gc
import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import faust
from prometheus_client import start_http_server

from hub.config import Settings, get_settings
from hub.errors import InfraError
from infra.credentials import Principal
from infra.security import connection_for
from infra.topics import TopicSpec, create_topics, ensure_hub_topics
from streams.app import HubWorker, app_id, create_app
from streams.config import WorkerSettings, get_worker_settings

__all__ = ["READY_FILE_ENV", "run_worker", "start_worker_process", "wait_ready"]

READY_FILE_ENV = "SEND_HUB_WORKER_READY_FILE"


async def _announce_ready(app: faust.App, hub: HubWorker, path: Path) -> None:
    """Write ``path`` once the crosswalk is loaded and this worker owns partitions."""
    await hub.follower.ready.wait()
    while not app.consumer.assignment():
        await asyncio.sleep(0.1)
    path.write_text(f"{os.getpid()}\n", encoding="utf-8")


def _serve_metrics(ws: WorkerSettings) -> None:
    try:
        start_http_server(ws.metrics_port, addr=ws.metrics_host)
    except OSError as exc:  # e.g. a second worker on one machine: run on, without /metrics
        logging.getLogger(__name__).warning(
            "no /metrics on %s:%d: %s", ws.metrics_host, ws.metrics_port, exc
        )


class _Worker(faust.Worker):
    """Faust's worker without its terminal spinner.

    The spinner sets the root logger to DEBUG so it can spin on every record; then every
    ``log.debug`` in aiokafka's and Faust's per-message paths builds a LogRecord (~8% of the
    worker's time in a profile). Without it the root logger keeps the configured level.
    """

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None


def _ensure_changelogs(settings: Settings, ws: WorkerSettings) -> None:
    """Create the tables' changelog topics before Faust starts.

    Faust creates them itself, but a write in the first seconds can then meet metadata
    without them and fail with PartitionsMismatch (seen in CI), which stops the worker.
    """
    prefix = app_id(settings, ws)
    compact = {"cleanup.policy": "compact"}
    create_topics(connection_for(settings, Principal.WORKER), [
        TopicSpec(f"{prefix}-{table}-changelog", settings.topic_partitions, compact)
        for table in ("dedupe", "timeline")
    ])  # fmt: skip


def run_worker(settings: Settings | None = None, ws: WorkerSettings | None = None) -> None:
    """Run the worker in the foreground until it is stopped (blocks)."""
    settings = settings or get_settings()
    ws = ws or get_worker_settings()
    ensure_hub_topics(settings, ws.app_id)
    _ensure_changelogs(settings, ws)
    (Path(settings.data_dir) / "worker").mkdir(parents=True, exist_ok=True)
    if ws.metrics_port:
        _serve_metrics(ws)
    # The worker keeps large, long-lived state (crosswalk, timeline buckets); the default GC
    # thresholds make full collections walk all of it every few thousand allocations, which
    # showed as 100 ms+ pauses in the latency tail. Collect young objects less often.
    gc.set_threshold(100_000, 50, 100)
    app, hub = create_app(settings, ws)
    ready = os.environ.get(READY_FILE_ENV)
    if ready:
        Path(ready).unlink(missing_ok=True)

        @app.task
        async def announce() -> None:
            await _announce_ready(app, hub, Path(ready))

    worker = _Worker(app, loglevel=ws.log_level, quiet=True)
    worker.execute_from_commandline()


def start_worker_process(
    env: Mapping[str, str] | None = None,
    log: IO[bytes] | Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``send-hub worker`` as a child process with ``env`` added to this environment."""
    full_env = {**os.environ, **(env or {})}
    out: IO[bytes] | int = subprocess.DEVNULL
    if isinstance(log, Path):
        out = log.open("ab")
    elif log is not None:
        out = log
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli.main", "worker"],
        env=full_env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def wait_ready(proc: subprocess.Popen[bytes], ready_file: Path, timeout: float = 60.0) -> None:
    """Wait until the worker wrote ``ready_file``; InfraError if it exits or times out."""
    deadline = time.monotonic() + timeout
    while not ready_file.exists():
        if proc.poll() is not None:
            raise InfraError(f"worker exited with code {proc.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise InfraError(f"worker not ready after {timeout:.0f} s")
        time.sleep(0.1)
