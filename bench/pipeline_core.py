"""Pipeline core benchmark: `Pipeline.process` alone (no Kafka), with matching on.

Run ``.venv/bin/python bench/pipeline_core.py [--events N] [--seed S] [--no-matching]
[--profile]``. It builds the same simulator events as ``bench/pipeline.py`` (default 50,000,
seed 7), encodes them as raw ingest messages and times `Pipeline.process` over them in
batches of 2,000 with a state loader that holds nothing, wired like the worker
(`streams.app.HubWorker`): a `ReviewMatcher` over the pipeline's crosswalk when probabilistic
matching is on. It prints events/s and, with ``--profile``, a cProfile top 25.

``now`` is fixed (after the simulated year) so every run makes the same decisions, and
partitions come from a CRC of the key, not ``hash()``, which Python salts per process.

`core_rate` is the importable entry point (``bench/pipeline.py`` may call it with its own
messages).
"""

import argparse
import cProfile
import gc
import pstats
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.sdk import partition_key
from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.config import Settings
from hub.models import Event
from hub.timeline.buckets import TimelineItem
from schemas.serde import encode_model
from streams.identity import ReviewMatcher
from streams.pipeline import Pipeline, Raw
from streams.topics import HubTopics, hub_topics

__all__ = ["NOW", "build_pipeline", "core_rate", "main", "messages", "raws", "simulator_events"]

NOW = datetime(2026, 9, 1, tzinfo=UTC)
"""The batches' ``now``: after the simulated year (2025-09-01 + 365 days), so none is future."""

BATCH = 2_000
PARTITIONS = 4
Message = tuple[str, bytes, bytes]  # topic, key, value

_KIND_TOPIC = {
    "EDUCATION": "ingest.education", "HEALTH": "ingest.health",
    "SOCIAL_CARE": "ingest.social_care", "LOCAL_AUTHORITY": "ingest.local_authority",
}  # fmt: skip


class NoState:
    """A state loader with nothing persisted (a first run)."""

    def dedupe_buckets(self, partition: int) -> list[tuple[int, list[str]]]:
        return []

    def timeline_bucket(self, partition: int, key: str) -> list[TimelineItem] | None:
        return None


def simulator_events(n: int = 50_000, seed: int = 7) -> list[Event]:
    """The first ``n`` simulator events, generated as ``bench/pipeline.py`` does."""
    events: list[Event] = []
    children = max(20, n // 22)
    with tempfile.TemporaryDirectory(prefix="send-hub-core-") as name:
        while len(events) < n:
            out = Path(name) / f"sim-{seed}-{children}"
            publish_simulation(simulate(children, 365, seed, out).out, events.append)
            children, seed = children * 2, seed + 1
    return events[:n]


def messages(events: Sequence[Event], settings: Settings | None = None) -> list[Message]:
    """(ingest topic, publisher key, single-object bytes) of each event."""
    settings = settings or Settings()
    return [
        (settings.topic(_KIND_TOPIC[e.source.agency_kind.value]), partition_key(e), encode_model(e))
        for e in events
    ]  # fmt: skip


def raws(msgs: Sequence[tuple[Any, ...]]) -> list[Raw]:
    """Raw ingest records: a stable partition per key, offsets in arrival order."""
    return [Raw(m[0], zlib.crc32(m[1]) % PARTITIONS, i, 0, m[1], m[2]) for i, m in enumerate(msgs)]


def build_pipeline(topics: HubTopics, matching: bool = True) -> Pipeline:
    """A pipeline wired like the worker's (its matcher when matching is on)."""
    pipeline = Pipeline(topics, NoState())
    pipeline.matcher = ReviewMatcher(pipeline.crosswalk) if matching else None
    return pipeline


def _run(pipeline: Pipeline, records: Sequence[Raw], now: datetime) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a busy machine the second is steadier."""
    gc.collect()  # the simulator's garbage is not the pipeline's to collect
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(records), BATCH):
        pipeline.process(records[i : i + BATCH], now)
    return time.perf_counter() - start, time.process_time() - cpu


def core_rate(
    msgs: Sequence[tuple[Any, ...]] | None = None,
    settings: Settings | None = None,
    *,
    matching: bool = True,
    now: datetime = NOW,
) -> float:
    """Events/s of `Pipeline.process` over ``msgs`` ((topic, key, value, ...) tuples).

    Without ``msgs``, the default 50,000 simulator events. ``settings`` gives the topic prefix.
    """
    settings = settings or Settings()
    records = raws(msgs if msgs is not None else messages(simulator_events(), settings))
    pipeline = build_pipeline(hub_topics(settings), matching)
    return len(records) / _run(pipeline, records, now)[0]


def _profile(pipeline: Pipeline, records: Sequence[Raw]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    _run(pipeline, records, NOW)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(25)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-matching", dest="matching", action="store_false")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    settings = Settings()
    records = raws(messages(simulator_events(args.events, args.seed), settings))
    pipeline = build_pipeline(hub_topics(settings), args.matching)
    seconds, cpu = _run(pipeline, records, NOW)
    label = "on" if args.matching else "off"
    print(f"pipeline core (matching {label}): {len(records):,} events in {seconds:.2f} s "
          f"= {len(records) / seconds:,.0f} events/s (CPU time {cpu:.2f} s "
          f"= {len(records) / cpu:,.0f} events/s)")  # fmt: skip
    if args.profile:
        _profile(build_pipeline(hub_topics(settings), args.matching), records)


if __name__ == "__main__":
    main()
