"""Run the stream worker: in this process (``send-hub worker``) or as a subprocess (demo, tests).

`run_worker` creates the hub topics and the worker's changelog topics if missing, starts the
Prometheus endpoint on loopback, and runs `streams.app.HubWorker` until SIGINT/SIGTERM: the
batch in flight commits, the worker leaves its consumer group, and the process exits 0. A
batch that cannot commit stops the worker with one critical log line and exit code 1 (its
offsets were not committed: the next owner of its partitions processes it again).
`start_worker_process` launches ``send-hub worker`` as a child process with extra environment
(e.g. its own data dir and a ready file) and returns the `subprocess.Popen`; `wait_ready`
waits for its ready file.
"""

import asyncio
import gc
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from prometheus_client import start_http_server

from hub import metrics
from hub.config import Settings, get_settings
from hub.errors import InfraError
from infra.credentials import Principal
from infra.security import connection_for
from infra.topics import TopicSpec, create_topics, ensure_hub_topics
from streams.app import HubWorker, app_id, changelog_topics
from streams.commits import BatchFailed
from streams.config import WorkerSettings, get_worker_settings

__all__ = ["READY_FILE_ENV", "run_worker", "start_worker_process", "wait_ready"]

READY_FILE_ENV = "SEND_HUB_WORKER_READY_FILE"
log = logging.getLogger(__name__)


async def _announce_ready(hub: HubWorker, path: Path) -> None:
    """Write ``path`` once the crosswalk is loaded and this worker's partitions are set up."""
    await hub.follower.ready.wait()
    await hub.intake.ready.wait()
    path.write_text(f"{os.getpid()}\n", encoding="utf-8")


def _serve_metrics(ws: WorkerSettings) -> None:
    try:
        start_http_server(ws.metrics_port, addr=ws.metrics_host)
    except OSError as exc:  # e.g. a second worker on one machine: run on, without /metrics
        log.warning("no /metrics on %s:%d: %s", ws.metrics_host, ws.metrics_port, exc)


def _ensure_changelogs(settings: Settings, ws: WorkerSettings) -> None:
    """The state stores' compacted changelog topics, one partition per ingest partition."""
    compact = {"cleanup.policy": "compact"}
    create_topics(connection_for(settings, Principal.WORKER), [
        TopicSpec(topic, settings.topic_partitions, compact)
        for topic in changelog_topics(settings, ws).values()
    ])  # fmt: skip


async def _serve(settings: Settings, ws: WorkerSettings, ready: Path | None) -> int:
    hub = HubWorker(settings, ws)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, hub.stop)
    announce = asyncio.create_task(_announce_ready(hub, ready)) if ready else None
    try:
        await hub.run()
    except BatchFailed as exc:
        # Bad input never gets here (the pipeline dead-letters it): the broker refused the
        # batch's outputs or this worker was fenced. Its offsets were not committed.
        log.critical("stopping the worker: a batch failed with %s", exc)
        metrics.WORKER_ERRORS.labels(stage="batch").inc()
        if hub.intake.stuck:  # a client thread that never returns would block the exit
            logging.shutdown()
            os._exit(1)
        return 1
    finally:
        if announce is not None:
            announce.cancel()
    return 0


def run_worker(settings: Settings | None = None, ws: WorkerSettings | None = None) -> None:
    """Run the worker in the foreground until it is stopped (blocks; exits 1 on a failed batch)."""
    settings = settings or get_settings()
    ws = ws or get_worker_settings()
    logging.basicConfig(
        level=ws.log_level.upper(), stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )  # fmt: skip
    ensure_hub_topics(settings, app_id(settings, ws))
    _ensure_changelogs(settings, ws)
    (Path(settings.data_dir) / "worker").mkdir(parents=True, exist_ok=True)
    if ws.metrics_port:
        _serve_metrics(ws)
    # The worker keeps large, long-lived state (crosswalk, timeline buckets); the default GC
    # thresholds make full collections walk all of it every few thousand allocations, which
    # showed as 100 ms+ pauses in the latency tail. Collect young objects less often.
    gc.set_threshold(100_000, 50, 100)
    ready = os.environ.get(READY_FILE_ENV)
    if ready:
        Path(ready).unlink(missing_ok=True)
    code = asyncio.run(_serve(settings, ws, Path(ready) if ready else None))
    if code:
        raise SystemExit(code)


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
