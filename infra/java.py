"""Finding the local tools the broker needs: Java 17+ to run it, Maven to fetch its jars.

Each check raises ``InfraError`` with one line that names what to do, because a
missing tool is the most common first-run problem and the fix is always the same
three choices: install the tool, use an existing cluster, or use the compose file.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from hub.errors import InfraError

__all__ = [
    "ALTERNATIVES",
    "MIN_JAVA",
    "find_java",
    "find_maven",
    "java_major_version",
    "parse_java_version",
    "require_java",
    "require_maven",
]

MIN_JAVA = 17
ALTERNATIVES = (
    "or point SEND_HUB_KAFKA_BOOTSTRAP at an existing Kafka cluster, "
    "or run Kafka with infra/compose.yaml"
)
_VERSION_RE = re.compile(r'version "([^"]+)"')


def find_java() -> Path | None:
    """The ``java`` executable: ``$JAVA_HOME/bin/java`` first, then ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("java")
    return Path(found) if found else None


def find_maven() -> Path | None:
    """The ``mvn`` executable on ``PATH``, or None."""
    found = shutil.which("mvn")
    return Path(found) if found else None


def parse_java_version(banner: str) -> int | None:
    """Major version from ``java -version`` output (``1.8.0_292`` -> 8, ``17.0.15`` -> 17)."""
    match = _VERSION_RE.search(banner)
    if not match:
        return None
    parts = re.findall(r"\d+", match.group(1))
    if not parts:
        return None
    if parts[0] == "1" and len(parts) > 1:  # pre-9 scheme: 1.<major>
        return int(parts[1])
    return int(parts[0])


def java_major_version(java: Path) -> int | None:
    """Run ``java -version`` (it prints to stderr) and return the major version."""
    try:
        done = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_java_version(done.stderr + done.stdout)


def require_java() -> Path:
    """The path of a Java >= 17 executable, or an ``InfraError`` saying what to do."""
    java = find_java()
    if java is None:
        raise InfraError(
            f"Java not found: install Java {MIN_JAVA}+ (e.g. apt install openjdk-17-jre-headless) "
            f"to run the local Kafka broker, {ALTERNATIVES}"
        )
    major = java_major_version(java)
    if major is None or major < MIN_JAVA:
        found = f"Java {major}" if major else "an unrecognised Java"
        raise InfraError(
            f"{java} is {found}; Kafka 4 needs Java {MIN_JAVA}+: install it or set JAVA_HOME, "
            f"{ALTERNATIVES}"
        )
    return java


def require_maven() -> Path:
    """The path of ``mvn``, or an ``InfraError`` saying what to do."""
    mvn = find_maven()
    if mvn is None:
        raise InfraError(
            "Maven (mvn) not found; it fetches the Kafka broker jars once: install it "
            f"(e.g. apt install maven), {ALTERNATIVES}"
        )
    return mvn
