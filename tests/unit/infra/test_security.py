"""Broker identities without a broker: the credentials file, each client's connection, the ACLs.

The broker itself refusing what these grant nothing for is tested on the real broker in
``tests/integration/test_broker_security.py``.
"""

import ssl
import stat
from pathlib import Path

import certifi
import pytest
from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError, InfraError
from hub.models import AgencyKind
from infra.acls import hub_acls
from infra.credentials import Principal, create_credentials, load_credentials, publisher_for
from infra.security import KafkaConnection, as_connection, connection_for

WRITERS_OF = {  # topic short name -> the only principals that may write it
    "timeline": {"worker"}, "identity.links": {"worker"}, "identity.review": {"worker"},
    "deadletter": {"worker"}, "alerts": {"worker", "web"},
    "identity.decisions": {"web"}, "audit": {"web"}, "auth.revocations": {"web"},
    "consent": set(),
    "ingest.education": {"publisher-education"}, "ingest.health": {"publisher-health"},
    "ingest.social_care": {"publisher-social_care"},
    "ingest.local_authority": {"publisher-local_authority"},
}  # fmt: skip


def _local(tmp_path: Path, **extra: object) -> Settings:
    return Settings(kafka_bootstrap="127.0.0.1:19092", data_dir=tmp_path, **extra)  # type: ignore[arg-type]


def test_passwords_are_random_per_data_dir_and_only_the_owner_reads_them(tmp_path: Path) -> None:
    first = create_credentials(tmp_path / "a" / "credentials.json")
    second = create_credentials(tmp_path / "b" / "credentials.json")
    assert set(first) == set(Principal)
    assert all(len(pw.get_secret_value()) >= 40 for pw in first.values())
    assert {p: pw.get_secret_value() for p, pw in first.items()} != {
        p: pw.get_secret_value() for p, pw in second.items()
    }
    path = tmp_path / "a" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_credentials(path) == first


def test_a_credentials_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    create_credentials(path)
    path.chmod(0o644)
    with pytest.raises(InfraError, match="readable by other users"):
        load_credentials(path)


@pytest.mark.parametrize("text", ["not json", "[]", '{"admin": "x"}'])
def test_a_malformed_credentials_file_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(InfraError, match="unreadable Kafka credentials"):
        load_credentials(path)


def test_no_credentials_file_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="send-hub kafka start"):
        connection_for(_local(tmp_path), Principal.WORKER)


def test_on_the_local_broker_each_service_signs_in_as_itself(tmp_path: Path) -> None:
    passwords = create_credentials(tmp_path / "kafka" / "credentials.json")
    for principal in (Principal.WORKER, Principal.WEB, publisher_for(AgencyKind.HEALTH)):
        config = connection_for(_local(tmp_path), principal).kafka_python()
        assert config["security_protocol"] == "SASL_PLAINTEXT"
        assert config["sasl_mechanism"] == "SCRAM-SHA-512"
        assert config["sasl_plain_username"] == principal.value
        assert config["sasl_plain_password"] == passwords[principal].get_secret_value()
        assert config["bootstrap_servers"] == ["127.0.0.1:19092"]


def test_a_configured_identity_is_used_for_every_service(tmp_path: Path) -> None:
    settings = _local(tmp_path, kafka_username="agency-42", kafka_password=SecretStr("s3cret"))
    for principal in Principal:
        connection = connection_for(settings, principal)
        assert (connection.username, connection.sasl_identity()) == (
            "agency-42", ("SCRAM-SHA-512", "agency-42", "s3cret"),
        )  # fmt: skip


def test_a_password_without_a_username_is_refused(tmp_path: Path) -> None:
    settings = _local(tmp_path, kafka_password=SecretStr("s3cret"))
    with pytest.raises(ConfigError, match="without SEND_HUB_KAFKA_USERNAME"):
        connection_for(settings, Principal.WEB)


def test_sasl_ssl_against_an_existing_cluster_is_configuration(tmp_path: Path) -> None:
    settings = Settings(
        kafka_bootstrap="kafka-1.partnership.example:9093,kafka-2.partnership.example:9093",
        kafka_security_protocol="SASL_SSL", kafka_username="send-hub-web",
        kafka_password=SecretStr("s3cret"), kafka_ssl_cafile=None,
    )  # fmt: skip
    connection = connection_for(settings, Principal.WEB)
    aio = connection.aiokafka()
    assert aio["security_protocol"] == "SASL_SSL" and aio["sasl_plain_username"] == "send-hub-web"
    assert isinstance(aio["ssl_context"], ssl.SSLContext)
    assert aio["ssl_context"].check_hostname and aio["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert connection.kafka_python()["bootstrap_servers"] == [
        "kafka-1.partnership.example:9093", "kafka-2.partnership.example:9093",
    ]  # fmt: skip


def test_the_worker_intake_gets_the_same_connection_as_librdkafka_properties(
    tmp_path: Path,
) -> None:
    ca = Path(certifi.where())  # any readable CA bundle will do
    settings = Settings(
        kafka_bootstrap="kafka-1.partnership.example:9093", kafka_security_protocol="SASL_SSL",
        kafka_username="send-hub-worker", kafka_password=SecretStr("s3cret"),
        kafka_ssl_cafile=ca,
    )  # fmt: skip
    conf = connection_for(settings, Principal.WORKER).librdkafka()
    assert conf == {
        "bootstrap.servers": "kafka-1.partnership.example:9093",
        "security.protocol": "SASL_SSL", "sasl.mechanism": settings.kafka_sasl_mechanism,
        "sasl.username": "send-hub-worker", "sasl.password": "s3cret",
        "ssl.endpoint.identification.algorithm": "https", "ssl.ca.location": str(ca),
    }  # fmt: skip
    assert as_connection("127.0.0.1:9092").librdkafka() == {
        "bootstrap.servers": "127.0.0.1:9092", "security.protocol": "PLAINTEXT",
    }  # fmt: skip


def test_librdkafka_properties_check_the_tls_files_like_the_other_clients(tmp_path: Path) -> None:
    connection = KafkaConnection("k:9093", "SSL", cafile=tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match="SEND_HUB_KAFKA_SSL_"):
        connection.librdkafka()


def test_an_unreadable_ca_file_is_one_clear_error(tmp_path: Path) -> None:
    connection = KafkaConnection("k:9093", "SSL", cafile=tmp_path / "missing.pem")
    with pytest.raises(ConfigError, match="SEND_HUB_KAFKA_SSL_"):
        connection.kafka_python()


def test_the_password_is_never_in_a_repr(tmp_path: Path) -> None:
    settings = _local(tmp_path, kafka_username="u", kafka_password=SecretStr("s3cret"))
    connection = connection_for(settings, Principal.WEB)
    assert "s3cret" not in repr(connection) and "s3cret" not in repr(settings)


def test_a_bare_address_is_plaintext_without_identity() -> None:
    connection = as_connection("127.0.0.1:9092")
    assert connection.kafka_python() == {
        "bootstrap_servers": ["127.0.0.1:9092"], "security_protocol": "PLAINTEXT",
    }  # fmt: skip


def test_only_the_worker_may_open_the_worker_transactions() -> None:
    settings = Settings(topic_prefix="send")
    grants = [g for g in hub_acls(settings) if g.resource == "TRANSACTIONAL_ID"]
    assert [(g.principal, g.operation, g.name, g.prefixed) for g in grants] == [
        ("worker", "WRITE", "send-hub-", True)
    ]


@pytest.mark.parametrize("short", sorted(WRITERS_OF))
def test_only_the_owning_service_may_write_each_topic(short: str) -> None:
    settings = Settings(topic_prefix="send")
    topic = settings.topic(short)
    writers = {
        g.principal for g in hub_acls(settings)
        if g.resource == "TOPIC" and g.name == topic and g.operation in ("WRITE", "ALL")
    }  # fmt: skip
    assert writers == WRITERS_OF[short]


def test_only_the_web_reads_audit_nobody_dead_letters_and_publishers_nothing() -> None:
    settings = Settings(topic_prefix="send")
    reads = [g for g in hub_acls(settings) if g.operation in ("READ", "ALL")]
    assert {g.principal for g in reads if g.name == "send.audit"} == {"web"}  # access log
    # Only the web's /ops reads dead letters: to count them by reason and list where each came
    # from and why (never the original bytes); replaying them stays the admin's (send-hub dlq).
    assert {g.principal for g in reads if g.name == "send.deadletter"} == {"web"}
    writers = {g.principal for g in hub_acls(settings)
               if g.name == "send.deadletter" and g.operation == "WRITE"}  # fmt: skip
    assert writers == {"worker"}
    assert not [g for g in reads if g.principal.startswith("publisher-")]


def test_the_worker_owns_only_its_own_groups_and_state_topics() -> None:
    settings = Settings(topic_prefix="send")
    prefixed = {(g.principal, g.resource, g.name) for g in hub_acls(settings) if g.prefixed}
    assert prefixed == {
        ("worker", "TOPIC", "send-hub-"), ("worker", "GROUP", "send-hub"),
        ("worker", "TRANSACTIONAL_ID", "send-hub-"), ("web", "GROUP", "send-web"),
    }  # fmt: skip
    custom = {g.name for g in hub_acls(settings, app_id="send-hub-blue") if g.prefixed}
    assert "send-hub-blue-" in custom
