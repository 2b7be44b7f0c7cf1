"""How long ``send-hub demo`` takes from launch to its banner, on a fresh data directory.

The banner appears once the broker is formatted and started (with its users and ACLs), the
worker and the web service are up and the web answers ``/ready``. Free ports and a temporary
data dir keep it apart from any demo already running. Prints the seconds, then stops the
demo with Ctrl-C (SIGINT) as a user would, and prints how long stopping took.

    .venv/bin/python bench/demo_start.py [--runs N]
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

from infra.process import free_port

_BANNER = "send-hub demo is running"
_TIMEOUT_S = 300.0


def _env(data_dir: str) -> dict[str, str]:
    port, controller, web = free_port(), free_port(), free_port()
    return {
        **os.environ, "SEND_HUB_DATA_DIR": data_dir,
        "SEND_HUB_KAFKA_BOOTSTRAP": f"127.0.0.1:{port}",
        "SEND_HUB_KAFKA_CONTROLLER_PORT": str(controller), "SEND_HUB_WEB_PORT": str(web),
        "SEND_HUB_WORKER_METRICS_PORT": "0",
    }  # fmt: skip


def _one_run() -> tuple[float, float]:
    """(seconds to the banner, seconds to stop after Ctrl-C)."""
    with tempfile.TemporaryDirectory(prefix="send-hub-demo-") as data_dir:
        began = time.monotonic()
        demo = subprocess.Popen(
            [sys.executable, "-m", "hub.cli.main", "demo"], env=_env(data_dir), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        assert demo.stdout is not None
        seen = False
        for line in demo.stdout:
            seen = _BANNER in line
            if seen or time.monotonic() - began > _TIMEOUT_S:
                break
        ready = time.monotonic() - began
        if not seen:
            os.killpg(demo.pid, signal.SIGINT)
            raise SystemExit(f"no demo banner after {ready:.0f} s")
        stopping = time.monotonic()
        os.killpg(demo.pid, signal.SIGINT)
        demo.communicate(timeout=120)
        return ready, time.monotonic() - stopping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for n in range(1, args.runs + 1):
        ready, stopped = _one_run()
        print(f"demo run {n}: banner after {ready:.1f} s, stopped {stopped:.1f} s after Ctrl-C")


if __name__ == "__main__":
    main()
