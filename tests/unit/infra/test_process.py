"""Ports, pid files and stopping a process that ignores the polite signal."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.errors import InfraError
from infra.process import (
    check_ports_free,
    free_port,
    is_kafka_process,
    port_in_use,
    read_pid,
    recorded_address,
    stop_pid,
)


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_listening_port_is_in_use(listener: int) -> None:
    assert port_in_use("127.0.0.1", listener)
    assert not port_in_use("127.0.0.1", free_port())


def test_port_in_use_names_the_setting_to_change(listener: int) -> None:
    with pytest.raises(InfraError, match=rf"127.0.0.1:{listener} \(Kafka port\).*BOOTSTRAP"):
        check_ports_free("127.0.0.1", {"Kafka port": listener})
    with pytest.raises(InfraError, match="SEND_HUB_KAFKA_CONTROLLER_PORT"):
        ports = {"Kafka port": free_port(), "Kafka controller port": listener}
        check_ports_free("127.0.0.1", ports)


def test_pid_file_holds_pid_and_address(tmp_path: Path) -> None:
    pid_file = tmp_path / "kafka.pid"
    assert read_pid(pid_file) is None
    pid_file.write_text("4242\n127.0.0.1:9092\n")
    assert read_pid(pid_file) == 4242
    assert recorded_address(pid_file) == "127.0.0.1:9092"
    pid_file.write_text("garbage")
    assert read_pid(pid_file) is None


def test_a_pid_that_is_not_kafka_is_left_alone() -> None:
    assert not is_kafka_process(os.getpid())  # pytest, not kafka.Kafka


def test_stop_kills_a_process_that_ignores_sigterm() -> None:
    # A stand-in whose command line contains kafka.Kafka and which ignores SIGTERM.
    code = (
        "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "kafka.Kafka"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert is_kafka_process(proc.pid)
        assert stop_pid(proc.pid, grace=0.5) is True  # had to use SIGKILL
        assert proc.wait(timeout=5) == -9
    finally:
        proc.kill()
