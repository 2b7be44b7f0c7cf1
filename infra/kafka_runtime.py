"""A local Apache Kafka 4 broker (KRaft, one combined node) started by send-hub: install, start,
stop, status.

``start`` is idempotent: a broker already running from this data dir, or any broker
already answering at the configured address, is reported and reused. Only a
loopback ``SEND_HUB_KAFKA_BOOTSTRAP`` is ever started locally; anything else is an
existing cluster that send-hub uses but does not manage.

The local broker authenticates every client (SASL/SCRAM) and authorises it by ACL. Its
principals' passwords are made when its storage is formatted (``infra.credentials``); a data
dir formatted before the broker was secured has no SCRAM users and is refused with a clear
message rather than started open.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hub.config import Settings
from hub.errors import ConfigError, InfraError, KafkaUnavailable
from infra import process
from infra.credentials import (
    Principal,
    create_credentials,
    credentials_path,
    load_credentials,
)
from infra.jars import jars_ready, libs_dir, resolve_jars, version_from_jars, version_from_log
from infra.java import require_java
from infra.kraft import KafkaLayout, Passwords, format_storage, is_formatted, is_local, write_config
from infra.probe import broker_answers
from infra.security import KafkaConnection, connection_for

__all__ = [
    "BrokerStatus",
    "StartResult",
    "StopResult",
    "broker_version",
    "install",
    "local_passwords",
    "start",
    "status",
    "stop",
    "wait_until_ready",
]

log = logging.getLogger(__name__)
Step = Callable[[str], None]
_LOG_TAIL_BYTES = 2_000_000


@dataclass(frozen=True)
class BrokerStatus:
    """What ``send-hub kafka status`` reports."""

    running: bool
    managed: bool  # started by send-hub from this data dir (False: someone else's broker)
    bootstrap: str
    pid: int | None = None
    data_dir: Path | None = None
    version: str | None = None
    log_file: Path | None = None


@dataclass(frozen=True)
class StartResult:
    status: BrokerStatus
    already_running: bool
    seconds: float = 0.0
    formatted: bool = False


@dataclass(frozen=True)
class StopResult:
    pid: int | None  # None: nothing was running
    forced: bool = False
    seconds: float = 0.0


def _noop(_: str) -> None:
    return None


def install(settings: Settings) -> Path:
    """Resolve the broker jars into the cache (once); returns the ``libs`` directory."""
    return resolve_jars(settings.kafka_cache_dir, settings.kafka_version)


def broker_version(settings: Settings, layout: KafkaLayout | None = None) -> str | None:
    """The version the broker logged at start-up, else the one its jars carry."""
    if layout is not None and layout.server_log.is_file():
        with layout.server_log.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - _LOG_TAIL_BYTES))
            found = version_from_log(handle.read().decode(errors="replace"))
        if found:
            return found
    libs = libs_dir(settings.kafka_cache_dir, settings.kafka_version)
    return (
        version_from_jars(libs)
        if jars_ready(settings.kafka_cache_dir, settings.kafka_version)
        else None
    )


def status(settings: Settings) -> BrokerStatus:
    """Running or not, and where: pid, bootstrap, data dir, version, log."""
    if not is_local(settings):
        up = broker_answers(_admin(settings), timeout=5.0)
        return BrokerStatus(running=up, managed=False, bootstrap=settings.kafka_bootstrap)
    layout = KafkaLayout.from_settings(settings)
    pid = process.running_pid(layout)
    if pid is None and process.port_in_use(layout.host, layout.port):
        up = broker_answers(_admin(settings), timeout=3.0)
        return BrokerStatus(running=up, managed=False, bootstrap=layout.bootstrap)
    where = process.recorded_address(layout.pid_file) if pid is not None else None
    return BrokerStatus(
        running=pid is not None,
        managed=True,
        bootstrap=where or layout.bootstrap,
        pid=pid,
        data_dir=layout.data_dir,
        version=broker_version(settings, layout),
        log_file=layout.server_log,
    )


def start(settings: Settings, *, tie_to_parent: bool = False, step: Step = _noop) -> StartResult:
    """Start the local broker unless one is already up; wait until it answers metadata."""
    current = _already_up(settings)
    if current is not None:
        return StartResult(status=current, already_running=True)
    layout = KafkaLayout.from_settings(settings)
    process.check_ports_free(
        layout.host, {"Kafka port": layout.port, "Kafka controller port": layout.controller_port}
    )
    java = require_java()
    if not jars_ready(settings.kafka_cache_dir, settings.kafka_version):
        step(f"Resolving Apache Kafka {settings.kafka_version} jars with Maven (first run only)")
    libs = install(settings)
    passwords = local_passwords(settings, layout)
    write_config(layout, passwords)
    step("Formatting storage and starting the broker")
    formatted = format_storage(layout, java, libs, passwords)
    began = time.monotonic()
    pid = process.launch(java, libs, layout, tie_to_parent=tie_to_parent)
    step(f"Waiting for the broker (pid {pid}) to answer at {layout.bootstrap}")
    wait_until_ready(layout, pid, settings.kafka_start_timeout, _admin(settings))
    seconds = time.monotonic() - began
    version = broker_version(settings, layout)
    log.info("Apache Kafka %s ready at %s (pid %d, %.1f s)", version, layout.bootstrap, pid,
             seconds)  # fmt: skip
    state = BrokerStatus(True, True, layout.bootstrap, pid, layout.data_dir, version,
                         layout.server_log)  # fmt: skip
    return StartResult(status=state, already_running=False, seconds=seconds, formatted=formatted)


def local_passwords(settings: Settings, layout: KafkaLayout) -> Passwords:
    """The local broker's passwords: made now for a fresh data dir, else read back."""
    if settings.kafka_security_protocol != "SASL_PLAINTEXT":
        raise ConfigError(
            "the local broker speaks SASL_PLAINTEXT on loopback; SEND_HUB_KAFKA_SECURITY_PROTOCOL="
            f"{settings.kafka_security_protocol} is for an existing cluster (set its bootstrap)"
        )
    path = credentials_path(settings)
    if path.exists():
        return load_credentials(path)
    if is_formatted(layout):
        raise InfraError(
            f"the Kafka data in {layout.data_dir} was made before the broker required sign-in, "
            f"so it has no users: run `send-hub kafka stop`, delete {layout.root} "
            "(synthetic data only) and start again"
        )
    return create_credentials(path)


def _admin(settings: Settings) -> KafkaConnection:
    """The admin principal's connection; on loopback before any credentials exist, a bare one.

    A bare probe of a secured broker fails, so a foreign process on the port is then reported
    as such. An existing cluster without configured credentials is a configuration error.
    """
    try:
        return connection_for(settings, Principal.ADMIN)
    except ConfigError:
        if not is_local(settings):
            raise
        return KafkaConnection(settings.kafka_bootstrap)


def _already_up(settings: Settings) -> BrokerStatus | None:
    """The running broker to reuse, None to start one; raises for an unusable address."""
    if not is_local(settings):
        if broker_answers(_admin(settings), timeout=10.0):
            return BrokerStatus(running=True, managed=False, bootstrap=settings.kafka_bootstrap)
        raise KafkaUnavailable(
            f"no Kafka broker answers at {settings.kafka_bootstrap} (SEND_HUB_KAFKA_BOOTSTRAP); "
            "send-hub only starts a broker on 127.0.0.1: fix the address or unset it"
        )
    layout = KafkaLayout.from_settings(settings)
    pid = process.running_pid(layout)
    if pid is not None:
        where = process.recorded_address(layout.pid_file) or layout.bootstrap
        if where != layout.bootstrap:
            raise InfraError(
                f"the broker of {layout.root} already runs at {where} (pid {pid}), not at "
                f"{layout.bootstrap}: run `send-hub kafka stop` first to change its ports"
            )
        return status(settings)
    layout.pid_file.unlink(missing_ok=True)  # stale: that broker is gone
    if process.port_in_use(layout.host, layout.port) and broker_answers(_admin(settings), 3.0):
        return BrokerStatus(running=True, managed=False, bootstrap=layout.bootstrap)
    return None


def wait_until_ready(
    layout: KafkaLayout, pid: int, timeout: float, admin: KafkaConnection | None = None
) -> None:
    """Poll until the broker answers ``admin``'s metadata request; stop it and raise if not."""
    probe = admin or KafkaConnection(layout.bootstrap)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.is_kafka_process(pid):
            layout.pid_file.unlink(missing_ok=True)
            raise InfraError(
                f"Kafka exited while starting ({_last_error(layout)}); see {layout.server_log} "
                f"and {layout.console_log}"
            )
        left = deadline - time.monotonic()
        if broker_answers(probe, timeout=min(2.0, max(left, 0.5))):
            return
        time.sleep(0.2)
    process.stop_pid(pid, grace=10.0)
    layout.pid_file.unlink(missing_ok=True)
    raise KafkaUnavailable(
        f"Kafka did not answer at {layout.bootstrap} within {timeout:.0f} s and was stopped; "
        f"see its log {layout.server_log} (raise SEND_HUB_KAFKA_START_TIMEOUT on a slow machine)"
    )


def _last_error(layout: KafkaLayout) -> str:
    for path in (layout.console_log, layout.server_log):
        if not path.is_file():
            continue
        lines = path.read_text(errors="replace").splitlines()[-200:]
        errors = [ln for ln in lines if " ERROR " in ln or "Exception" in ln]
        if errors:
            return errors[-1].strip()[:240]
    return "no error in its log"


def stop(settings: Settings, grace: float = 30.0) -> StopResult:
    """Stop the broker this data dir started: SIGTERM, then SIGKILL after ``grace`` s."""
    if not is_local(settings):
        raise InfraError(
            f"SEND_HUB_KAFKA_BOOTSTRAP={settings.kafka_bootstrap} is a cluster send-hub did not "
            "start; stop it where it runs"
        )
    layout = KafkaLayout.from_settings(settings)
    pid = process.running_pid(layout)
    if pid is None:
        layout.pid_file.unlink(missing_ok=True)
        return StopResult(pid=None)
    began = time.monotonic()
    forced = process.stop_pid(pid, grace=grace)
    layout.pid_file.unlink(missing_ok=True)
    seconds = time.monotonic() - began
    log.info("Kafka (pid %d) stopped in %.1f s%s", pid, seconds, " (killed)" if forced else "")
    return StopResult(pid=pid, forced=forced, seconds=seconds)
