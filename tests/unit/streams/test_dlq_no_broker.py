"""Without a broker, ``send-hub dlq`` says so in one line and exits non-zero (no traceback)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

_ARGS = [["dlq", "list"], ["dlq", "replay", "--reason", "x"]]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SEND_HUB_KAFKA_")}
    return subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args],
        env={**full, "SEND_HUB_KAFKA_BOOTSTRAP": "127.0.0.1:1", **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("args", _ARGS)
def test_dlq_without_a_broker_is_one_clear_line(args: list[str]) -> None:
    done = _run(args, SEND_HUB_KAFKA_USERNAME="ops", SEND_HUB_KAFKA_PASSWORD="x")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no Kafka broker answers at 127.0.0.1:1" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", _ARGS)
def test_dlq_without_credentials_is_one_clear_line(args: list[str], tmp_path: Path) -> None:
    done = _run(args, SEND_HUB_DATA_DIR=str(tmp_path))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no Kafka credentials at" in lines[0], done.stderr
    assert "SEND_HUB_KAFKA_USERNAME" in lines[0] and "Traceback" not in done.stderr
