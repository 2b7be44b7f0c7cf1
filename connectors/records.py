"""Ok-or-error results of reading agency records, and the rejects file they feed.

An adapter yields, per source record, either a contract event or a `RecordError`
naming the file, the row (CSV line number, JSON-lines line or FHIR bundle entry),
the field and the reason. Nothing is dropped silently: every error ends up in a
rejects CSV (``file,row,field,reason``) that a data officer can open in a spreadsheet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

__all__ = ["REJECT_COLUMNS", "FileRejected", "RecordError", "RejectsWriter", "Skipped"]

REJECT_COLUMNS = ("file", "row", "field", "reason")


@dataclass(frozen=True, slots=True)
class RecordError:
    """Why one source record (or a whole file, row 0) could not become an event."""

    file: str
    row: int
    field: str
    reason: str

    def as_row(self) -> tuple[str, str, str, str]:
        return (self.file, str(self.row), self.field, self.reason)

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A valid source record that is not an event (a booked appointment, reference data).

    Counted in the summary so that published + rejected + skipped accounts for every record.
    """

    file: str
    row: int
    reason: str


class FileRejected(Exception):
    """Raised inside a reader when a whole file is unusable (garbage, wrong header).

    Carries the `RecordError` so the caller can record it and move on to the next file;
    it is converted to an `InputError` only where a single line for the user is wanted.
    """

    def __init__(self, error: RecordError) -> None:
        super().__init__(str(error))
        self.error = error


class RejectsWriter:
    """Appends rejected records to a CSV file, created lazily on the first reject.

    Lazily, so a clean run leaves no empty rejects file behind to confuse anyone; a
    rejects file left by an earlier run of the same file is removed for the same reason.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.unlink(missing_ok=True)
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None

    def write(self, error: RecordError) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._handle, fieldnames=REJECT_COLUMNS)
            self._writer.writeheader()
        self._writer.writerow(dict(zip(REJECT_COLUMNS, error.as_row(), strict=True)))
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
