"""Peer job of ``bench/peers.py``: the ingest job on Quix Streams, in its own virtualenv.

Quix Streams 3.28 pins pydantic and confluent-kafka below the project's lock, so it runs in
``.venv-peers`` (``make bench-peers``), where the project cannot be imported. This script is
therefore standalone: it needs only ``quixstreams`` and ``fastavro``, and does the decode work
of ``schemas.serde`` itself: the single-object header (``C3 01`` + the 8-byte CRC-64-AVRO
fingerprint of the writer schema's Parsing Canonical Form), the writer schema found by
fingerprint among ``<subject>/v<N>.avsc`` files, resolved to the subject's newest version,
then fastavro's ``schemaless_reader``.

``bench/peers.py`` starts it with a job (JSON) on stdin: connection, topics, the number of
events N, consumer group, state directory, schema directory and result path. One dataframe per
topic decodes every message and does one RocksDB ``state.set`` (changelog on) per message.
At the N-th message it calls ``app.stop()`` and writes ``{"events", "seconds"}`` (first
message to N-th) to the result path.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from fastavro import parse_schema, schemaless_reader
from fastavro.schema import fingerprint, to_parsing_canonical_form

__all__ = ["HEADER_SIZE", "MARKER", "SingleObjectDecoder", "main"]

MARKER = b"\xc3\x01"
HEADER_SIZE = 10  # marker + 8-byte fingerprint


def _fingerprint(parsed: Any) -> bytes:
    """CRC-64-AVRO of the Parsing Canonical Form, as ``schemas.catalogue`` computes it."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))


def _versions(subject_dir: Path) -> list[Any]:
    """The parsed ``v<N>.avsc`` schemas of one subject, oldest first."""
    paths = sorted(subject_dir.glob("v*.avsc"), key=lambda p: int(p.stem[1:]))
    return [parse_schema(json.loads(p.read_text(encoding="utf-8"))) for p in paths]


class SingleObjectDecoder:
    """Avro single-object bytes -> record dict, writer schema by fingerprint, read as newest."""

    def __init__(self, root: Path) -> None:
        # fingerprint -> (writer schema, reader schema or None when the writer is the newest)
        self.plans: dict[bytes, tuple[Any, Any]] = {}
        for subject_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            versions = _versions(subject_dir)
            newest = versions[-1]
            for writer in versions:
                reader = None if writer is newest else newest
                self.plans[_fingerprint(writer)] = (writer, reader)

    def decode(self, data: bytes) -> dict[str, Any]:
        """The record in ``data``; a bad marker, unknown schema or trailing bytes raise."""
        if data[:2] != MARKER:
            raise ValueError(f"not single-object Avro: marker {bytes(data[:2]).hex()}")
        plan = self.plans.get(bytes(data[2:HEADER_SIZE]))
        if plan is None:
            raise ValueError(f"unknown writer fingerprint {bytes(data[2:HEADER_SIZE]).hex()}")
        buf = BytesIO(data)
        buf.seek(HEADER_SIZE)
        record = schemaless_reader(buf, plan[0], plan[1])
        if buf.tell() != len(data):
            raise ValueError(f"{len(data) - buf.tell()} trailing bytes after the body")
        assert isinstance(record, dict)
        return record


class _Clock:
    """Counts messages: the time of the first, and of the N-th, when it calls ``on_done``."""

    def __init__(self, total: int, on_done: Callable[[], None]) -> None:
        self.total, self.on_done = total, on_done
        self.seen, self.start, self.end = 0, 0.0, 0.0

    def tick(self) -> None:
        if not self.seen:
            self.start = time.perf_counter()
        self.seen += 1
        if self.seen == self.total:
            self.end = time.perf_counter()
            self.on_done()


def _application(job: dict[str, Any]) -> Any:
    """A Quix Application signing in as the job's connection says (SASL/SCRAM, TLS)."""
    from quixstreams import Application
    from quixstreams.kafka.configuration import ConnectionConfig

    optional = {
        "sasl_mechanism": job.get("mechanism"), "sasl_username": job.get("username"),
        "sasl_password": job.get("password"), "ssl_ca_location": job.get("cafile"),
        "ssl_certificate_location": job.get("certfile"), "ssl_key_location": job.get("keyfile"),
    }  # fmt: skip
    connection = ConnectionConfig(
        bootstrap_servers=job["bootstrap"], security_protocol=job["protocol"],
        **{name: value for name, value in optional.items() if value is not None},
    )  # fmt: skip
    return Application(
        broker_address=connection, consumer_group=job["group"], auto_offset_reset="earliest",
        state_dir=job["state_dir"], use_changelog_topics=True, loglevel="WARNING",
    )  # fmt: skip


def _measure(job: dict[str, Any]) -> _Clock:
    """Run the job until N messages were processed; the clock holds the times."""
    decoder = SingleObjectDecoder(Path(job["schemas"]))
    app = _application(job)
    clock = _Clock(int(job["events"]), app.stop)

    def keep_last_event(value: bytes, state: Any) -> None:
        state.set("last_event_id", decoder.decode(value)["event_id"])
        clock.tick()

    for name in job["topics"]:
        topic = app.topic(name, value_deserializer="bytes", key_deserializer="bytes")
        app.dataframe(topic).update(keep_last_event, stateful=True)
    app.run()
    return clock


def main() -> None:
    job = json.load(sys.stdin)
    clock = _measure(job)
    if clock.seen < clock.total:
        raise SystemExit(f"stopped after {clock.seen}/{clock.total} messages")
    result = Path(job["result"])
    partial = result.with_suffix(".partial")
    partial.write_text(json.dumps({"events": clock.seen, "seconds": clock.end - clock.start}))
    partial.rename(result)


if __name__ == "__main__":
    main()
