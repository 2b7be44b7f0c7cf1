"""Mapping files: how one agency export's columns become contract events, as validated data.

A mapping (``connectors/mappings/<source>.yaml``) names the organisation and person
columns, the subject columns, code tables (native code -> contract symbol) and, per
export, the expected header and the events each row yields: a condition, the source
record id template, version, dates and one field spec per payload field. Loading
checks every reference (columns, code tables, templates) so a typo in a mapping is
caught when it is loaded, not on row 400,000 of a publish.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.errors import ConfigError

__all__ = [
    "MAPPINGS_DIR",
    "Condition",
    "EventSpec",
    "ExportSpec",
    "FieldSpec",
    "SourceMapping",
    "load_mapping",
]

MAPPINGS_DIR = Path(__file__).with_name("mappings")
FieldType = Literal["str", "date", "int", "float", "bool", "code", "list", "needs", "absences"]
_NO_CONST = object()


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldSpec(_Strict):
    """Where a value comes from: a column (or columns), a constant, or nested fields."""

    column: str | None = None
    columns: tuple[str, ...] = ()
    type: FieldType = "str"
    codes: str | None = None
    required: bool = False
    const: Any = _NO_CONST
    fields: dict[str, FieldSpec] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_column(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @property
    def has_const(self) -> bool:
        return self.const is not _NO_CONST

    def referenced(self) -> set[str]:
        names = {self.column} if self.column else set()
        names.update(self.columns)
        for inner in (self.fields or {}).values():
            names |= inner.referenced()
        return names


class Condition(_Strict):
    """All given tests must hold for an event to be emitted from a row."""

    present: str | None = None
    absent: str | None = None
    equals: dict[str, str] = Field(default_factory=dict)
    later: tuple[str, str] | None = None

    def referenced(self) -> set[str]:
        names = {n for n in (self.present, self.absent) if n}
        names.update(self.equals)
        names.update(self.later or ())
        return names


class EventSpec(_Strict):
    type: str
    when: Condition = Field(default_factory=Condition)
    record: str
    version: int | str = 1
    occurred: tuple[str, ...]
    recorded: tuple[str, ...] = ()
    case: str | None = None
    clock: str | None = None
    payload: dict[str, FieldSpec]

    @model_validator(mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        for key in ("occurred", "recorded"):
            if isinstance(value, dict) and isinstance(value.get(key), str):
                value = {**value, key: [value[key]]}
        return value

    def referenced(self) -> set[str]:
        names = self.when.referenced() | set(self.occurred) | set(self.recorded)
        names |= {n for n in (self.case, self.clock) if n}
        if isinstance(self.version, str):
            names.add(self.version)
        names |= {f for _, f, _, _ in string.Formatter().parse(self.record) if f}
        for spec in self.payload.values():
            names |= spec.referenced()
        return names


class ExportSpec(_Strict):
    columns: tuple[str, ...]
    # Columns added after an export shipped: an older file without them is still read (empty).
    optional_columns: tuple[str, ...] = ()
    type_column: str | None = None
    events: tuple[EventSpec, ...]

    @property
    def all_columns(self) -> tuple[str, ...]:
        """Required then optional columns, the header a writer of this export produces."""
        return self.columns + self.optional_columns

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, value: Any) -> Any:
        # ``defaults`` saves repeating the same record/version/date keys on every event.
        if isinstance(value, dict) and "defaults" in value:
            value = dict(value)
            defaults = value.pop("defaults")
            value["events"] = [{**defaults, **event} for event in value.get("events", [])]
        return value


class SourceMapping(_Strict):
    source: str
    agency_kind: str
    system: str
    date_formats: tuple[str, ...]
    org: str
    person: str
    subject: dict[str, str | tuple[str, ...]]
    codes: dict[str, dict[str, Any]]
    exports: dict[str, ExportSpec]

    @model_validator(mode="after")
    def _references_resolve(self) -> SourceMapping:
        for name, export in self.exports.items():
            missing = set()
            for event in export.events:
                missing |= event.referenced() - set(export.all_columns)
                missing |= {
                    f"codes:{spec.codes}"
                    for spec in _all_specs(event.payload)
                    if spec.codes and spec.codes not in self.codes
                }
            if missing:
                raise ValueError(f"export {name!r} refers to unknown {sorted(missing)}")
        return self

    def subject_columns(self, field: str) -> tuple[str, ...]:
        spec = self.subject.get(field, ())
        return (spec,) if isinstance(spec, str) else spec


def _all_specs(specs: dict[str, FieldSpec]) -> list[FieldSpec]:
    found = []
    for spec in specs.values():
        found.append(spec)
        found.extend(_all_specs(spec.fields or {}))
    return found


@cache
def load_mapping(source: str, directory: Path = MAPPINGS_DIR) -> SourceMapping:
    """Load and check ``<directory>/<source>.yaml``; a broken mapping is a `ConfigError`."""
    path = directory / f"{source}.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        # Top-level keys starting with "_" only hold YAML anchors for reuse.
        raw = {k: v for k, v in raw.items() if not str(k).startswith("_")}
        return SourceMapping.model_validate(raw)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"mapping {path}: {exc}") from exc
