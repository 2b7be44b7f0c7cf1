"""The mapping-driven CSV adapter shared by the school, social-care and SEN case exports.

A file is recognised by its header (each export of a mapping declares its columns);
each row then yields the events its mapping's conditions select. A row with any
problem is rejected whole, so fixing and re-sending it yields exactly its events
(ids are deterministic, so rows already published come back as duplicates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from connectors.base import Adapter, ReadItem
from connectors.envelope import Draft, DraftRejected, to_event
from connectors.fields import FieldProblem, compile_field, date_parser
from connectors.mapping import EventSpec, ExportSpec, FieldSpec, SourceMapping, load_mapping
from connectors.readers import CsvFile
from connectors.records import FileRejected, RecordError, Skipped
from hub.models import AgencyKind

__all__ = ["CompiledExport", "CsvAdapter"]

Row = Mapping[str, str]


class _CompiledEvent:
    """One `EventSpec` turned into functions of the row."""

    def __init__(self, spec: EventSpec, mapping: SourceMapping, parse_date: Any) -> None:
        self.spec = spec
        self.payload = {
            k: compile_field(s, mapping.codes, parse_date) for k, s in spec.payload.items()
        }
        self.origin = {k: s.column or ",".join(s.columns) or k for k, s in spec.payload.items()}
        self._parse_date = parse_date

    def applies(self, row: Row) -> bool:
        when = self.spec.when
        if when.present and not row.get(when.present):
            return False
        if when.absent and row.get(when.absent):
            return False
        if any(row.get(col) != value for col, value in when.equals.items()):
            return False
        if when.later:
            later, earlier = (row.get(c, "") for c in when.later)
            if not later or not earlier:
                return False
            return bool(self._date(when.later[0], later) > self._date(when.later[1], earlier))
        return True

    def _date(self, column: str, text: str) -> Any:
        return self._parse_date(column, text)

    def first_date(self, row: Row, columns: tuple[str, ...]) -> Any:
        for column in columns:
            if row.get(column):
                return self._date(column, row[column])
        return None

    def version(self, row: Row) -> int:
        version = self.spec.version
        if isinstance(version, int):
            return version
        text = row.get(version, "")
        if not text:
            return 1
        if text.isdigit():
            return int(text)
        # A modified date is a version that only grows: 2025-09-08 -> 20250908.
        stamp = self._date(version, text)
        return stamp.year * 10000 + stamp.month * 100 + stamp.day


class CompiledExport:
    """An export of a mapping, ready to turn rows into drafts."""

    def __init__(self, mapping: SourceMapping, name: str, export: ExportSpec) -> None:
        self.name = name
        self.export = export
        self.mapping = mapping
        parse_date = date_parser(mapping.date_formats)
        self.events = [_CompiledEvent(spec, mapping, parse_date) for spec in export.events]
        self.subject = self._compile_subject(parse_date)
        self.subject_origin = {
            field: ",".join(mapping.subject_columns(field)) for field in mapping.subject
        }
        known = [e.spec.when.equals.get(export.type_column or "") for e in self.events]
        self.known_types = {value for value in known if value}

    def _compile_subject(self, parse_date: Any) -> dict[str, Callable[[Row], Any]]:
        types = {"date_of_birth": ("date", None), "sex": ("code", "sex")}
        compiled = {}
        for field in self.mapping.subject:
            known = self.export.all_columns
            columns = [c for c in self.mapping.subject_columns(field) if c in known]
            if not columns:
                continue
            kind, codes = types.get(field, ("str", None))
            if field == "other_names":
                compiled[field] = _names(columns)
                continue
            spec = FieldSpec(column=columns[0], type=kind, codes=codes)  # type: ignore[arg-type]
            compiled[field] = compile_field(spec, self.mapping.codes, parse_date)
        return compiled

    def drafts(self, row: Row, system: str) -> list[Draft]:
        """The drafts of one row; raises `DraftRejected` with every problem found."""
        problems: list[FieldProblem] = []
        subject = self._subject(row, problems)
        selected = []
        for event in self.events:
            try:
                if event.applies(row):
                    selected.append(event)
            except FieldProblem as exc:
                problems.append(exc)
        type_column = self.export.type_column
        if type_column and row.get(type_column) not in self.known_types:
            text = row.get(type_column) or ""
            reason = f"unknown code {text!r}" if text else "required value is missing"
            problems.append(FieldProblem(type_column, reason))
        drafts = []
        for event in selected:
            try:
                drafts.append(self._draft(event, row, subject, system))
            except FieldProblem as exc:
                problems.append(exc)
            except DraftRejected as exc:
                problems.extend(exc.problems)
        if problems:
            raise DraftRejected(_unique(problems))
        return drafts

    def _subject(self, row: Row, problems: list[FieldProblem]) -> dict[str, Any]:
        subject: dict[str, Any] = {"source_person_id": row.get(self.mapping.person, "")}
        if not subject["source_person_id"]:
            problems.append(FieldProblem(self.mapping.person, "required value is missing"))
        for field, convert in self.subject.items():
            try:
                subject[field] = convert(row)
            except FieldProblem as exc:
                problems.append(exc)
        return subject

    def _draft(
        self, event: _CompiledEvent, row: Row, subject: dict[str, Any], system: str
    ) -> Draft:
        payload, errors = _convert(event.payload, row)
        spec = event.spec
        occurred = event.first_date(row, spec.occurred)
        if occurred is None:
            errors.append(FieldProblem(spec.occurred[0], "required value is missing"))
        if errors:
            raise DraftRejected(errors)
        org = row.get(self.mapping.org, "")
        if not org:
            raise FieldProblem(self.mapping.org, "required value is missing")
        return Draft(
            event_type=spec.type,
            agency_kind=AgencyKind(self.mapping.agency_kind),
            org_code=org,
            system=system,
            record_id=spec.record.format_map(row),
            version=event.version(row),
            occurred=occurred,
            recorded=event.first_date(row, spec.recorded) or occurred,
            subject=subject,
            payload=payload,
            case_id=row.get(spec.case or "") or None,
            clock_id=row.get(spec.clock or "") or None,
            origin={**self.subject_origin, **event.origin},
        )


def _convert(
    converters: Mapping[str, Callable[[Row], Any]], row: Row
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Every payload field of a row, and every problem rather than just the first."""
    errors: list[FieldProblem] = []
    payload = {}
    for name, convert in converters.items():
        try:
            payload[name] = convert(row)
        except FieldProblem as exc:
            errors.append(exc)
    return payload, errors


def _names(columns: list[str]) -> Callable[[Row], tuple[str, ...]]:
    return lambda row: tuple(v for v in (row.get(c, "") for c in columns) if v)


def _unique(problems: list[FieldProblem]) -> list[FieldProblem]:
    seen: dict[tuple[str, str], FieldProblem] = {}
    for problem in problems:
        seen.setdefault((problem.column, problem.reason), problem)
    return list(seen.values())


class CsvAdapter(Adapter):
    """Adapter for one mapping file; subclasses name the mapping."""

    mapping_name: ClassVar[str]

    def __init__(self, system: str | None = None) -> None:
        self.mapping = load_mapping(self.mapping_name)
        super().__init__(system or self.mapping.system)
        self._compiled: dict[str, CompiledExport] = {}

    def detect(self, path: Path, header: list[str]) -> CompiledExport:
        """The export whose columns the header has; a wrong header rejects the file."""
        present = set(header)
        best = max(
            self.mapping.exports.items(),
            key=lambda item: len(present & set(item[1].columns)) / len(item[1].columns),
        )
        name, export = best
        missing = [c for c in export.columns if c not in present]
        if len(missing) * 2 > len(export.columns):
            expected = ", ".join(self.mapping.exports)
            raise FileRejected(
                RecordError(str(path), 1, "", f"header matches no {self.name} export ({expected})")
            )
        if missing:
            reason = f"{name} export is missing column(s): {', '.join(missing)}"
            raise FileRejected(RecordError(str(path), 1, missing[0], reason))
        if name not in self._compiled:
            self._compiled[name] = CompiledExport(self.mapping, name, export)
        return self._compiled[name]

    def read(self, path: Path) -> Iterator[ReadItem]:
        with CsvFile(path) as csv_file:
            export = self.detect(path, csv_file.header)
            for item in csv_file.rows():
                self.bytes_read = csv_file.bytes_read
                if isinstance(item, RecordError):
                    yield item
                    continue
                yield from self._row_items(path, item.line, item.values, export)
            self.bytes_read = csv_file.bytes_read

    def _row_items(
        self, path: Path, line: int, row: Row, export: CompiledExport
    ) -> Iterator[ReadItem]:
        try:
            drafts = export.drafts(row, self.system)
            events = [to_event(draft) for draft in drafts]
        except DraftRejected as exc:
            fields = ";".join(dict.fromkeys(p.column for p in exc.problems))
            yield RecordError(str(path), line, fields, str(exc))
            return
        if not events:
            yield Skipped(str(path), line, "no event in this record")
        yield from events
