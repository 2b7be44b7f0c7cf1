"""The Maven pom, the jar cache and reading the broker version."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hub.errors import InfraError
from infra.jars import (
    jars_ready,
    libs_dir,
    pom_xml,
    resolve_jars,
    version_from_jars,
    version_from_log,
)

_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def test_pom_asks_for_the_broker_and_a_log4j2_binding_slf4j_can_use() -> None:
    root = ET.fromstring(pom_xml("4.1.1"))
    deps = [
        (d.findtext("m:groupId", namespaces=_NS), d.findtext("m:artifactId", namespaces=_NS),
         d.findtext("m:version", namespaces=_NS))
        for d in root.iterfind("m:dependencies/m:dependency", _NS)
    ]  # fmt: skip
    assert ("org.apache.kafka", "kafka_2.13", "4.1.1") in deps
    assert {a for _, a, _ in deps} >= {"log4j-slf4j2-impl", "log4j-core", "slf4j-api"}
    slf4j = next(v for _, a, v in deps if a == "slf4j-api")
    # slf4j 1.7 cannot bind log4j-slf4j2-impl: the broker's logging would go to NOP.
    assert slf4j is not None and slf4j.startswith("2.")


def _fake_cache(cache: Path, version: str, jars: list[str], marker: bool = True) -> Path:
    libs = libs_dir(cache, version)
    libs.mkdir(parents=True)
    for name in jars:
        (libs / name).write_bytes(b"PK")
    if marker:
        (libs / ".complete").write_text("\n".join(jars) + "\n")
    return libs


def test_cache_is_ready_only_when_complete(tmp_path: Path) -> None:
    jars = ["kafka-clients-4.1.1.jar", "kafka_2.13-4.1.1.jar"]
    assert not jars_ready(tmp_path, "4.1.1")
    libs = _fake_cache(tmp_path, "4.1.1", jars, marker=False)
    assert not jars_ready(tmp_path, "4.1.1")  # an interrupted download
    (libs / ".complete").write_text("\n".join(jars) + "\n")
    assert jars_ready(tmp_path, "4.1.1")
    (libs / jars[1]).unlink()
    assert not jars_ready(tmp_path, "4.1.1")  # a jar went missing


def test_cached_jars_need_no_maven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    libs = _fake_cache(tmp_path, "4.1.1", ["kafka-clients-4.1.1.jar"])
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert resolve_jars(tmp_path, "4.1.1") == libs


def test_uncached_jars_without_maven_fail_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(InfraError, match=r"Maven \(mvn\) not found"):
        resolve_jars(tmp_path / "cache", "4.1.1")


def test_maven_failure_names_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mvn = bin_dir / "mvn"
    mvn.write_text("#!/bin/sh\necho '[ERROR] Could not resolve dependencies: offline'\nexit 1\n")
    mvn.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(InfraError) as caught:
        resolve_jars(tmp_path / "cache", "4.1.1")
    message = str(caught.value)
    assert "Could not resolve dependencies: offline" in message
    assert str(tmp_path / "cache" / "kafka-4.1.1" / "maven.log") in message
    assert not jars_ready(tmp_path / "cache", "4.1.1")


def test_version_from_jar_names(tmp_path: Path) -> None:
    libs = _fake_cache(tmp_path, "4.1.1", ["kafka-clients-4.1.1.jar", "kafka_2.13-4.1.1.jar",
                                           "kafka-server-common-4.1.1.jar"])  # fmt: skip
    assert version_from_jars(libs) == "4.1.1"
    assert version_from_jars(tmp_path) is None


def test_version_from_log_takes_the_latest_start() -> None:
    log = (
        "[2026-01-01 10:00:00,000] INFO Kafka version: 4.0.0 (org.apache.kafka.common.utils."
        "AppInfoParser)\n...\n[2026-02-01 10:00:00,000] INFO Kafka version: 4.1.1 "
        "(org.apache.kafka.common.utils.AppInfoParser)\n"
    )
    assert version_from_log(log) == "4.1.1"
    assert version_from_log("nothing here") is None
