"""start/stop/status decisions that need no broker: refusals, stale pid files, topic specs."""

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError, InfraError, KafkaUnavailable
from infra import kafka_runtime
from infra.kraft import KafkaLayout
from infra.process import free_port
from infra.topics import HUB_TOPICS, hub_topic_specs


def _settings(tmp_path: Path, port: int | None = None) -> Settings:
    return Settings(
        kafka_bootstrap=f"127.0.0.1:{port or free_port()}",
        kafka_controller_port=free_port(),
        data_dir=tmp_path / "data",
        kafka_cache_dir=tmp_path / "cache",
    )


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something other than Kafka listens on (it never answers Kafka requests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_start_refuses_a_port_in_use(
    tmp_path: Path, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The listener never answers; skip the 3 s Kafka probe start() makes before refusing.
    monkeypatch.setattr(kafka_runtime, "broker_answers", lambda *a, **k: False)
    with pytest.raises(InfraError, match=rf":{busy_port} \(Kafka port\) is already in use"):
        kafka_runtime.start(_settings(tmp_path, busy_port))


def test_start_without_java_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(InfraError, match=r"Java not found.*SEND_HUB_KAFKA_BOOTSTRAP"):
        kafka_runtime.start(_settings(tmp_path))


def test_start_against_an_unreachable_cluster_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kafka_runtime, "broker_answers", lambda *a, **k: False)
    settings = Settings(
        kafka_bootstrap="kafka.example.invalid:9092", data_dir=tmp_path,
        kafka_username="ops", kafka_password=SecretStr("x"),
    )  # fmt: skip
    with pytest.raises(KafkaUnavailable, match=r"no Kafka broker answers at kafka\.example"):
        kafka_runtime.start(settings)


def test_an_existing_cluster_without_a_sign_in_is_a_config_error(tmp_path: Path) -> None:
    settings = Settings(kafka_bootstrap="kafka.example.invalid:9092", data_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"needs a sign-in .*SEND_HUB_KAFKA_USERNAME"):
        kafka_runtime.start(settings)


def test_stop_and_status_when_nothing_runs(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    pid_file = settings.data_dir / "kafka" / "kafka.pid"
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text("999999999\n127.0.0.1:1\n")  # stale: no such process
    assert kafka_runtime.stop(settings).pid is None
    assert not pid_file.exists()
    state = kafka_runtime.status(settings)
    assert (state.running, state.managed, state.pid) == (False, True, None)
    assert state.data_dir == (tmp_path / "data").resolve() / "kafka" / "data"


def test_stop_refuses_a_cluster_it_did_not_start(tmp_path: Path) -> None:
    with pytest.raises(InfraError, match="did not start"):
        kafka_runtime.stop(Settings(kafka_bootstrap="kafka:9092", data_dir=tmp_path))


def test_hub_topics_follow_the_design_and_the_prefix() -> None:
    specs = hub_topic_specs(Settings(topic_prefix="la42", topic_partitions=6))
    assert [s.name for s in specs] == [f"la42.{t}" for t in HUB_TOPICS]
    assert len(specs) == 13 and all(s.partitions == 6 for s in specs)
    compacted = [s.name for s in specs if s.configs.get("cleanup.policy") == "compact"]
    assert compacted == ["la42.identity.links", "la42.identity.review", "la42.auth.revocations"]


def test_a_fresh_data_dir_gets_passwords_and_keeps_them(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    layout = KafkaLayout.from_settings(settings)
    first = kafka_runtime.local_passwords(settings, layout)
    assert kafka_runtime.local_passwords(settings, layout) == first  # read back, not remade


def test_data_formatted_before_sign_in_existed_is_refused_not_started_open(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    layout = KafkaLayout.from_settings(settings)
    layout.data_dir.mkdir(parents=True)
    (layout.data_dir / "meta.properties").write_text("cluster.id=x\n")
    with pytest.raises(InfraError, match="made before the broker required sign-in"):
        kafka_runtime.local_passwords(settings, layout)


def test_the_local_broker_is_never_started_without_sign_in(tmp_path: Path) -> None:
    settings = _settings(tmp_path).model_copy(update={"kafka_security_protocol": "PLAINTEXT"})
    with pytest.raises(ConfigError, match="speaks SASL_PLAINTEXT"):
        kafka_runtime.local_passwords(settings, KafkaLayout.from_settings(settings))
