"""The lock file (requirements.lock) matches pyproject.toml: every declared dependency is pinned.

`make install` installs only what the lock names, each checked against its hashes, so a
dependency declared in pyproject.toml but missing from the lock (or pinned at a version the
declaration excludes) would break a fresh install. `make lock` regenerates the lock.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
# The broker clients and the stream framework: their upgrades change the worker's behaviour.
_EXACT = ("faust-streaming", "kafka-python", "aiokafka")


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(text) for text in names]


def _entries(text: str) -> dict[str, tuple[str, list[str]]]:
    """``{canonical name: (version, [its --hash lines])}`` from a pip-compile/uv lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for line in text.splitlines():
        pin = _PIN.match(line)
        if pin:
            current = canonicalize_name(pin.group(1))
            entries[current] = (pin.group(2), [])
        elif current and line.strip().startswith("--hash=sha256:"):
            entries[current][1].append(line.strip())
        elif not line.startswith(" "):
            current = None
    return entries


@pytest.fixture(scope="module")
def locked() -> dict[str, tuple[str, list[str]]]:
    return _entries((ROOT / "requirements.lock").read_text())


def test_every_declared_dependency_is_pinned_in_the_lock(locked: dict) -> None:
    missing = [str(r) for r in _declared() if canonicalize_name(r.name) not in locked]
    assert not missing, f"not in requirements.lock (run `make lock`): {missing}"


def test_each_pin_satisfies_its_declaration(locked: dict) -> None:
    wrong = [
        f"{r} but locked {locked[canonicalize_name(r.name)][0]}"
        for r in _declared()
        if canonicalize_name(r.name) in locked
        and not r.specifier.contains(locked[canonicalize_name(r.name)][0], prereleases=True)
    ]
    assert not wrong, f"lock out of date with pyproject.toml (run `make lock`): {wrong}"


def test_every_locked_package_carries_hashes(locked: dict) -> None:
    assert locked, "requirements.lock names no package"
    bare = [name for name, (_, hashes) in locked.items() if not hashes]
    assert not bare, f"pins without --hash (pip --require-hashes refuses them): {bare}"


def test_broker_clients_and_faust_are_pinned_exactly() -> None:
    declared = {canonicalize_name(r.name): r for r in _declared()}
    for name in _EXACT:
        spec = list(declared[name].specifier)
        assert len(spec) == 1 and spec[0].operator == "==", f"{name} must be pinned with =="


def test_the_install_step_uses_the_lock_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in makefile
    assert "--no-deps -e ." in makefile


def test_the_entry_parser_sees_a_missing_hash() -> None:
    entries = _entries("a==1.0 \\\n    --hash=sha256:00\nb==2.0\n    # via a\n")
    assert entries == {"a": ("1.0", ["--hash=sha256:00"]), "b": ("2.0", [])}
