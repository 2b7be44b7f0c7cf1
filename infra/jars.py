"""Resolving the Apache Kafka broker jars from Maven Central with Maven, once, into a cache.

The cache lives outside the repo (``settings.kafka_cache_dir / "kafka-<version>"``) so
every clone and the test session share it. A marker file listing the jars is written
last, so an interrupted download is simply redone. A file lock keeps two processes
(say a test session and ``send-hub kafka start``) from resolving at the same time.
"""

import fcntl
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.errors import InfraError
from infra.java import require_maven

__all__ = [
    "LOG4J_VERSION",
    "SLF4J_VERSION",
    "jars_ready",
    "kafka_home",
    "libs_dir",
    "pom_xml",
    "resolve_jars",
    "version_from_jars",
    "version_from_log",
]

LOG4J_VERSION = "2.25.3"
# Kafka's own dependency tree pins slf4j-api 1.7, which cannot bind log4j2's slf4j2 bridge
# (logging would silently fall back to NOP); 2.0.x is declared first so Maven picks it.
SLF4J_VERSION = "2.0.17"
_MARKER = ".complete"
_MAVEN_TIMEOUT = 900.0
_CLIENTS_JAR = re.compile(r"^kafka-clients-(\d[\w.\-]*)\.jar$")
_LOG_VERSION = re.compile(r"Kafka version: (\d[\w.\-]*)")

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <!-- Written by send-hub (infra/jars.py) only to resolve the broker's runtime jars. -->
  <groupId>uk.send-hub</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>{kafka}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>{slf4j}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j2-impl</artifactId>
      <version>{log4j}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>{log4j}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
"""


def kafka_home(cache_dir: Path, version: str) -> Path:
    """The cache directory for one Kafka version (holds ``pom.xml`` and ``libs/``)."""
    return cache_dir / f"kafka-{version}"


def libs_dir(cache_dir: Path, version: str) -> Path:
    """Where the broker's jars live; the JVM class path is ``<this>/*``."""
    return kafka_home(cache_dir, version) / "libs"


def pom_xml(version: str) -> str:
    """The throw-away pom whose runtime dependencies are the broker's class path."""
    return _POM.format(kafka=version, slf4j=SLF4J_VERSION, log4j=LOG4J_VERSION)


def jars_ready(cache_dir: Path, version: str) -> bool:
    """True when a previous resolution finished and every jar it listed is still there."""
    libs = libs_dir(cache_dir, version)
    marker = libs / _MARKER
    if not marker.is_file():
        return False
    names = [n for n in marker.read_text().splitlines() if n]
    return bool(names) and all((libs / n).is_file() for n in names)


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def resolve_jars(cache_dir: Path, version: str) -> Path:
    """Resolve the broker jars with Maven unless cached; returns the ``libs`` directory."""
    libs = libs_dir(cache_dir, version)
    if jars_ready(cache_dir, version):
        return libs
    home = kafka_home(cache_dir, version)
    with _locked(home):
        if jars_ready(cache_dir, version):  # another process finished while we waited
            return libs
        mvn = require_maven()
        (home / "pom.xml").write_text(pom_xml(version))
        staging = home / "libs.partial"
        shutil.rmtree(staging, ignore_errors=True)
        _run_maven(mvn, home, staging)
        jars = sorted(p.name for p in staging.glob("*.jar"))
        if not any(_CLIENTS_JAR.match(n) for n in jars):
            raise InfraError(f"Maven finished but no kafka-clients jar is in {staging}")
        (staging / _MARKER).write_text("\n".join(jars) + "\n")
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)
    return libs


def _run_maven(mvn: Path, home: Path, out: Path) -> None:
    log = home / "maven.log"
    cmd = [
        str(mvn), "-B", "-f", str(home / "pom.xml"), "dependency:copy-dependencies",
        f"-DoutputDirectory={out}", "-DincludeScope=runtime",
    ]  # fmt: skip
    try:
        with log.open("w") as sink:
            done = subprocess.run(
                cmd, stdout=sink, stderr=subprocess.STDOUT, timeout=_MAVEN_TIMEOUT, check=False
            )
    except subprocess.TimeoutExpired as exc:
        raise InfraError(f"Maven did not finish within {_MAVEN_TIMEOUT:.0f} s; see {log}") from exc
    except OSError as exc:
        raise InfraError(f"could not run Maven ({mvn}): {exc}") from exc
    if done.returncode != 0:
        raise InfraError(
            f"Maven could not resolve the Kafka jars ({_first_error(log)}); full log: {log} "
            "- check network access to Maven Central, or point SEND_HUB_KAFKA_BOOTSTRAP "
            "at an existing Kafka cluster"
        )


def _first_error(log: Path) -> str:
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("[ERROR]") and line[7:].strip():
            return line[7:].strip()[:300]
    return "no [ERROR] line in its output"


def version_from_jars(libs: Path) -> str | None:
    """The Kafka version from the ``kafka-clients-<version>.jar`` name, or None."""
    for jar in sorted(libs.glob("kafka-clients-*.jar")):
        match = _CLIENTS_JAR.match(jar.name)
        if match:
            return match.group(1)
    return None


def version_from_log(text: str) -> str | None:
    """The version the broker last logged on start-up (``Kafka version: X``, AppInfoParser)."""
    found = _LOG_VERSION.findall(text)
    return found[-1] if found else None
