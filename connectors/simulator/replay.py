"""Publishing a simulation: the manifest's deliveries, in arrival order, through the adapters.

The files go through exactly what ``send-hub publish`` uses (adapters, rejects file,
SDK sink), so a simulation exercises the real path end to end. With ``live_from``, the
deliveries before that day (the history) go to ``history_sink`` — unthrottled, so the hub
takes them as fast as it can — and the rest go to ``sink`` at its own (live) rate: a demo
has rich timelines within a minute, then keeps receiving events as a live hub would.
"""

from __future__ import annotations

import csv
import time
from datetime import date
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


def _sink_for(
    row: dict[str, str], live: Sink, live_from: date | None, history: Sink | None
) -> Sink:
    if live_from is None or history is None:
        return live
    try:
        delivered = date.fromisoformat(row["delivered"][:10])
    except (KeyError, ValueError) as exc:
        raise InputError(f"manifest row {row.get('seq', '?')} has no delivery date") from exc
    return history if delivered < live_from else live


def publish_simulation(
    out: Path,
    sink: Sink,
    rejects: Path | None = None,
    progress: Progress | None = None,
    live_from: date | None = None,
    history_sink: Sink | None = None,
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
            target = _sink_for(row, sink, live_from, history_sink)
            run.files.append(publish_file(adapters[key], out / row["path"], target, writer,
                                          progress))  # fmt: skip
    run.seconds = time.perf_counter() - started
    return run
