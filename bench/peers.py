"""Peer stream processors for ``bench/pipeline.py``: the same job on other stacks, in events/s.

``bench/pipeline.py``'s reference is a bare aiokafka consumer decoding every message with the
project's serde. The functions here run the same read over the same topics on other stacks,
each returning events/s (first message to the N-th) so the caller can print it as a ratio to
the reference. They print nothing; a failed run raises ``PeerFailed``.

- `confluent_rate`: a bare confluent-kafka consumer + the project's decode, in this process
  (a second reference: the worker's intake is moving to confluent-kafka);
- `faust_rate`: plain Faust, one agent over the topics, decode + one RocksDB table write per
  message (changelog on), as a subprocess (``bench/peer_faust.py``);
- `quix_rate`: Quix Streams 3.28, decode (fastavro, the same single-object work) + one
  RocksDB ``state.set`` per message (changelog on), as a subprocess in its own virtualenv
  ``.venv-peers`` (``bench/peer_quix.py``); None, with a one-line reason, without that venv.

All sign in as the given `KafkaConnection` (SASL/SCRAM on the local broker). Standalone:
``.venv/bin/python bench/peers.py [--events N]`` starts a broker the way ``bench/pipeline.py``
does, publishes N simulator events and prints each peer against the aiokafka reference;
``make bench-peers`` creates ``.venv-peers`` first.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from infra.security import KafkaConnection
from schemas.catalogue import AVRO_ROOT
from schemas.serde import default_serde

__all__ = ["PeerFailed", "confluent_rate", "faust_rate", "main", "quix_rate"]

REPO = Path(__file__).resolve().parent.parent
PEERS_PYTHON = REPO / ".venv-peers" / "bin" / "python"
FAUST_JOB = Path(__file__).resolve().with_name("peer_faust.py")
QUIX_JOB = Path(__file__).resolve().with_name("peer_quix.py")
_FETCH_BYTES = {"max.partition.fetch.bytes": 8 * 1024 * 1024, "fetch.max.bytes": 32 * 1024 * 1024}


class PeerFailed(RuntimeError):
    """A peer did not get through its N messages (its log is named in the message)."""


def _assign_all(consumer: Consumer, topics: Sequence[str]) -> None:
    """Every partition of ``topics`` from its beginning, without a consumer group."""
    metadata = consumer.list_topics(timeout=30)
    consumer.assign([
        TopicPartition(topic, partition, -2)  # -2: OFFSET_BEGINNING
        for topic in topics for partition in sorted(metadata.topics[topic].partitions)
    ])  # fmt: skip


def confluent_rate(
    connection: KafkaConnection, topics: Sequence[str], events: int, timeout: float = 600.0
) -> float:
    """Bare confluent-kafka consumer + the serde's decode over ``topics``: events/s."""
    consumer = Consumer({
        **connection.librdkafka(), **_FETCH_BYTES, "group.id": f"peer-confluent-{uuid.uuid4()}",
        "enable.auto.commit": False, "auto.offset.reset": "earliest",
    })  # fmt: skip
    serde, seen, start = default_serde(), 0, 0.0
    deadline = time.monotonic() + timeout
    try:
        _assign_all(consumer, topics)
        while seen < events:
            if time.monotonic() > deadline:
                raise PeerFailed(f"confluent-kafka: {seen}/{events} messages in {timeout:.0f} s")
            messages = consumer.consume(num_messages=10_000, timeout=1.0)
            start = start or (time.perf_counter() if messages else 0.0)
            for message in messages:
                if message.error() is not None:
                    raise PeerFailed(f"confluent-kafka: {message.error()}")
                serde.decode(message.value())
            seen += len(messages)
        return seen / (time.perf_counter() - start)
    finally:
        consumer.close()


def _job(
    connection: KafkaConnection, topics: Sequence[str], events: int, workdir: Path, name: str
) -> dict[str, Any]:
    """What a job subprocess reads on stdin (so the password is in neither argv nor env)."""
    identity = connection.sasl_identity()
    mechanism, username, password = identity if identity is not None else (None, None, None)
    files = {"cafile": connection.cafile, "certfile": connection.certfile,
             "keyfile": connection.keyfile}  # fmt: skip
    return {
        "bootstrap": connection.bootstrap, "protocol": connection.protocol,
        "mechanism": mechanism, "username": username, "password": password,
        **{key: str(path) if path else None for key, path in files.items()},
        "topics": list(topics), "events": events, "group": f"peer-{name}-{uuid.uuid4().hex[:8]}",
        "state_dir": str(workdir / "state"), "result": str(workdir / "result.json"),
    }  # fmt: skip


def _stop(proc: "subprocess.Popen[bytes]") -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _run_job(command: list[str], job: dict[str, Any], env: dict[str, str], timeout: float) -> float:
    """Start a job subprocess, wait for its result file, stop it: events/s."""
    result, log = Path(job["result"]), Path(job["result"]).with_name("job.log")
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=REPO)  # fmt: skip
        try:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
            deadline = time.monotonic() + timeout
            while not result.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:]
                    raise PeerFailed(f"{Path(command[-1]).name} gave no result:\n{tail}")
                time.sleep(0.2)
        finally:
            _stop(proc)
    figures = json.loads(result.read_text())
    return float(figures["events"]) / float(figures["seconds"])


def faust_rate(
    connection: KafkaConnection, topics: Sequence[str], events: int, timeout: float = 600.0
) -> float:
    """Plain Faust (agent, decode, one table write per message), as a subprocess: events/s."""
    # The project from this checkout (an editable install may point at another one).
    path = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    with tempfile.TemporaryDirectory(prefix="send-hub-peer-faust-") as name:
        job = _job(connection, topics, events, Path(name), "faust")
        return _run_job([sys.executable, str(FAUST_JOB)], job, env, timeout)


def quix_rate(
    connection: KafkaConnection, topics: Sequence[str], events: int, timeout: float = 600.0
) -> float | None:
    """Quix Streams (decode, one state.set per message) in ``.venv-peers``: events/s or None."""
    if not PEERS_PYTHON.exists():
        print(f"Quix Streams: skipped, no {PEERS_PYTHON.parent.parent.name} (run make bench-peers)")
        return None
    # Without the project on its path: the job must not pick up the main venv's packages.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    with tempfile.TemporaryDirectory(prefix="send-hub-peer-quix-") as name:
        job = _job(connection, topics, events, Path(name), "quix") | {"schemas": str(AVRO_ROOT)}
        return _run_job([str(PEERS_PYTHON), str(QUIX_JOB)], job, env, timeout)


def _row(name: str, rate: float | None, reference: float) -> str:
    if rate is None:
        return f"{name}: -"
    return f"{name}: {rate:,.0f} events/s = {rate / reference:.2f} x reference"


def _measure(args: argparse.Namespace, tmp: Path, bootstrap: str) -> None:
    """Publish N events on fresh topics, then the reference and each peer over them."""
    from pipeline import _admin, _prepare, _reference

    from streams.topics import hub_topics

    settings, events = _prepare(args, tmp, bootstrap)
    connection, topics = _admin(bootstrap), list(hub_topics(settings).ingest)
    reference = asyncio.run(_reference(settings, len(events)))
    print(f"reference (bare aiokafka + serde decode): {reference:,.0f} events/s")
    peers = [("bare confluent-kafka + serde decode", confluent_rate),
             ("plain Faust, decode + a table write per message", faust_rate),
             ("Quix Streams 3.28, decode + a state.set per message", quix_rate)]  # fmt: skip
    for name, rate_of in peers:
        print(_row(name, rate_of(connection, topics, len(events)), reference), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from pipeline import _broker

    from infra import kafka_runtime

    with tempfile.TemporaryDirectory(prefix="send-hub-bench-peers-") as name:
        bootstrap, broker = _broker(Path(name))
        try:
            _measure(args, Path(name), bootstrap)
        finally:
            if broker is not None:
                kafka_runtime.stop(broker, grace=20.0)


if __name__ == "__main__":
    main()
