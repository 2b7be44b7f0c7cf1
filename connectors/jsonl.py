"""JSON lines of contract events, one `Event` per line, published as they are.

For agency systems that already speak the contract. Each line is validated by the
pydantic mirror of the Avro contract; identifiers are checked like every other
source's, and the ``event_id`` must be the deterministic id of its source record
(it is filled in when absent), so a re-sent line is a duplicate, never a new fact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from connectors.base import Adapter, ReadItem
from connectors.envelope import check_identifiers
from connectors.readers import iter_json_lines
from connectors.records import RecordError
from hub.models import Event, EventType, Source

__all__ = ["JsonLinesAdapter"]


class JsonLinesAdapter(Adapter):
    """Reads ``.jsonl`` files of contract events (any agency kind)."""

    name = "jsonl"
    default_system = "JSONL"

    def read(self, path: Path) -> Iterator[ReadItem]:
        counter = [0]
        for item in iter_json_lines(path, counter):
            self.bytes_read = counter[0]
            if isinstance(item, RecordError):
                yield item
                continue
            yield _event(str(path), item.line, item.value)

    # A JSON-lines file carries its own system per event; ``system`` is not used.


def _event(file: str, line: int, value: Any) -> Event | RecordError:
    if not isinstance(value, dict):
        return RecordError(file, line, "", "not a JSON object")
    if value.get("event_type") not in EventType.__members__:
        return RecordError(
            file, line, "event_type", f"unknown event type {value.get('event_type')!r}"
        )
    problem = _identifiers(value)
    if problem is not None:
        return RecordError(file, line, problem[0], problem[1])
    try:
        source = Source.model_validate(value.get("source"))
    except ValidationError as exc:
        return _invalid(file, line, exc, "source.")
    expected = source.event_id()
    if (value.get("event_id") or expected) != expected:
        reason = f"not the deterministic id of its source record (expected {expected})"
        return RecordError(file, line, "event_id", reason)
    try:
        return Event.model_validate({**value, "event_id": expected})
    except ValidationError as exc:
        return _invalid(file, line, exc, "")


def _invalid(file: str, line: int, exc: ValidationError, prefix: str) -> RecordError:
    first = exc.errors(include_url=False)[0]
    where = prefix + ".".join(str(p) for p in first["loc"])
    return RecordError(file, line, where.rstrip(".") or "event", str(first["msg"]))


def _identifiers(value: dict[str, Any]) -> tuple[str, str] | None:
    subject = value.get("subject")
    if not isinstance(subject, dict):
        return None
    checked = dict(subject)
    origin = {name: f"subject.{name}" for name in ("nhs_number", "upn", "former_upn", "uln")}
    problems = check_identifiers(checked, origin)
    if problems:
        return problems[0].column, problems[0].reason
    value["subject"] = {**subject, **{k: checked[k] for k in origin if subject.get(k)}}
    return None
