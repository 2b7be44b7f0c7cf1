"""Peer job of ``bench/peers.py``: the ingest job on plain Faust with a table.

A separate process (like the worker), so Faust's event loop and threads share nothing with
the benchmark. ``bench/peers.py`` starts it with a job (JSON) on stdin: connection, topics,
the number of events N, app id (the consumer group), state directory and result path.

One agent over the topics decodes every message with the project's serde and writes one
entry per message into a RocksDB Faust Table (key: the message key, value: the last event
id; changelog on). At the N-th message it writes ``{"events", "seconds"}`` (first message to
N-th) to the result path; ``bench/peers.py`` then stops it with SIGTERM.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any

import faust
from faust.types import StreamT
from faust.types.auth import CredentialsT
from pydantic import SecretStr

from infra.security import KafkaConnection
from infra.topics import TopicSpec, create_topics, describe_topics
from schemas.serde import default_serde

__all__ = ["main"]

TABLE = "last_event"


def _connection(job: dict[str, Any]) -> KafkaConnection:
    password = job.get("password")

    def path(name: str) -> Path | None:
        return Path(job[name]) if job.get(name) else None

    return KafkaConnection(
        bootstrap=job["bootstrap"], protocol=job["protocol"], mechanism=job.get("mechanism"),
        username=job.get("username"), password=SecretStr(password) if password else None,
        cafile=path("cafile"), certfile=path("certfile"), keyfile=path("keyfile"),
    )  # fmt: skip


def _credentials(connection: KafkaConnection) -> CredentialsT | None:
    """Faust's form of the connection's security (None: PLAINTEXT)."""
    identity = connection.sasl_identity()
    if identity is not None:
        mechanism, username, password = identity
        return faust.SASLCredentials(
            username=username, password=password, mechanism=mechanism,
            ssl_context=connection.ssl_context(),
        )  # fmt: skip
    context = connection.ssl_context()
    return faust.SSLCredentials(context) if context is not None else None


class _QuietWorker(faust.Worker):
    """Faust's worker without its terminal spinner, which sets the root logger to DEBUG."""

    def on_setup_root_logger(self, logger: Any, level: int) -> None:
        self.spinner = None


def _app(job: dict[str, Any], connection: KafkaConnection, partitions: int) -> faust.App:
    return faust.App(
        job["group"], broker=[f"kafka://{host}" for host in connection.servers],
        broker_credentials=_credentials(connection), store="rocksdb://",
        datadir=job["state_dir"], topic_partitions=partitions, web_enabled=False,
        autodiscover=False, consumer_auto_offset_reset="earliest", table_standby_replicas=0,
    )  # fmt: skip


def _write_result(path: Path, events: int, seconds: float) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"events": events, "seconds": seconds}))
    partial.rename(path)


def _agent(app: faust.App, job: dict[str, Any], partitions: int) -> None:
    """The agent: decode, one table write per message, the result file at the N-th."""
    table = app.Table(TABLE, partitions=partitions, key_type=str, value_type=str)
    source = app.topic(*job["topics"], key_type=bytes, value_type=bytes, value_serializer="raw")
    serde, total, result = default_serde(), int(job["events"]), Path(job["result"])

    @app.agent(source)
    async def keep_last_event(stream: StreamT[bytes]) -> None:
        seen, start = 0, 0.0
        async for event in stream.events():
            start = start or time.perf_counter()
            record = serde.decode(event.value).record
            table[event.key.decode()] = record["event_id"]
            seen += 1
            if seen == total:
                _write_result(result, seen, time.perf_counter() - start)


def main() -> None:
    job = json.load(sys.stdin)
    connection = _connection(job)
    partitions = max(info.partitions for info in describe_topics(connection, job["topics"]))
    # Created up front: a table write in Faust's first seconds can otherwise meet metadata
    # without the changelog topic and stop the worker (PartitionsMismatch).
    changelog = TopicSpec(f"{job['group']}-{TABLE}-changelog", partitions,
                          {"cleanup.policy": "compact"})  # fmt: skip
    create_topics(connection, [changelog])
    app = _app(job, connection, partitions)
    _agent(app, job, partitions)
    _QuietWorker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
