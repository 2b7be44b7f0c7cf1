"""Running the broker JVM as a detached background process: ports, launch, pid file, stop.

The JVM gets its own session (so a Ctrl-C in the shell that ran ``send-hub kafka start``
does not reach it) and a pid file; ``stop`` checks the pid still belongs to a Kafka
JVM before signalling it, because pids are reused after a reboot.
"""

import contextlib
import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from hub.errors import InfraError
from infra.kraft import KafkaLayout

__all__ = [
    "JVM_OPTIONS",
    "check_ports_free",
    "free_port",
    "is_kafka_process",
    "launch",
    "port_in_use",
    "read_pid",
    "recorded_address",
    "running_pid",
    "stop_pid",
]

# C1 only (no C2): the brokers this runs live minutes to hours on a small machine beside the
# hub's own processes, and C2 compiling Kafka's hot paths took as much CPU as the broker's
# work in a replay (ADR 0013: bench/pipeline.py's broker 1.6-1.9 CPU-s -> 0.75-0.81).
JVM_OPTIONS = (
    "-Xms256m", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)  # fmt: skip
_MAIN_CLASS = "kafka.Kafka"
_PR_SET_PDEATHSIG = 1
# Children this process launched: polling them reaps the zombie a dead child leaves behind.
_children: dict[int, subprocess.Popen[bytes]] = {}


def port_in_use(host: str, port: int) -> bool:
    """True when something is bound to ``host:port`` (a listener, not a TIME_WAIT leftover)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a just-stopped broker's TIME_WAIT sockets must not count as "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise InfraError(f"cannot use {host}:{port}: {exc.strerror}") from exc
    return False


def check_ports_free(host: str, ports: dict[str, int]) -> None:
    """Raise ``InfraError`` naming the first of ``{role: port}`` that is already taken."""
    for role, port in ports.items():
        if port_in_use(host, port):
            setting = (
                "SEND_HUB_KAFKA_CONTROLLER_PORT"
                if "controller" in role
                else ("SEND_HUB_KAFKA_BOOTSTRAP")
            )
            raise InfraError(
                f"{host}:{port} ({role}) is already in use by another process: stop it, or "
                f"choose another port with {setting}"
            )


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free right now (for tests; racy by nature)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def launch(java: Path, libs: Path, layout: KafkaLayout, tie_to_parent: bool = False) -> int:
    """Start ``kafka.Kafka`` detached, write the pid file, return the pid.

    ``tie_to_parent`` (Linux) makes the kernel send SIGTERM to the broker if the
    launching process dies without cleaning up - used by the test session.
    """
    cmd = [
        str(java), *JVM_OPTIONS, f"-Dlog4j2.configurationFile={layout.log4j2}",
        f"-Dkafka.logs.dir={layout.logs_dir}", "-cp", f"{libs}/*", _MAIN_CLASS,
        str(layout.properties),
    ]  # fmt: skip
    preexec = _die_with_parent if tie_to_parent and sys.platform == "linux" else None
    with layout.console_log.open("ab") as out:
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=layout.root, start_new_session=True, preexec_fn=preexec,
            )  # fmt: skip
        except OSError as exc:
            raise InfraError(f"could not start Java ({java}): {exc}") from exc
    _children[proc.pid] = proc
    # The address is recorded too: a later run may be configured with other ports.
    layout.pid_file.write_text(f"{proc.pid}\n{layout.bootstrap}\n")
    return proc.pid


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in ``pid_file``, or None when absent or unreadable."""
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def recorded_address(pid_file: Path) -> str | None:
    """The bootstrap address the broker in ``pid_file`` was started with, if recorded."""
    try:
        lines = pid_file.read_text().split()
    except OSError:
        return None
    return lines[1] if len(lines) > 1 else None


def is_kafka_process(pid: int) -> bool:
    """True when ``pid`` is alive and (where ``/proc`` exists) is a ``kafka.Kafka`` JVM."""
    child = _children.get(pid)
    if child is not None:
        # Our own child: poll() is exact (and reaps it); its /proc cmdline can read empty
        # for a moment right after exec.
        if child.poll() is None:
            return True
        _children.pop(pid, None)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process now holds this pid
    if not Path("/proc/self").exists():
        return True  # no /proc (macOS): trust the pid file
    try:
        # A zombie or a reused pid has an empty or different command line.
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return _MAIN_CLASS.encode() in args


def running_pid(layout: KafkaLayout) -> int | None:
    """The pid of the broker this layout's pid file names, if it is still running."""
    pid = read_pid(layout.pid_file)
    if pid is not None and is_kafka_process(pid):
        return pid
    return None


def stop_pid(pid: int, grace: float = 30.0) -> bool:
    """SIGTERM (Kafka's graceful shutdown), wait ``grace`` s, then SIGKILL; True if forced."""
    _signal(pid, signal.SIGTERM)
    if _wait_gone(pid, grace):
        return False
    _signal(pid, signal.SIGKILL)
    if not _wait_gone(pid, 10.0):
        raise InfraError(f"Kafka (pid {pid}) did not exit even after SIGKILL")
    return True


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_kafka_process(pid):
            return True
        time.sleep(0.1)
    return not is_kafka_process(pid)
