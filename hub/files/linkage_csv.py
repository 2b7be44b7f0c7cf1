"""Reading and writing bulk-linkage CSV files (docs/contracts.md, bulk linkage files).

A file that cannot be a linkage file at all (not UTF-8 text, no header, header
without the contract's columns) raises `InputError` with one clear line. A bad row
(wrong number of fields, no record_id, a repeated record_id, a date that is not
``YYYY-MM-DD``) is not fatal: it becomes a `Reject` with its line number and reason.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import NamedTuple

from pydantic import ValidationError

from hub.errors import InputError
from hub.identity.bulk import LINK_COLUMNS, LinkRow
from hub.identity.records import CSV_COLUMNS, PersonRecord

__all__ = ["REJECT_COLUMNS", "Reject", "read_person_csv", "write_links", "write_rejects"]

REJECT_COLUMNS = ("file", "line", "record_id", "reason")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Reject(NamedTuple):
    """A row that could not be used, and why."""

    file: str
    line: int
    record_id: str
    reason: str


def _header(path: Path, reader: Iterator[list[str]]) -> list[str]:
    header = next(reader, None)
    if not header:
        raise InputError(f"{path}: empty file, expected a CSV header")
    names = [h.strip().lower() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise InputError(f"{path}: not a linkage file: header lacks {', '.join(missing)}")
    return names


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    if not _ISO_DATE.match(text):
        raise ValueError("date_of_birth: not a YYYY-MM-DD date")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"date_of_birth: {exc}") from exc


def _record(names: list[str], row: list[str], seen: set[str]) -> PersonRecord:
    if len(row) != len(names):
        raise ValueError(f"expected {len(names)} fields, found {len(row)}")
    values = dict(zip(names, row, strict=True))
    rid = values["record_id"].strip()
    if not rid:
        raise ValueError("record_id is empty")
    if rid in seen:
        raise ValueError("record_id repeated in this file")
    fields = {c: values[c] for c in CSV_COLUMNS if c != "date_of_birth"}
    try:
        return PersonRecord(**fields, date_of_birth=_parse_date(values["date_of_birth"]))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") from exc


def read_person_csv(path: Path) -> tuple[list[PersonRecord], list[Reject]]:
    """All usable records of a linkage file, and the rows rejected with reasons."""
    records: list[PersonRecord] = []
    rejects: list[Reject] = []
    seen: set[str] = set()
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            names = _header(path, reader)
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue  # blank line
                try:
                    record = _record(names, row, seen)
                except ValueError as exc:
                    rid = row[0].strip() if row else ""
                    rejects.append(Reject(str(path), reader.line_num, rid, str(exc)))
                    continue
                seen.add(record.record_id)
                records.append(record)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); is it a CSV file?") from exc
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from exc
    return records, rejects


def write_links(rows: Iterable[LinkRow], path: Path) -> int:
    """Write the links file; returns the number of rows written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LINK_COLUMNS)
        for row in rows:
            writer.writerow((row.record_id_a, row.record_id_b, f"{row.score:.2f}", row.decision))
            count += 1
    return count


def write_rejects(rejects: Iterable[Reject], path: Path) -> None:
    """Write rejected rows with file, line and reason."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REJECT_COLUMNS)
        writer.writerows(rejects)
