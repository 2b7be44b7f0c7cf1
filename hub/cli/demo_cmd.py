"""``send-hub demo``: the whole hub on one machine, stopped cleanly with Ctrl-C.

Starts (or reuses) the local Kafka broker, then the stream worker, the web service
and the synthetic-agency simulator as child processes of their own CLI
subcommands, so each runs exactly as an operator would run it by hand. Before the web
service starts it writes the demo people (`hub.cli.demo_setup`), so the sign-in page
offers one-click sign-in. The simulator publishes the history as fast as the hub takes
it, then the last ``--live-days`` at ``--rate``, so timelines are rich within a minute
and still grow. Prints the URL, what to try, and a caseworker token for the API.
Unless ``SEND_HUB_PARTNERSHIP_FILE`` is set, the demo writes a partnership file in which every
organisation shares casework (the simulated agencies are all one partnership), so its
reviewers may decide any review item; a real deployment lists its members.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta

import click

from hub.cli.demo_setup import write_demo_people
from hub.config import get_settings
from hub.errors import InfraError

__all__ = ["Demo", "register"]

_READY_TIMEOUT_S = 180.0


@dataclass
class Demo:
    """The demo's child processes, started in order and stopped in reverse."""

    children: int
    days: int
    rate: float
    live_days: int = 30
    seed: int = 2026
    procs: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def _spawn(self, name: str, *args: str) -> None:
        cmd = [sys.executable, "-m", "hub.cli.main", *args]
        log_dir = get_settings().data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        # The worker and web logs go to files so the console keeps the banner readable.
        with (log_dir / f"{name}.log").open("ab") as log:
            # New process group: Ctrl-C reaches the demo only, which stops each child in order.
            proc = subprocess.Popen(cmd, start_new_session=True, stdout=log, stderr=log)
        self.procs.append((name, proc))

    def start(self) -> None:
        _demo_partnership()
        # History ends today, so no simulated event lies in the future.
        start = date.today() - timedelta(days=self.days)
        live_from = date.today() - timedelta(days=min(self.live_days, self.days))
        write_demo_people(get_settings().data_dir, self.children, self.days, self.seed, start)
        self._run_once("kafka", "start")
        self._spawn("worker", "worker")
        self._spawn("web", "web")
        self._wait_ready()
        self._spawn(
            "simulator", "simulate", "--children", str(self.children), "--days", str(self.days),
            "--rate", str(self.rate), "--seed", str(self.seed), "--start", start.isoformat(),
            "--live-from", live_from.isoformat(),
        )  # fmt: skip

    def _run_once(self, *args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "hub.cli.main", *args], check=False)
        if done.returncode != 0:
            raise InfraError(f"'send-hub {' '.join(args)}' failed (exit {done.returncode})")

    def _wait_ready(self) -> None:
        settings = get_settings()
        url = f"http://{settings.web_host}:{settings.web_port}/ready"
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(1.0)
        raise InfraError(f"web service not ready at {url} after {_READY_TIMEOUT_S:.0f}s")

    def _check_alive(self) -> None:
        for name, proc in self.procs:
            if proc.poll() is not None and name != "simulator":
                raise InfraError(f"the {name} process exited with code {proc.returncode}")

    def wait(self) -> None:
        """Block until Ctrl-C or until a long-running child dies."""
        while True:
            self._check_alive()
            time.sleep(1.0)

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()


_DEMO_PARTNERSHIP = """\
# Written by `send-hub demo`: the simulated agencies form one partnership, so every
# organisation is involved with every child. A real partnership lists its members.
version: 1
groups:
  - name: synthetic demo partnership
    organisations: ["*"]
"""


def _demo_partnership() -> None:
    """Point the worker and web at the demo's partnership file, unless one is configured."""
    if os.environ.get("SEND_HUB_PARTNERSHIP_FILE"):
        return
    path = get_settings().data_dir / "demo-partnership.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_DEMO_PARTNERSHIP)
    os.environ["SEND_HUB_PARTNERSHIP_FILE"] = str(path.resolve())  # the children inherit it


def _banner(token: str) -> None:
    settings = get_settings()
    base = f"http://{settings.web_host}:{settings.web_port}"
    click.echo("")
    click.secho("send-hub demo is running", bold=True)
    click.echo(f"  caseworker UI : {base}/signin  (one click signs you in as a demo person)")
    click.echo(f"  stream health : {base}/ops")
    click.echo(f"  API docs      : {base}/docs")
    click.echo(f"  metrics       : {base}/metrics")
    click.echo(f"  dev token     : {token}")
    click.echo(f"  logs          : {settings.data_dir / 'logs'}/{{worker,web,simulator}}.log")
    click.echo("  try           : sign in as the EHC coordinator, open a suggested child on")
    click.echo("                  'Find a child' and read their journey across the agencies")
    click.echo(f'  API           : curl -H "Authorization: Bearer $TOKEN" {base}/api/children?...')
    click.echo("Press Ctrl-C to stop everything.")


def _dev_token() -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hub.cli.main",
            "token",
            "--sub",
            "demo-caseworker",
            "--org",
            "888",
            "--org-kind",
            "LOCAL_AUTHORITY",
            "--role",
            "EHC_COORD",
            "--purpose",
            "STATUTORY_EHC",  # sees children with an open EHC case of LA 888 (consent policy)
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise InfraError(f"could not issue a dev token: {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def register(group: click.Group) -> None:
    @group.command("demo")
    @click.option("--children", default=2000, show_default=True, help="synthetic children")
    @click.option("--days", default=730, show_default=True, help="days of history to simulate")
    @click.option("--rate", default=5.0, show_default=True,
                  help="events per second once the history is in (the live part)")  # fmt: skip
    @click.option("--live-days", default=30, show_default=True,
                  help="the last days of the simulation published live at --rate")  # fmt: skip
    @click.option("--stop-kafka/--keep-kafka", default=True, help="stop the broker on exit")
    def demo(children: int, days: int, rate: float, live_days: int, stop_kafka: bool) -> None:
        """Run everything locally: Kafka, worker, web service and simulated agencies."""
        run = Demo(children=children, days=days, rate=rate, live_days=live_days)
        # SIGTERM (e.g. from a service manager) stops the demo as cleanly as Ctrl-C.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            run.start()
            _banner(_dev_token())
            run.wait()
        except KeyboardInterrupt:
            click.echo("\nstopping send-hub demo ...")
        finally:
            run.stop()
            if stop_kafka:
                subprocess.run([sys.executable, "-m", "hub.cli.main", "kafka", "stop"], check=False)
