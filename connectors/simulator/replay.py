"""Publishing a simulation: the manifest's deliveries, in arrival order, through the adapters.

The files go through exactly what ``send-hub publish`` uses (adapters, rejects file,
SDK sink), so a simulation exercises the real path end to end.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from connectors import make_adapter
from connectors.base import Adapter
from connectors.pipeline import Progress, RunResult, Sink, publish_file
from connectors.records import RejectsWriter
from hub.errors import InputError

__all__ = ["manifest_rows", "publish_simulation"]


def manifest_rows(out: Path) -> list[dict[str, str]]:
    path = out / "manifest.csv"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(f"no simulation in {out}: cannot read {path}") from exc


def publish_simulation(
    out: Path,
    sink: Sink,
    rejects: Path | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Publish every delivery of the simulation in ``out``; rejects to one CSV file."""
    started = time.perf_counter()
    adapters: dict[tuple[str, str], Adapter] = {}
    run = RunResult()
    with RejectsWriter(rejects or out / "rejects.csv") as writer:
        for row in manifest_rows(out):
            key = (row["source"], row["system"])
            if key not in adapters:
                adapters[key] = make_adapter(row["source"], row["system"])
            run.files.append(publish_file(adapters[key], out / row["path"], sink, writer, progress))
    run.seconds = time.perf_counter() - started
    return run
