"""Schema evolution check: every version parses, and versions are BACKWARD_TRANSITIVE.

BACKWARD_TRANSITIVE means each version of a subject can read data written by *every* older
version of it, so a consumer upgraded to the newest schema still reads the whole topic. The
pairwise check is the ``avro`` package's ``ReaderWriterCompatibilityChecker`` (the port of
Java's SchemaCompatibility); each file must also parse with fastavro (the hot path) and fit
the catalogue rules (versions 1..N, one record name, no two identical versions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from hub.errors import SchemaError
from schemas.catalogue import AVRO_ROOT, Catalogue, SchemaVersion, load_version, version_files

__all__ = ["CheckReport", "Finding", "check_compatibility", "check_pair"]

_Record, _Array = avro.schema.RecordSchema, avro.schema.ArraySchema
_Version = tuple[SchemaVersion, avro.schema.Schema]
_Parsed = dict[str, list[_Version]]


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the report: a version parsed, or a reader/writer pair checked."""

    ok: bool
    text: str

    def line(self) -> str:
        """The report line, prefixed ok / FAIL."""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.text}"


@dataclass(slots=True)
class CheckReport:
    """All findings of one check run."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every version parsed and every pair is compatible."""
        return all(f.ok for f in self.findings)

    @property
    def failures(self) -> list[Finding]:
        """The findings that failed."""
        return [f for f in self.findings if not f.ok]

    def add(self, ok: bool, text: str) -> None:
        self.findings.append(Finding(ok, text))


def _compatible(reader: avro.schema.Schema, writer: avro.schema.Schema) -> bool:
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    return result.compatibility is SchemaCompatibilityType.compatible


def _checker_messages(
    reader: avro.schema.Schema, writer: avro.schema.Schema, where: str
) -> list[str]:
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    kinds = ", ".join(sorted({i.name for i in result.incompatibilities}))
    return [f"{where}: {kinds}: {msg}" for msg in sorted(result.messages)] or [f"{where}: {kinds}"]


def _label(schema: avro.schema.Schema) -> str:
    return str(getattr(schema, "name", None) or schema.type)


def _matching_branch(
    union: avro.schema.UnionSchema, writer: avro.schema.Schema
) -> avro.schema.Schema | None:
    """The reader branch meant for ``writer``: same name for named types, else same type."""
    for branch in union.schemas:
        if _label(branch) == _label(writer):
            return branch
    return None


def _explain(reader: avro.schema.Schema, writer: avro.schema.Schema, where: str) -> list[str]:
    """Field-level reasons why ``reader`` cannot read ``writer``.

    avro's checker reports a problem inside a union branch only as a missing branch; this
    descends through unions and records to name the field or enum that actually changed.
    """
    if _compatible(reader, writer):
        return []
    if isinstance(writer, avro.schema.UnionSchema):
        return [m for branch in writer.schemas for m in _explain(reader, branch, where)]
    if isinstance(reader, avro.schema.UnionSchema):
        match = _matching_branch(reader, writer)
        if match is None:
            return [f"{where}: reader has no union branch for {_label(writer)}"]
        return _explain(match, writer, f"{where}<{_label(writer)}>")
    if isinstance(reader, _Record) and isinstance(writer, _Record):
        return _explain_fields(reader, writer, where)
    if isinstance(reader, _Array) and isinstance(writer, _Array):
        return _explain(reader.items, writer.items, f"{where}[]")
    return _checker_messages(reader, writer, where)


def _explain_fields(
    reader: avro.schema.RecordSchema, writer: avro.schema.RecordSchema, where: str
) -> list[str]:
    problems: list[str] = []
    for field_ in reader.fields:
        written = writer.fields_dict.get(field_.name)
        if written is None and not field_.has_default:
            problems.append(f"{where}.{field_.name}: new field without a default")
        elif written is not None:
            problems += _explain(field_.type, written.type, f"{where}.{field_.name}")
    return problems or _checker_messages(reader, writer, where)


def check_pair(reader: avro.schema.Schema, writer: avro.schema.Schema) -> list[str]:
    """Why ``reader`` cannot read data written with ``writer``; empty when it can.

    The verdict is avro's ``ReaderWriterCompatibilityChecker``; the reasons are refined to
    the field that changed.
    """
    if _compatible(reader, writer):
        return []
    return _explain(reader, writer, _label(reader)) or _checker_messages(reader, writer, "/")


def _parse_both(subject: str, version: int, path: Path) -> tuple[SchemaVersion, avro.schema.Schema]:
    """Parse one file with fastavro (fingerprinted) and with avro; SchemaError on failure."""
    sv = load_version(subject, version, path)
    try:
        return sv, avro.schema.parse(path.read_text(encoding="utf-8"))
    except Exception as exc:  # avro raises SchemaParseException and assorted others
        raise SchemaError(f"{path}: avro cannot parse schema: {exc}") from exc


def _load_all(root: Path, report: CheckReport) -> _Parsed:
    """Every parsable version by subject; a finding per version either way."""
    parsed: _Parsed = {}
    try:
        files = list(version_files(root))
    except SchemaError as exc:
        report.add(False, str(exc))
        return parsed
    for subject, version, path in files:
        try:
            sv, schema = _parse_both(subject, version, path)
        except SchemaError as exc:
            report.add(False, f"{subject} v{version}  does not parse: {exc}")
            continue
        parsed.setdefault(subject, []).append((sv, schema))
        report.add(True, f"{sv}  parses  {sv.name}  fingerprint {sv.fingerprint_hex}")
    return parsed


def _check_catalogue(parsed: _Parsed, report: CheckReport) -> None:
    try:
        Catalogue(sv for versions in parsed.values() for sv, _ in versions)
    except SchemaError as exc:
        report.add(False, f"catalogue: {exc}")


def _check_subject(versions: list[_Version], report: CheckReport) -> None:
    """BACKWARD_TRANSITIVE: each newer version reads each older one."""
    versions = sorted(versions, key=lambda pair: pair[0].version)
    for i, (new_sv, new_schema) in enumerate(versions):
        for old_sv, old_schema in versions[:i]:
            problems = check_pair(new_schema, old_schema)
            pair = f"{new_sv} reads v{old_sv.version}"
            if problems:
                report.add(False, f"{pair}  INCOMPATIBLE: {'; '.join(problems)}")
            else:
                report.add(True, f"{pair}  backward compatible")


def check_compatibility(root: Path = AVRO_ROOT) -> CheckReport:
    """Check every schema under ``root``; read ``report.ok`` and ``report.findings``."""
    report = CheckReport()
    parsed = _load_all(root, report)
    if not parsed and report.ok:
        report.add(False, f"{root}: no schemas found")
    _check_catalogue(parsed, report)
    for subject in sorted(parsed):
        _check_subject(parsed[subject], report)
    return report
