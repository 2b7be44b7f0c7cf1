"""Without a broker, ``send-hub dlq`` says so in one line and exits non-zero (no traceback)."""

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["dlq", "list"], ["dlq", "replay", "--reason", "x"]])
def test_dlq_without_a_broker_is_one_clear_line(args: list[str]) -> None:
    env = {**os.environ, "SEND_HUB_KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no Kafka broker answers at 127.0.0.1:1" in lines[0]
    assert "Traceback" not in done.stderr
