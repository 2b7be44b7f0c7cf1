"""Finding Java 17+ and Maven, and the one-line messages when they are missing."""

from pathlib import Path

import pytest

from hub.errors import InfraError
from infra.java import parse_java_version, require_java, require_maven


@pytest.mark.parametrize(
    ("banner", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"\nJava(TM) SE Runtime Environment', 8),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ('openjdk version "25-ea" 2025-09-16', 25),
        ("Error: could not find libjava.so", None),
    ],
)
def test_parse_java_version(banner: str, major: int | None) -> None:
    assert parse_java_version(banner) == major


def _fake_tool(directory: Path, name: str, banner: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tool = directory / name
    tool.write_text(f"#!/bin/sh\necho '{banner}' >&2\n")
    tool.chmod(0o755)


def test_missing_java_names_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(InfraError) as caught:
        require_java()
    message = str(caught.value)
    assert "Java not found" in message and "17+" in message
    assert "SEND_HUB_KAFKA_BOOTSTRAP" in message and "compose" in message
    assert "\n" not in message


def test_old_java_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tool(tmp_path / "bin", "java", 'java version "1.8.0_292"')
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(InfraError, match=r"is Java 8; Kafka 4 needs Java 17\+"):
        require_java()


def test_java_home_wins_over_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tool(tmp_path / "home" / "bin", "java", 'openjdk version "21.0.1"')
    _fake_tool(tmp_path / "path", "java", 'java version "1.8.0_1"')
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    assert require_java() == tmp_path / "home" / "bin" / "java"


def test_missing_maven_names_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InfraError, match=r"Maven \(mvn\) not found.*SEND_HUB_KAFKA_BOOTSTRAP"):
        require_maven()
