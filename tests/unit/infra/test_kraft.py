"""The KRaft config send-hub writes, and where it puts things."""

import re
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError
from infra.credentials import Principal
from infra.kraft import (
    KafkaLayout,
    is_formatted,
    is_local,
    new_cluster_id,
    parse_bootstrap,
    scram_users,
    server_properties,
    write_config,
)

PASSWORDS = {p: SecretStr(f"pw-{p.value}") for p in Principal}


def _layout(tmp_path: Path, bootstrap: str = "127.0.0.1:19092", controller: int = 19093):
    settings = Settings(
        kafka_bootstrap=bootstrap, kafka_controller_port=controller, data_dir=tmp_path
    )
    return KafkaLayout.from_settings(settings)


def _props(text: str) -> dict[str, str]:
    pairs = (ln.split("=", 1) for ln in text.splitlines() if ln and not ln.startswith("#"))
    return {k: v for k, v in pairs}


def test_config_is_a_single_combined_node_on_loopback(tmp_path: Path) -> None:
    props = _props(server_properties(_layout(tmp_path), PASSWORDS))
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["listeners"] == "CLIENT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "CLIENT://127.0.0.1:19092"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["log.dirs"] == str(tmp_path.resolve() / "kafka" / "data")
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"


def test_every_listener_requires_sasl_and_every_request_an_acl(tmp_path: Path) -> None:
    props = _props(server_properties(_layout(tmp_path), PASSWORDS))
    protocols = dict(p.split(":") for p in props["listener.security.protocol.map"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}  # no PLAINTEXT way in
    assert props["listener.name.client.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["sasl.mechanism.inter.broker.protocol"] == "SCRAM-SHA-512"
    assert props["sasl.mechanism.controller.protocol"] == "PLAIN"
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert set(props["super.users"].split(";")) == {"User:admin", "User:broker", "User:controller"}
    assert 'password="pw-broker"' in props["listener.name.client.scram-sha-512.sasl.jaas.config"]
    # No service principal's password is in the broker's config.
    assert "pw-worker" not in server_properties(_layout(tmp_path), PASSWORDS)


def test_every_principal_but_the_controller_is_a_scram_user() -> None:
    args = scram_users(PASSWORDS)
    users = [a for a in args if a != "--add-scram"]
    assert len(users) == len(Principal) - 1 and args.count("--add-scram") == len(users)
    assert "SCRAM-SHA-512=[name=web,password=pw-web]" in users
    assert not any("name=controller" in u for u in users)


def test_write_config_lays_out_the_data_dir(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    write_config(layout, PASSWORDS)
    assert layout.properties.read_text() == server_properties(layout, PASSWORDS)
    assert stat.S_IMODE(layout.properties.stat().st_mode) == 0o600  # it holds passwords
    log4j2 = layout.log4j2.read_text()
    assert str(layout.server_log) in log4j2 and 'ThresholdFilter level="WARN"' in log4j2
    assert layout.data_dir.is_dir() and layout.logs_dir.is_dir()
    assert not is_formatted(layout)
    (layout.data_dir / "meta.properties").write_text("cluster.id=x\n")
    assert is_formatted(layout)


def test_same_client_and_controller_port_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SEND_HUB_KAFKA_CONTROLLER_PORT"):
        _layout(tmp_path, "127.0.0.1:9092", 9092)


def test_parse_bootstrap() -> None:
    assert [str(b) for b in parse_bootstrap("a:1, b:2")] == ["a:1", "b:2"]
    for bad in ("localhost", "host:port", ":9092", ""):
        with pytest.raises(ConfigError, match="SEND_HUB_KAFKA_BOOTSTRAP"):
            parse_bootstrap(bad)


@pytest.mark.parametrize(
    ("bootstrap", "local"),
    [("127.0.0.1:9092", True), ("localhost:9092", True), ("kafka:9092", False),
     # a local cluster's nodes (send-hub kafka start --brokers 3)
     ("127.0.0.1:9092,127.0.0.1:9094", True), ("127.0.0.1:9092,kafka:9092", False)],
)  # fmt: skip
def test_only_loopback_addresses_are_started_locally(bootstrap: str, local: bool) -> None:
    assert is_local(Settings(kafka_bootstrap=bootstrap)) is local


def test_cluster_ids_look_like_kafkas() -> None:
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_\-]{21}", i) for i in ids)
