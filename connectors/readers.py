"""Streaming readers for agency files: CSV, JSON lines and JSON documents.

Readers never hold a whole CSV or JSON-lines file in memory (a million-row export
must publish in bounded memory), report how many bytes they have consumed (for the
progress bar), and turn damage into data: a bad row is a `RecordError`, a file that
is not text at all raises `FileRejected` so the caller can say so in one line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from connectors.records import FileRejected, RecordError

__all__ = ["CsvFile", "CsvRow", "JsonLine", "iter_json_lines", "load_json_document", "sniff_text"]

_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One CSV record: its first physical line number (header is line 1) and values."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One parsed JSON-lines entry and its line number."""

    line: int
    value: Any


def sniff_text(path: Path) -> None:
    """Reject files that are plainly not text (NUL bytes or undecodable start)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise FileRejected(RecordError(str(path), 0, "", f"cannot read file: {exc}")) from exc
    if not head.strip():
        raise FileRejected(RecordError(str(path), 0, "", "file is empty"))
    if b"\x00" in head:
        raise FileRejected(RecordError(str(path), 0, "", "binary file, not text"))
    try:
        # A multi-byte character may be cut at the sniff boundary; ignore only that tail.
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise FileRejected(RecordError(str(path), 0, "", "not UTF-8 text")) from exc


class _LineFeed:
    """Decodes a binary file line by line, counting bytes and remembering bad lines."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.bytes_read = 0
        self.line_no = 0
        self.bad_lines: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        for raw in self._handle:
            self.bytes_read += len(raw)
            self.line_no += 1
            if self.line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # Excel writes a BOM; it is not part of the first column name
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad_lines.add(self.line_no)
                yield raw.decode("utf-8", errors="replace")


class CsvFile:
    """A CSV export read row by row; the header is read on opening."""

    def __init__(self, path: Path) -> None:
        sniff_text(path)
        self.path = path
        self.size = path.stat().st_size
        self._handle = path.open("rb")
        self._feed = _LineFeed(self._handle)
        self._reader = csv.reader(self._feed)
        try:
            first = next(self._reader, None)
        except csv.Error as exc:
            self.close()
            raise FileRejected(RecordError(str(path), 1, "", f"unreadable header: {exc}")) from exc
        if not first or not any(cell.strip() for cell in first):
            self.close()
            raise FileRejected(RecordError(str(path), 1, "", "no header row"))
        self.header = [cell.strip() for cell in first]

    @property
    def bytes_read(self) -> int:
        return self._feed.bytes_read

    def rows(self) -> Iterator[CsvRow | RecordError]:
        """Yield each record, or an error for a record that is damaged as a whole."""
        width = len(self.header)
        start = self._feed.line_no + 1
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RecordError(str(self.path), start, "", f"unreadable CSV record: {exc}")
                start = self._feed.line_no + 1
                continue
            line, start = start, self._feed.line_no + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines carry nothing; spreadsheets leave them at the end
            error = self._check_record(line, cells, width)
            if error is not None:
                yield error
                continue
            yield CsvRow(line, dict(zip(self.header, (c.strip() for c in cells), strict=True)))

    def _check_record(self, line: int, cells: list[str], width: int) -> RecordError | None:
        if any(n in self._feed.bad_lines for n in range(line, self._feed.line_no + 1)):
            return RecordError(str(self.path), line, "", "not UTF-8 text")
        if len(cells) != width:
            reason = f"record has {len(cells)} fields, header has {width}"
            return RecordError(str(self.path), line, "", reason)
        return None

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_json_lines(
    path: Path, counter: list[int] | None = None
) -> Iterator[JsonLine | RecordError]:
    """Yield each non-blank line parsed as JSON, or an error naming the line.

    ``counter`` (a one-element list) receives the bytes consumed so far, for progress.
    """
    sniff_text(path)
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if counter is not None:
                counter[0] += len(raw)
            if not raw.strip():
                continue
            try:
                yield JsonLine(number, json.loads(raw))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield RecordError(str(path), number, "", f"broken JSON: {_json_reason(exc)}")


def load_json_document(path: Path) -> Any:
    """Parse a whole JSON document (a FHIR Bundle); broken JSON rejects the file."""
    sniff_text(path)
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileRejected(
            RecordError(str(path), 0, "", f"broken JSON: {_json_reason(exc)}")
        ) from exc


def _json_reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    return "not UTF-8 text"
