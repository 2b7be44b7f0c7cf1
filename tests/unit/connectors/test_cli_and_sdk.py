"""``send-hub publish`` / ``simulate`` as a user runs them, and the SDK's failure reporting."""

import shutil
from pathlib import Path

import pytest
from kafka.errors import KafkaTimeoutError

from connectors.sdk import Publisher, PublishFailed, ingest_topics, partition_key
from hub.cli.main import main
from hub.config import Settings
from hub.models import AgencyKind
from infra.credentials import Principal, create_credentials
from infra.security import KafkaConnection
from tests.unit.connectors.helpers import FIXTURES, read


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("school", "garbage.bin", "binary file, not text"),
        ("school", "not_an_export.csv", "header matches no school export"),
        ("health", "health_broken.json", "broken JSON"),
        ("health", "school_pupils.csv", "broken JSON"),
    ],
)
def test_garbage_file_is_one_line_and_non_zero(
    kind: str, name: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    shutil.copy(FIXTURES / name, path)
    code = main(["publish", "--source", kind, "--dry-run", str(path)])
    captured = capsys.readouterr()
    assert code != 0
    assert captured.err.count("\n") == 1 and message in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_partly_bad_file_keeps_the_valid_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pupils.csv"
    shutil.copy(FIXTURES / "school_pupils.csv", path)
    code = main(["publish", "--source", "school", "--dry-run", str(path)])
    captured = capsys.readouterr()
    assert code != 0
    assert "4 record(s) rejected" in captured.err
    rejects = (tmp_path / "pupils.csv.rejects.csv").read_text().splitlines()
    assert rejects[0] == "file,row,field,reason"
    assert [line.split(",")[1] for line in rejects[1:]] == ["4", "5", "6", "7"]
    assert "│     3 │" in captured.out  # three valid events in the summary


def test_clean_file_exits_zero_and_leaves_no_rejects_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cp.csv"
    lines = (FIXTURES / "social_care_child_protection.csv").read_text().splitlines()
    path.write_text("\n".join(lines[:2]) + "\n")
    (tmp_path / "cp.csv.rejects.csv").write_text("stale\n")
    assert main(["publish", "--source", "social-care", "--dry-run", str(path)]) == 0
    assert not (tmp_path / "cp.csv.rejects.csv").exists()


def test_simulate_dry_run_writes_feeds_and_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    argv = ["simulate", "-n", "60", "-d", "30", "--seed", "5", "--out", str(out), "--dry-run"]
    assert main(argv) == 0
    assert (out / "ground_truth.csv").exists() and (out / "manifest.csv").exists()
    assert "rejected" in capsys.readouterr().out


class _FailingFuture:
    def __init__(self) -> None:
        self.errbacks: list[object] = []

    def add_errback(self, fn, *args):  # type: ignore[no-untyped-def]
        fn(*args, KafkaTimeoutError("expired before delivery"))
        return self


class _FakeProducer:
    """Stands in for kafka-python only to make a delivery fail; no broker behaviour."""

    def __init__(self, **config: object) -> None:
        self.config = config
        self.sent: list[tuple[str, bytes]] = []

    def send(self, topic: str, key: bytes, value: bytes) -> _FailingFuture:
        self.sent.append((topic, key))
        return _FailingFuture()

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float | None = None) -> None:
        return None


def test_delivery_failures_are_raised_at_flush_not_swallowed() -> None:
    event = read("sen-case", "sen_case_activity.csv").events[0]
    publisher = Publisher(connection=KafkaConnection("127.0.0.1:1"), producer_factory=_FakeProducer)
    publisher.publish(event)
    producer = publisher._producer(event.source.agency_kind)
    config = producer.config
    assert config["enable_idempotence"] is True and config["acks"] == "all"
    assert config["compression_type"] in ("lz4", "gzip") and config["linger_ms"] > 0
    with pytest.raises(PublishFailed, match="1 event\\(s\\) not delivered"):
        publisher.close()
    topic, key = producer.sent[0]
    assert topic == ingest_topics()[event.source.agency_kind]
    assert topic.endswith(".ingest.local_authority")
    assert key == partition_key(event) == b"888:P0000001"


def test_each_agency_kind_publishes_as_its_own_principal(tmp_path: Path) -> None:
    passwords = create_credentials(tmp_path / "credentials.json")
    settings = Settings(kafka_credentials_file=tmp_path / "credentials.json")
    publisher = Publisher(settings=settings, producer_factory=_FakeProducer)
    for kind in (AgencyKind.HEALTH, AgencyKind.EDUCATION, AgencyKind.HEALTH):
        publisher._producer(kind)
    users = sorted(p.config["sasl_plain_username"] for p in publisher._producers.values())
    assert users == ["publisher-education", "publisher-health"]  # one producer per identity
    health = publisher._producer(AgencyKind.HEALTH).config
    assert health["sasl_plain_password"] == passwords[Principal.PUBLISHER_HEALTH].get_secret_value()
