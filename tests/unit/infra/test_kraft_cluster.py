"""A local KRaft cluster's plan and config, and the replication its hub topics get (no broker)."""

import itertools
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError, InfraError
from infra import cluster_runtime, topics
from infra.credentials import Principal
from infra.kraft import KafkaLayout, server_properties
from infra.kraft_cluster import (
    cluster_properties,
    min_insync,
    plan_cluster,
    recorded_cluster,
    replication_for,
    save_cluster,
)
from infra.security import KafkaConnection
from infra.topics import hub_replication, hub_topic_specs

_PASSWORDS = {p: f"pw-{p.value}" for p in Principal}


def _settings(tmp: Path, **more: object) -> Settings:
    return Settings(kafka_bootstrap="127.0.0.1:19092", kafka_controller_port=19093,
                    data_dir=tmp, **more)  # type: ignore[arg-type]  # fmt: skip


def _ports(start: int = 30000) -> Iterator[int]:
    return itertools.count(start)


def _props(text: str) -> dict[str, str]:
    pairs = (ln.split("=", 1) for ln in text.splitlines() if ln and not ln.startswith("#"))
    return dict(pairs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("brokers", "replicas", "isr"), [(1, 1, 1), (2, 2, 1), (3, 3, 2),
                                                          (5, 3, 2)])  # fmt: skip
def test_replication_is_at_most_three_with_two_in_sync(
    brokers: int, replicas: int, isr: int
) -> None:
    assert replication_for(brokers) == replicas
    assert min_insync(replicas) == isr


def test_a_new_cluster_puts_node_one_at_the_configured_ports_and_the_others_on_free_ones(
    tmp_path: Path,
) -> None:
    ports = _ports()
    cluster = plan_cluster(_settings(tmp_path), 3, free_port=lambda: next(ports))
    assert [(n.port, n.controller_port) for n in cluster.nodes] == [
        (19092, 19093), (30000, 30001), (30002, 30003)]  # fmt: skip
    assert cluster.bootstrap == "127.0.0.1:19092,127.0.0.1:30000,127.0.0.1:30002"
    assert [n.root.name for n in cluster.nodes] == ["node-1", "node-2", "node-3"]
    assert cluster.root == tmp_path.resolve() / "kafka" / "cluster"


def test_recorded_ports_and_cluster_id_are_kept_and_a_taken_one_replaced_while_none_runs(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    ports = _ports()
    first = plan_cluster(settings, 3, free_port=lambda: next(ports))
    save_cluster(first)
    assert recorded_cluster(settings) == first
    again = plan_cluster(settings, 3, free_port=lambda: next(ports))
    assert again == first
    moved = plan_cluster(settings, 3, taken=lambda p: p == 30000, free_port=lambda: next(ports))
    assert moved.cluster_id == first.cluster_id
    assert moved.nodes[1].port not in (30000, 30001) and moved.nodes[2] == first.nodes[2]


def test_a_taken_port_while_other_nodes_run_is_an_error(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    ports = _ports()
    save_cluster(plan_cluster(settings, 3, free_port=lambda: next(ports)))
    with pytest.raises(InfraError, match="in use by another process while other nodes run"):
        plan_cluster(settings, 3, keep={1, 3}, taken=lambda p: p == 30000)


def test_a_recorded_cluster_keeps_its_size(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    ports = _ports()
    save_cluster(plan_cluster(settings, 3, free_port=lambda: next(ports)))
    with pytest.raises(InfraError, match="has 3 brokers, not 4: start it with --brokers 3"):
        plan_cluster(settings, 4, free_port=lambda: next(ports))
    for size in (1, 6):
        with pytest.raises(ConfigError, match="2 to 5 brokers"):
            plan_cluster(settings, size)


def test_each_node_is_a_voter_with_the_single_brokers_security_and_replicated_topics(
    tmp_path: Path,
) -> None:
    ports = _ports()
    cluster = plan_cluster(_settings(tmp_path), 3, free_port=lambda: next(ports))
    passwords = {p: SecretStr(v) for p, v in _PASSWORDS.items()}
    props = _props(cluster_properties(cluster, 2, passwords))
    single = _props(server_properties(KafkaLayout(tmp_path, 19092, 19093), passwords))
    assert props["node.id"] == "2" and props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == (
        "1@127.0.0.1:19093,2@127.0.0.1:30001,3@127.0.0.1:30003"
    )
    assert props["listeners"] == "CLIENT://127.0.0.1:30000,CONTROLLER://127.0.0.1:30001"
    assert props["log.dirs"] == str(cluster.nodes[1].data_dir)
    security = [
        k
        for k in single
        if "sasl" in k
        or "authorizer" in k
        or "super" in k
        or k in ("allow.everyone.if.no.acl.found", "listener.security.protocol.map")
    ]
    assert security and all(props[k] == single[k] for k in security)
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert props[key] == "3", key
    assert props["min.insync.replicas"] == props["transaction.state.log.min.isr"] == "2"


def test_hub_topics_with_three_replicas_need_two_in_sync_and_single_broker_ones_are_unchanged() -> (
    None
):
    settings = Settings(topic_prefix="t")
    for spec in hub_topic_specs(settings, 3):
        assert spec.replication == 3 and spec.configs["min.insync.replicas"] == "2"
    for one, default in zip(hub_topic_specs(settings, 1), hub_topic_specs(settings), strict=True):
        assert one.configs == default.configs and "min.insync.replicas" not in one.configs
        assert one.replication == 1 and default.replication == -1


@pytest.mark.parametrize(("brokers", "setting", "replicas"),
                         [(1, None, 1), (3, None, 3), (5, None, 3), (3, 2, 2)])  # fmt: skip
def test_the_replication_factor_is_the_setting_or_at_most_three_brokers(
    monkeypatch: pytest.MonkeyPatch, brokers: int, setting: int | None, replicas: int
) -> None:
    monkeypatch.setattr(topics, "broker_ids", lambda *a, **k: set(range(1, brokers + 1)))
    settings = Settings(kafka_replication_factor=setting)
    assert hub_replication(settings, KafkaConnection("127.0.0.1:9092")) == replicas


def test_more_replicas_than_brokers_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topics, "broker_ids", lambda *a, **k: {1})
    with pytest.raises(ConfigError, match="SEND_HUB_KAFKA_REPLICATION_FACTOR=3 but the cluster"):
        hub_replication(Settings(kafka_replication_factor=3), KafkaConnection("127.0.0.1:9092"))


def test_the_replication_setting_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SEND_HUB_KAFKA_REPLICATION_FACTOR", "3")
    assert Settings().kafka_replication_factor == 3
    monkeypatch.setenv("SEND_HUB_KAFKA_REPLICATION_FACTOR", "0")
    with pytest.raises(ValueError, match="kafka_replication_factor"):
        Settings()


def test_a_cluster_is_not_started_beside_a_running_single_broker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_java() -> None:
        raise AssertionError("the cluster was about to start")

    monkeypatch.setattr(cluster_runtime, "require_java", no_java)
    settings = _settings(tmp_path)
    layout = KafkaLayout.from_settings(settings)
    layout.root.mkdir(parents=True)
    stand_in = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)",
                                 "kafka.Kafka"])  # fmt: skip
    try:
        cmdline = Path(f"/proc/{stand_in.pid}/cmdline")
        deadline = time.monotonic() + 10
        while b"kafka.Kafka" not in cmdline.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.01)  # empty for a moment right after exec
        layout.pid_file.write_text(f"{stand_in.pid}\n{layout.bootstrap}\n")
        with pytest.raises(InfraError, match=r"a single broker already runs .* kafka stop"):
            cluster_runtime.start_cluster(settings, 3)
    finally:
        stand_in.kill()
        stand_in.wait()


def test_only_a_loopback_cluster_is_started(tmp_path: Path) -> None:
    settings = Settings(kafka_bootstrap="kafka:9092", data_dir=tmp_path)
    with pytest.raises(InfraError, match=r"starts a cluster only on 127\.0\.0\.1"):
        cluster_runtime.start_cluster(settings, 3)
    assert cluster_runtime.cluster_status(settings) is None
    assert cluster_runtime.stop_cluster(settings) == []
