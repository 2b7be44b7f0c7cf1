"""Catalogue of every version of every top-level Avro schema kept in ``schemas/avro``.

Layout: ``schemas/avro/<subject>/v<N>.avsc``, one self-contained file per version, never
edited once released (a change is a new ``v<N+1>``). The catalogue parses them all once and
maps each writer schema's CRC-64-AVRO fingerprint (of its Parsing Canonical Form, 8 bytes
little-endian as written in single-object encoding) to ``(subject, version, schema)``.
Docs are not part of the canonical form, so improving a ``doc`` never changes a fingerprint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, to_parsing_canonical_form

from hub.errors import SchemaError

__all__ = [
    "ACCESS_ALERT",
    "ALERT",
    "ALL_SUBJECTS",
    "AUDIT",
    "AVRO_ROOT",
    "CONSENT_RECORD",
    "DEADLETTER",
    "EVENT",
    "IDENTITY_LINK",
    "IDENTITY_REVIEW",
    "IDENTITY_REVIEW_DECISION",
    "PIPELINE_SUBJECTS",
    "SUBJECTS",
    "TIMELINE_ENTRY",
    "TOKEN_REVOCATION",
    "Catalogue",
    "SchemaVersion",
    "UnknownSubject",
    "default_catalogue",
    "load_catalogue",
    "load_version",
    "read_schema_json",
    "version_files",
]

AVRO_ROOT = Path(__file__).resolve().parent / "avro"

# Subjects of the contract: directory names under AVRO_ROOT.
EVENT = "event"
CONSENT_RECORD = "consent_record"
IDENTITY_REVIEW_DECISION = "identity_review_decision"
ALERT = "alert"
SUBJECTS = (EVENT, CONSENT_RECORD, IDENTITY_REVIEW_DECISION, ALERT)
# Records the stream pipeline writes.
TIMELINE_ENTRY = "timeline_entry"
IDENTITY_LINK = "identity_link"
IDENTITY_REVIEW = "identity_review"
DEADLETTER = "deadletter"
PIPELINE_SUBJECTS = (TIMELINE_ENTRY, IDENTITY_LINK, IDENTITY_REVIEW, DEADLETTER)
# The record of every read of a child's data, written by the web service.
AUDIT = "audit"
# Alerts about access to a child's data (break-glass), written by the web service.
ACCESS_ALERT = "access_alert"
# Signed-out access tokens, shared by the web instances.
TOKEN_REVOCATION = "token_revocation"
ALL_SUBJECTS = (*SUBJECTS, *PIPELINE_SUBJECTS, AUDIT, ACCESS_ALERT, TOKEN_REVOCATION)

_VERSION_FILE = re.compile(r"^v([1-9][0-9]*)\.avsc$")


class UnknownSubject(SchemaError):
    """No schema is catalogued under this subject (or subject and version)."""


@dataclass(frozen=True, slots=True, eq=False)
class SchemaVersion:
    """One released version of one subject, parsed and fingerprinted (compared by identity)."""

    subject: str
    version: int
    path: Path
    name: str
    schema: dict[str, Any]
    canonical: str
    fingerprint: bytes

    @property
    def fingerprint_hex(self) -> str:
        """The fingerprint as 16 hex digits, in the byte order it is written on the wire."""
        return self.fingerprint.hex()

    def __str__(self) -> str:
        return f"{self.subject} v{self.version}"


class Catalogue:
    """All versions of all subjects; lookups by subject/version and by fingerprint."""

    def __init__(self, versions: Iterable[SchemaVersion]) -> None:
        self._by_subject: dict[str, list[SchemaVersion]] = {}
        self._by_fingerprint: dict[bytes, SchemaVersion] = {}
        for sv in sorted(versions, key=lambda v: (v.subject, v.version)):
            clash = self._by_fingerprint.get(sv.fingerprint)
            if clash is not None:
                raise SchemaError(f"{sv.path}: same canonical schema as {clash.path}")
            self._by_fingerprint[sv.fingerprint] = sv
            self._by_subject.setdefault(sv.subject, []).append(sv)
        for subject, svs in self._by_subject.items():
            _check_sequence(subject, svs)

    def subjects(self) -> list[str]:
        """Subject names, sorted."""
        return sorted(self._by_subject)

    def versions(self, subject: str) -> list[SchemaVersion]:
        """Every version of ``subject``, oldest first."""
        try:
            return list(self._by_subject[subject])
        except KeyError:
            raise UnknownSubject(f"unknown schema subject {subject!r}") from None

    def current(self, subject: str) -> SchemaVersion:
        """The newest version of ``subject``: the writer schema producers use."""
        return self.versions(subject)[-1]

    def get(self, subject: str, version: int | None = None) -> SchemaVersion:
        """One version of ``subject``; ``None`` means the current one."""
        svs = self.versions(subject)
        if version is None:
            return svs[-1]
        if 1 <= version <= len(svs):
            return svs[version - 1]
        raise UnknownSubject(f"schema {subject!r} has no version {version}")

    def by_fingerprint(self, fp: bytes) -> SchemaVersion | None:
        """The schema version whose fingerprint is ``fp`` (8 bytes), if catalogued."""
        return self._by_fingerprint.get(fp)

    def __iter__(self) -> Iterator[SchemaVersion]:
        for subject in self.subjects():
            yield from self._by_subject[subject]

    def __len__(self) -> int:
        return len(self._by_fingerprint)


def _check_sequence(subject: str, svs: list[SchemaVersion]) -> None:
    """Versions run 1..N without gaps and keep one full name (renames break readers)."""
    numbers = [sv.version for sv in svs]
    if numbers != list(range(1, len(svs) + 1)):
        raise SchemaError(f"schema {subject!r}: versions {numbers} must run 1..{len(svs)}")
    names = {sv.name for sv in svs}
    if len(names) > 1:
        raise SchemaError(f"schema {subject!r}: record renamed across versions: {sorted(names)}")


def read_schema_json(path: Path) -> dict[str, Any]:
    """The JSON of one ``.avsc`` file; a missing or malformed file is a SchemaError."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{path}: cannot read schema: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "record":
        raise SchemaError(f"{path}: a top-level schema must be a record")
    return data


def load_version(subject: str, version: int, path: Path) -> SchemaVersion:
    """Parse and fingerprint one version file; any problem is a SchemaError naming it."""
    raw = read_schema_json(path)
    try:
        parsed: dict[str, Any] = parse_schema(raw)  # type: ignore[assignment]  # a record
        canonical = to_parsing_canonical_form(parsed)
        fp = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
    except Exception as exc:  # fastavro raises several unrelated types for a bad schema
        raise SchemaError(f"{path}: invalid Avro schema: {exc}") from exc
    return SchemaVersion(subject, version, path, parsed["name"], parsed, canonical, fp)


def version_files(root: Path) -> Iterator[tuple[str, int, Path]]:
    """``(subject, version, path)`` of every ``<subject>/v<N>.avsc`` under ``root``."""
    if not root.is_dir():
        raise SchemaError(f"{root}: no schema directory")
    for subject_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(subject_dir.glob("*.avsc")):
            match = _VERSION_FILE.match(path.name)
            if match is None:
                raise SchemaError(f"{path}: schema files must be named v<N>.avsc")
            yield subject_dir.name, int(match.group(1)), path


def load_catalogue(root: Path = AVRO_ROOT) -> Catalogue:
    """Parse every ``<subject>/v<N>.avsc`` under ``root`` into a Catalogue."""
    return Catalogue(load_version(s, v, p) for s, v, p in version_files(root))


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The catalogue of the schemas shipped with send-hub, loaded once per process."""
    return load_catalogue(AVRO_ROOT)
