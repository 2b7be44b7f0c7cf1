"""Turning native cell text into typed contract values, with a reason when it cannot.

Each `FieldSpec` of a mapping is compiled once into a small function of the row, so
a million-row export pays for the mapping's interpretation once, not per row. A bad
value raises `FieldProblem` naming the source column, which becomes the ``field`` of
the rejects file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from connectors.mapping import FieldSpec

__all__ = ["Converter", "FieldProblem", "compile_field", "date_parser"]

Row = Mapping[str, str]
Converter = Callable[[Row], Any]

# Spec types parsed from text; None means the export's own date parser.
_PARSED: dict[str, Callable[[str], Any] | None] = {"date": None, "int": int, "float": float}


class FieldProblem(ValueError):
    """A value that cannot be used; ``column`` is the source field to blame."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def date_parser(formats: tuple[str, ...]) -> Callable[[str, str], date]:
    """A parser trying each format; the common two get a fast path (strptime is slow)."""

    expected = " or ".join(
        f.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy") for f in formats
    )

    def parse(column: str, text: str) -> date:
        for fmt in formats:
            try:
                return _parse_one(fmt, text)
            except ValueError:
                continue
        raise FieldProblem(column, f"not a date: {text!r} (expected {expected})")

    return parse


def _parse_one(fmt: str, text: str) -> date:
    if fmt == "%d/%m/%Y":
        day, month, year = text.split("/")
        if len(year) != 4:
            raise ValueError(text)
        return date(int(year), int(month), int(day))
    if fmt == "%Y-%m-%d":
        if len(text) != 10 or text[4] != "-":
            raise ValueError(text)
        return date.fromisoformat(text)
    return datetime.strptime(text, fmt).date()


def _code(column: str, table: Mapping[str, Any], text: str) -> Any:
    try:
        return table[text]
    except KeyError:
        raise FieldProblem(column, f"unknown code {text!r}") from None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _scalar(spec: FieldSpec, codes: Mapping[str, Mapping[str, Any]], parse_date: Any) -> Any:
    """The text -> value function of one scalar or list spec."""
    column = spec.column or ",".join(spec.columns)
    table = codes.get(spec.codes or "", {})
    kind = spec.type
    if kind in _PARSED:
        return _parsed(kind, column, parse_date)

    def convert(text: str) -> Any:
        if kind in ("code", "bool"):
            return _code(column, table, text.upper() if kind == "bool" else text)
        if kind == "list":
            return [_code(column, table, part) if table else part for part in _split(text)]
        if kind == "needs":
            parts = _split(text)
            return [
                {"need_type": _code(column, table, p), "rank": i} for i, p in enumerate(parts, 1)
            ]
        if kind == "absences":
            return _absences(column, table, text)
        return text

    return convert


def _parsed(kind: str, column: str, parse_date: Any) -> Callable[[str], Any]:
    """Dates and numbers: the date parser's own reason, or "not a number" naming the column."""
    parse = _PARSED[kind]

    def convert(text: str) -> Any:
        try:
            return parse_date(column, text) if parse is None else parse(text)
        except ValueError as exc:
            if isinstance(exc, FieldProblem):
                raise
            raise FieldProblem(column, f"not a number: {text!r}") from None

    return convert


def _absences(column: str, table: Mapping[str, Any], text: str) -> list[dict[str, Any]]:
    """``I:2;M:1`` -> sessions per DfE attendance code."""
    counts = []
    for part in _split(text):
        code, _, sessions = part.partition(":")
        if not sessions.strip().isdigit():
            raise FieldProblem(column, f"expected CODE:SESSIONS, got {part!r}")
        counts.append({"code": _code(column, table, code.strip()), "sessions": int(sessions)})
    return counts


_EMPTY = {"bool": False, "list": [], "needs": [], "absences": []}


def compile_field(
    spec: FieldSpec, codes: Mapping[str, Mapping[str, Any]], parse_date: Any
) -> Converter:
    """Compile a spec into ``row -> value``; empty optional cells give None (or False/[])."""
    if spec.has_const:
        const = spec.const
        return lambda row: const
    if spec.fields is not None:
        return _compile_nested(spec, codes, parse_date)
    convert = _scalar(spec, codes, parse_date)
    columns = spec.columns or ((spec.column,) if spec.column else ())
    empty, required = _EMPTY.get(spec.type), spec.required
    name = spec.column or ",".join(columns)

    def from_row(row: Row) -> Any:
        text = ",".join(v for v in (row.get(c, "") for c in columns) if v)
        if not text:
            if required:
                raise FieldProblem(name, "required value is missing")
            return empty
        return convert(text)

    return from_row


def _compile_nested(spec: FieldSpec, codes: Mapping[str, Any], parse_date: Any) -> Converter:
    inner = {name: compile_field(s, codes, parse_date) for name, s in (spec.fields or {}).items()}
    from_columns = {name for name, s in (spec.fields or {}).items() if not s.has_const}

    def from_row(row: Row) -> Any:
        values = {name: convert(row) for name, convert in inner.items()}
        # A composite whose every column is empty is absent, not a record of nulls.
        if all(values[name] in (None, False, []) for name in from_columns):
            return None
        return values

    return from_row
