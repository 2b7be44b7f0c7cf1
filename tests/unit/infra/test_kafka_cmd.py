"""``send-hub kafka``: failures are one line on stderr with a non-zero exit."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.cli.main import main
from hub.config import get_settings
from infra.process import free_port


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SEND_HUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEND_HUB_KAFKA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SEND_HUB_KAFKA_BOOTSTRAP", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("SEND_HUB_KAFKA_CONTROLLER_PORT", str(free_port()))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_start_without_java_is_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(env))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert main(["kafka", "start"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("send-hub: error: Java not found") and "\n" not in err


def test_stop_and_status_when_not_running(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kafka", "stop"]) == 0
    assert main(["kafka", "status"]) == 0
    out = capsys.readouterr().out
    assert "Kafka is not running" in out and "Kafka: not running" in out


def test_install_skips_without_maven_when_a_cluster_is_configured(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(env))
    assert main(["kafka", "install"]) == 0
    assert "skipped the local broker jars" in capsys.readouterr().out


def test_acls_lists_each_services_grants_for_the_prefix(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEND_HUB_TOPIC_PREFIX", "lancs")
    get_settings.cache_clear()
    assert main(["kafka", "acls"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "ALLOW User:publisher-health WRITE TOPIC name lancs.ingest.health" in lines
    assert "ALLOW User:web WRITE TOPIC name lancs.identity.decisions" in lines
    assert not [ln for ln in lines if "User:web WRITE TOPIC name lancs.timeline" in ln]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SEND_HUB_KAFKA_SECURITY_PROTOCOL", "TLS-please"),
     ("SEND_HUB_KAFKA_SASL_MECHANISM", "GSSAPI"),
     ("SEND_HUB_KAFKA_SSL_CHECK_HOSTNAME", "x" * 10_000)],
)  # fmt: skip
def test_a_malformed_kafka_setting_is_one_line_naming_it_not_its_value(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    variable: str, value: str,
) -> None:  # fmt: skip
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    assert main(["kafka", "acls"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"send-hub: error: configuration: {variable}:") and "\n" not in err
    assert value not in err


def test_acls_apply_without_a_password_is_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SEND_HUB_KAFKA_USERNAME", "ops")
    get_settings.cache_clear()
    assert main(["kafka", "acls", "--apply"]) == 1
    err = capsys.readouterr().err.strip()
    assert "needs a SASL username and password" in err and "\n" not in err


def test_start_brokers_out_of_range_is_one_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kafka", "start", "--brokers", "9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("send-hub: error:") and "--brokers" in err and "\n" not in err


def test_start_a_cluster_without_java_is_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(env))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert main(["kafka", "start", "--brokers", "3"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("send-hub: error: Java not found") and "\n" not in err


def test_status_of_a_stopped_cluster_is_the_single_brokers(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.kraft_cluster import plan_cluster, save_cluster

    ports = iter(range(31000, 31010))
    save_cluster(plan_cluster(get_settings(), 3, free_port=lambda: next(ports)))
    assert main(["kafka", "status"]) == 0
    assert main(["kafka", "stop"]) == 0
    out = capsys.readouterr().out
    assert "Kafka: not running" in out and "Kafka is not running" in out
