"""The adapter contract: one class per kind of agency source, reading files into events.

An adapter reads one file at a time and yields, per source record, a contract `Event`
(several for a record that carries several facts), a `RecordError` or a `Skipped`.
A file it cannot read at all raises `FileRejected`. It reports ``bytes_read`` while
reading so the CLI can draw a progress bar over the file's size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from connectors.records import RecordError, Skipped
from hub.models import AgencyKind, Event

__all__ = ["Adapter", "ReadItem"]

ReadItem = Event | RecordError | Skipped


class Adapter(ABC):
    """Reads an agency's native files; ``system`` names the sending system instance."""

    name: ClassVar[str]
    agency_kind: ClassVar[AgencyKind]
    default_system: ClassVar[str]

    def __init__(self, system: str | None = None) -> None:
        self.system = system or self.default_system
        self.bytes_read = 0

    @abstractmethod
    def read(self, path: Path) -> Iterator[ReadItem]:
        """Yield the events, errors and skips of one file, streaming."""
