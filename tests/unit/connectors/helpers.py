"""Shared helpers of the connector tests: read a fixture through an adapter, split the results."""

from dataclasses import dataclass, field
from pathlib import Path

from connectors import make_adapter
from connectors.records import RecordError, Skipped
from hub.models import Event

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agency"


@dataclass
class Read:
    events: list[Event] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def types(self) -> list[str]:
        return [e.event_type.value for e in self.events]

    def rejects(self) -> list[tuple[int, str]]:
        """(row, field) of every reject, the part of the rejects file tests assert."""
        return [(e.row, e.field) for e in self.errors]


def read(kind: str, name: str, system: str | None = None) -> Read:
    result = Read()
    for item in make_adapter(kind, system).read(FIXTURES / name):
        if isinstance(item, RecordError):
            result.errors.append(item)
        elif isinstance(item, Skipped):
            result.skipped.append(item)
        else:
            result.events.append(item)
    return result
