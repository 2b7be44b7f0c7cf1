"""The project's own Apache Kafka broker: it answers, the hub's topics exist as designed,
and ``send-hub kafka start|stop|status`` behaves when run twice in a row."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from hub.config import Settings
from infra.credentials import Principal
from infra.java import find_java
from infra.probe import admin_client, broker_answers
from infra.process import free_port
from infra.security import KafkaConnection, connection_for
from infra.topics import HUB_TOPICS, ensure_hub_topics, list_hub_topics

_CLI = [sys.executable, "-m", "hub.cli.main"]
_CLI_TIMEOUT = 90.0


def test_broker_answers_a_metadata_request(kafka_admin: KafkaConnection) -> None:
    assert broker_answers(kafka_admin, timeout=5.0)
    with admin_client(kafka_admin) as admin:
        cluster = admin.describe_cluster()
    assert len(cluster["brokers"]) >= 1


def test_records_round_trip_through_a_fresh_topic(
    kafka_admin: KafkaConnection, new_topic: str
) -> None:
    producer = KafkaProducer(**kafka_admin.kafka_python())
    producer.send(new_topic, key=b"child-1", value=b"hello").get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(
        **kafka_admin.kafka_python(), auto_offset_reset="earliest", enable_auto_commit=False
    )
    consumer.assign([TopicPartition(new_topic, 0)])
    records: list[tuple[bytes, bytes]] = []
    deadline = time.monotonic() + 30
    while not records and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend((r.key, r.value) for r in batch)
    consumer.close()
    assert records == [(b"child-1", b"hello")]


def test_hub_topics_are_created_once_and_state_topics_are_compacted(
    hub_settings: Settings,
) -> None:
    created = ensure_hub_topics(hub_settings)
    again = ensure_hub_topics(hub_settings)

    assert sorted(created) == sorted(hub_settings.topic(t) for t in HUB_TOPICS)
    assert again == []
    infos = {i.name: i for i in list_hub_topics(hub_settings)}
    assert all(i.exists and i.partitions == hub_settings.topic_partitions for i in infos.values())
    for state_topic in ("identity.links", "identity.review", "auth.revocations"):
        assert infos.pop(hub_settings.topic(state_topic)).cleanup_policy == "compact"
    assert {i.cleanup_policy for i in infos.values()} == {"delete"}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_CLI, "kafka", *args], env=env, capture_output=True, text=True,
        timeout=_CLI_TIMEOUT, check=False,
    )  # fmt: skip


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a CLI-started broker on its own port pair and data dir."""
    if os.environ.get("SEND_HUB_KAFKA_BOOTSTRAP") and find_java() is None:
        pytest.skip("using an existing cluster and no Java here to start a local broker")
    port, controller = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEND_HUB_")}
    if "SEND_HUB_KAFKA_CACHE_DIR" in os.environ:
        env["SEND_HUB_KAFKA_CACHE_DIR"] = os.environ["SEND_HUB_KAFKA_CACHE_DIR"]
    env.update(
        SEND_HUB_DATA_DIR=str(tmp_path / "data"),
        SEND_HUB_KAFKA_BOOTSTRAP=f"127.0.0.1:{port}",
        SEND_HUB_KAFKA_CONTROLLER_PORT=str(controller),
        SEND_HUB_TOPIC_PARTITIONS="1",
    )
    yield env
    _cli(env, "stop", "--grace", "5")  # in case an assertion failed mid-way


def test_cli_start_stop_works_twice_in_a_row(cli_env: dict[str, str]) -> None:
    address = cli_env["SEND_HUB_KAFKA_BOOTSTRAP"]
    started = _cli(cli_env, "start")
    assert started.returncode == 0, started.stderr
    assert f"started at {address}" in started.stdout
    assert f"{len(HUB_TOPICS)} created" in started.stdout

    again = _cli(cli_env, "start")
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    status = _cli(cli_env, "status")
    assert "Kafka: running (pid" in status.stdout and address in status.stdout
    assert _cli(cli_env, "topics").returncode == 0

    stopped = _cli(cli_env, "stop")
    assert stopped.returncode == 0 and "stopped in" in stopped.stdout, stopped.stderr
    assert "not running" in _cli(cli_env, "stop").stdout
    # Probed with the admin's credentials: a bare probe would fail against a running broker too.
    credentials = Path(cli_env["SEND_HUB_DATA_DIR"]) / "kafka" / "credentials.json"
    local = Settings(kafka_bootstrap=address, kafka_credentials_file=credentials)
    assert not broker_answers(connection_for(local, Principal.ADMIN), timeout=1.0)

    # Second round on the same (already formatted) data dir.
    restarted = _cli(cli_env, "start")
    assert restarted.returncode == 0 and "0 created" in restarted.stdout, restarted.stderr
    assert "stopped in" in _cli(cli_env, "stop").stdout
    assert "Kafka: not running" in _cli(cli_env, "status").stdout
