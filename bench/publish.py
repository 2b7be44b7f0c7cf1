"""Benchmark: events/s published to a real Kafka broker, and peak memory, for two workloads.

1. the simulator's feeds (``--children`` x ``--days``) replayed through the adapters;
2. one large school attendance CSV (``--rows``, default 1,000,000) through ``publish``'s path.

Each workload runs in its own process so its peak RSS is its own. Uses the broker at
``SEND_HUB_KAFKA_BOOTSTRAP`` if set, else starts the project's broker on free ports and
stops it at the end. Topics get a fresh prefix, so nothing else is disturbed.

    .venv/bin/python bench/publish.py [--rows 1000000] [--children 2000] [--days 365]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from connectors.pipeline import PublisherSink, peak_rss_mb, publish_files
from connectors.school import SchoolAdapter
from connectors.simulator import simulate
from connectors.simulator.render import csv_header
from connectors.simulator.replay import publish_simulation
from hub.config import Settings
from hub.identifiers import make_upn
from infra import kafka_runtime
from infra.credentials import credentials_path
from infra.process import free_port
from infra.topics import ensure_hub_topics

__all__ = ["main"]


def write_attendance_csv(path: Path, rows: int) -> None:
    """``rows`` weekly attendance rows: 40 term weeks for rows/40 pupils, valid UPNs."""
    header = csv_header("school", "attendance")
    weeks = [date(2025, 9, 8) + timedelta(weeks=w) for w in range(40)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for n in range(rows):
            pupil, week = divmod(n, len(weeks))
            urn = str(119000 + pupil % 400)
            upn = make_upn(888, 2000 + pupil % 400, 20, pupil % 1000, False)
            absent = (pupil * 7 + week) % 4
            writer.writerow(
                [
                    urn,
                    f"{pupil:07d}",
                    upn,
                    "Pupil",
                    f"Child{pupil}",
                    "01/02/2015",
                    "MF"[pupil % 2],
                    weeks[week].strftime("%d/%m/%Y"),
                    10,
                    10 - absent,
                    absent,
                    0,
                    f"I:{absent}" if absent else "",
                    "N",
                ]
            )


def _measure(case: str, args: argparse.Namespace, bootstrap: str, prefix: str) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="send-hub-bench-"))
    sink = PublisherSink(bootstrap, prefix)
    if case == "simulator":
        simulate(args.children, args.days, 1, work / "sim")
        started = time.perf_counter()
        run = publish_simulation(work / "sim", sink)
    else:
        path = work / "attendance.csv"
        write_attendance_csv(path, args.rows)
        started = time.perf_counter()
        run = publish_files(SchoolAdapter("SIMS"), [path], sink)
    sink.close()  # includes waiting for every acknowledgement
    seconds = time.perf_counter() - started
    return {
        "events": run.published,
        "rejected": run.rejected,
        "seconds": seconds,
        "events_per_s": run.published / seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def _broker() -> tuple[str, Settings | None]:
    existing = os.environ.get("SEND_HUB_KAFKA_BOOTSTRAP")
    if existing:
        return existing, None
    port, controller = free_port(), free_port()
    settings = Settings(
        kafka_bootstrap=f"127.0.0.1:{port}",
        kafka_controller_port=controller,
        data_dir=Path(tempfile.mkdtemp(prefix="send-hub-bench-kafka-")),
    )
    result = kafka_runtime.start(settings, tie_to_parent=True)
    # The measured child processes and every Settings() sign in with this broker's passwords.
    os.environ["SEND_HUB_KAFKA_CREDENTIALS_FILE"] = str(credentials_path(settings))
    print(f"kafka: Apache Kafka {result.status.version} started at {settings.kafka_bootstrap}")
    return settings.kafka_bootstrap, settings


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    # Hidden: how the parent process asks a child process for one workload.
    parser.add_argument("--case", choices=["simulator", "csv"], help=argparse.SUPPRESS)
    parser.add_argument("--bootstrap", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    return parser.parse_args()


def _run_case(case: str, args: argparse.Namespace, bootstrap: str, prefix: str) -> dict[str, float]:
    """One workload in a fresh process, so the peak RSS it reports is its own."""
    command = [
        sys.executable,
        __file__,
        "--case",
        case,
        "--bootstrap",
        bootstrap,
        "--prefix",
        prefix,
        "--rows",
        str(args.rows),
        "--children",
        str(args.children),
        "--days",
        str(args.days),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return figures


def _report(case: str, args: argparse.Namespace, figures: dict[str, float]) -> None:
    label = (
        f"simulator ({args.children} children, {args.days} days)"
        if case == "simulator"
        else f"CSV ({args.rows:,} attendance rows)"
    )
    print(
        f"{label}: {figures['events']:,.0f} events in {figures['seconds']:.1f} s = "
        f"{figures['events_per_s']:,.0f} events/s, rejected {figures['rejected']:.0f}, "
        f"peak RSS {figures['peak_rss_mb']:.0f} MiB"
    )


def main() -> None:
    args = _parse_args()
    if args.case:  # child process: one workload, figures as JSON on stdout
        print(json.dumps(_measure(args.case, args, args.bootstrap, args.prefix)))
        return
    bootstrap, started = _broker()
    try:
        prefix = f"bench{uuid.uuid4().hex[:8]}"
        ensure_hub_topics(Settings(kafka_bootstrap=bootstrap, topic_prefix=prefix))
        for case in ("simulator", "csv"):
            _report(case, args, _run_case(case, args, bootstrap, prefix))
    finally:
        if started is not None:
            kafka_runtime.stop(started)


if __name__ == "__main__":
    main()
