"""Golden outputs of the pipeline core: a fixed run must produce exactly the same bytes.

The core (`Pipeline.process`) is tuned for speed (``bench/pipeline_core.py``), and all it
produces is contract: timeline entries, identity links, dead letters and review items on the
wire, and the state it hands the worker to persist. So a fixed input -- simulator events
(fixed seed), a few hand-made defects and unreadable messages, a fixed ``now`` with some
events in its future -- is run through it with matching on and off, then replayed into a
restarted pipeline that loads the saved state, and every output is compared, section by
section, with digests taken from the code before it was optimised
(``tests/fixtures/pipeline_golden.json``).

A difference is a change of behaviour. Only for an intended one, regenerate the digests:
``PYTHONPATH=. python -m tests.unit.streams.test_pipeline_golden``.
"""

import hashlib
import json
import tempfile
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from connectors.sdk import partition_key
from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.config import Settings
from hub.models import Event, IdentityLink, MatchInfo
from schemas.serde import encode_model
from streams.identity import ReviewMatcher
from streams.pipeline import BatchResult, Pipeline, Raw
from streams.topics import hub_topics
from tests.unit.streams.test_pipeline import MemoryLoader

GOLDEN = Path(__file__).parents[2] / "fixtures" / "pipeline_golden.json"
NOW = datetime(2026, 4, 1, tzinfo=UTC)  # mid-simulation: later events are future-dated
SETTINGS = Settings(topic_prefix="g")
TOPICS = hub_topics(SETTINGS)
BATCH = 500
_TOPIC = {
    "EDUCATION": "g.ingest.education", "HEALTH": "g.ingest.health",
    "SOCIAL_CARE": "g.ingest.social_care", "LOCAL_AUTHORITY": "g.ingest.local_authority",
}  # fmt: skip


def _simulated() -> list[Event]:
    events: list[Event] = []
    with tempfile.TemporaryDirectory(prefix="send-hub-golden-") as name:
        publish_simulation(simulate(136, 365, 5, Path(name) / "sim").out, events.append)
    return events[:3000]


def _defective(events: list[Event]) -> list[Event]:
    """Copies with the data problems intake flags or rejects (new ids: not duplicates)."""
    subjects: list[dict[str, Any]] = [
        {"nhs_number": "1234567890"}, {"upn": "NOT-A-UPN"}, {"date_of_birth": date(1970, 1, 1)},
        {"source_person_id": " ", "nhs_number": None, "upn": None},
    ]  # fmt: skip
    out = []
    for i, update in enumerate(subjects):
        e = events[100 + 37 * i]
        subject = e.subject.model_copy(update=update)
        out.append(e.model_copy(update={"event_id": f"defect-{i}", "subject": subject}))
    late = events[5].model_copy(update={"event_id": "defect-late"})
    early = events[6].model_copy(update={"event_id": "defect-early"})
    out.append(late.model_copy(update={"occurred_at": late.recorded_at + timedelta(days=3)}))
    out.append(early.model_copy(update={"occurred_at": datetime(1985, 1, 1, tzinfo=UTC)}))
    return out


def _unreadable(valid: bytes) -> list[bytes]:
    link = IdentityLink(
        key="src:x", child_id="C000000000000", kind="LINK",
        match=MatchInfo(outcome="NEW_CHILD", rule="new"), at=NOW,
    )  # fmt: skip
    return [b"", b"hello, not avro", valid[:-3], valid + b"\x00", b"\xc3\x01" + bytes(8),
            encode_model(link)]  # fmt: skip


@lru_cache(maxsize=1)
def golden_input() -> tuple[Raw, ...]:
    """The fixed input: simulator events with defects and unreadable messages mixed in."""
    events = _simulated()
    messages = [(_TOPIC[e.source.agency_kind.value], partition_key(e), encode_model(e))
                for e in events]  # fmt: skip
    extra = [(_TOPIC[e.source.agency_kind.value], partition_key(e), encode_model(e))
             for e in _defective(events)]  # fmt: skip
    extra += [(_TOPIC["HEALTH"], b"bad", value) for value in _unreadable(messages[0][2])]
    for i, message in enumerate(extra):
        messages.insert(250 * (i + 1) + i, message)
    return tuple(
        Raw(t, zlib.crc32(k) % 4, i, None if i % 7 == 0 else 1_760_000_000_000 + i, k, v)
        for i, (t, k, v) in enumerate(messages)
    )  # fmt: skip


def _sections(result: BatchResult) -> Iterator[tuple[str, Any]]:
    yield from (("timeline", result.timeline), ("links", result.links))
    yield from (("deadletters", result.deadletters), ("reviews", result.reviews))
    yield "entry_timestamps_ms", result.entry_timestamps_ms
    yield "counts", sorted(result.counts.items())
    yield "last_offsets", sorted(result.last_offsets.items())
    changes = [
        (p, sorted(c.dedupe.items()), sorted(c.dedupe_evicted),
         sorted((k, [tuple(i) for i in v]) for k, v in c.timeline.items()))
        for p, c in sorted(result.changes.items())
    ]  # fmt: skip
    yield "changes", changes


def _run(pipeline: Pipeline, raws: tuple[Raw, ...], loader: MemoryLoader) -> dict[str, str]:
    """Digest per output section over every batch (taken at once: state lists are live)."""
    hashes: dict[str, Any] = {}
    for i in range(0, len(raws), BATCH):
        result = pipeline.process(raws[i : i + BATCH], NOW)
        for name, value in _sections(result):
            hashes.setdefault(name, hashlib.sha256()).update(repr(value).encode())
        loader.save(result)
    return {name: h.hexdigest() for name, h in hashes.items()}


def golden_digests() -> dict[str, Any]:
    """Digests of every output of the three runs (and of the input, to tell them apart)."""
    raws = golden_input()
    out: dict[str, Any] = {"input": hashlib.sha256(b"".join(r.value for r in raws)).hexdigest()}
    for matching in (True, False):
        loader = MemoryLoader()
        pipeline = Pipeline(TOPICS, loader)
        pipeline.matcher = ReviewMatcher(pipeline.crosswalk) if matching else None
        out[f"matching_{'on' if matching else 'off'}"] = _run(pipeline, raws, loader)
    loader.dedupe.clear()  # a restart after the window: entries found in loaded buckets
    restarted = Pipeline(TOPICS, loader, dedupe_bucket_size=64, dedupe_buckets=4)
    restarted.matcher = ReviewMatcher(restarted.crosswalk)
    out["restart"] = _run(restarted, raws, loader)  # the matching-off run's timeline state
    return out


def test_every_output_is_the_same_as_before() -> None:
    want = json.loads(GOLDEN.read_text())
    got = golden_digests()
    assert got["input"] == want["input"], "the simulator's output changed: regenerate"
    for run in ("matching_on", "matching_off", "restart"):
        differ = [name for name in want[run] if got[run].get(name) != want[run][name]]
        assert not differ, f"{run}: {differ} differ from the golden outputs"
        assert got[run].keys() == want[run].keys()


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(golden_digests(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
