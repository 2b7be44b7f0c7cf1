"""The statutory clocks as validated data: what starts, stops or cancels each one, its limit.

A clock rule names trigger events (event type, the payload field holding the date, optional
conditions on payload fields, and the field that keys one instance, such as an advice request
id), a limit (calendar days or weeks, calendar months, working days, a fixed date in a year
read from the event, or a due date the source supplies where the law gives none we can compute),
the exceptions that excuse lateness (they never pause a clock), and whom the duty binds.
Loading checks every event type and field name against the event contract, so a typo in the
rule file fails at start-up, not on the day a deadline is missed.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.errors import ConfigError
from hub.models.enums import AgencyKind, EventType
from hub.models.event_types import PAYLOAD_MODELS

__all__ = [
    "ENVELOPE_FIELDS",
    "Binds",
    "ClockRule",
    "ClockRules",
    "FixedDate",
    "Limit",
    "Trigger",
    "check_fields",
    "parse_clock_rules",
]

ENVELOPE_FIELDS = frozenset({"@clock_id", "@case_id", "@org"})
"""Envelope values a rule may use as a key: the source's clock id, case id and org code."""

SEN2_20_WEEK = "SEN2_20_WEEK_EXCEPTION"
"""Exception recorded when the source sets only SEN2's 20-week exception flag."""

Condition = str | bool | None | list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FixedDate(_Strict):
    """A fixed day of a year read from the event (e.g. 15 February of the transfer year)."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    year_field: str
    year_from_date_field: str | None = None  # used when year_field is empty


class Limit(_Strict):
    """Exactly one way of computing the due date from the start date."""

    days: int | None = None
    weeks: int | None = None
    months: int | None = None
    working_days: int | None = Field(default=None, ge=0)
    fixed: FixedDate | None = None
    source_due: str | None = None  # payload field of the start event holding the due date
    from_field: str | None = None  # count from this field of the start event, not its date

    @model_validator(mode="after")
    def _exactly_one(self) -> Limit:
        given = [k for k, v in self.model_dump().items() if v is not None and k != "from_field"]
        if len(given) != 1:
            raise ValueError(f"a limit needs exactly one of days/weeks/months/...; got {given}")
        return self

    def fields(self) -> set[str]:
        """Payload fields of the start event this limit reads."""
        found = {f for f in (self.source_due, self.from_field) if f}
        if self.fixed:
            found |= {self.fixed.year_field, self.fixed.year_from_date_field} - {None}  # type: ignore[arg-type]
        return found


class Trigger(_Strict):
    """An event that starts, stops or cancels a clock instance."""

    event: EventType
    date: str
    when: dict[str, Condition] = Field(default_factory=dict)
    key: str | None = None
    limit: Limit | None = None  # a start's own limit; a later start of one instance extends it
    rolls: bool = False  # a start that first stops the open instance (rolling review cycles)
    exception_fields: tuple[str, ...] = ()

    def fields(self) -> set[str]:
        names = {self.date, *self.when, *self.exception_fields}
        if self.key:
            names.add(self.key)
        return names | (self.limit.fields() if self.limit else set())

    def matches(self, values: dict[str, Any]) -> bool:
        """Every condition holds: a list means any of, ``None`` absent, ``"*"`` present."""
        for name, wanted in self.when.items():
            value = values.get(name)
            if wanted == "*":
                if value is None:
                    return False
            elif isinstance(wanted, list):
                if value not in wanted:
                    return False
            elif value != wanted:
                return False
        return True


class Binds(_Strict):
    """Who the duty falls on: an agency kind, the role that acts, and where its org code is."""

    agency: AgencyKind
    role: str
    org_field: str = "@org"


class ClockRule(_Strict):
    """One statutory (or good-practice) duty with a deadline."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    citation: str
    statutory: bool = True
    kind: Literal["duty", "window", "minimum"] = "duty"
    binds: Binds
    limit: Limit
    start: tuple[Trigger, ...] = Field(min_length=1)
    stop: tuple[Trigger, ...] = ()
    cancel: tuple[Trigger, ...] = ()
    exceptions: tuple[str, ...] = ()
    due_soon_days: int | None = Field(default=None, ge=0)
    alerts: bool = True

    def triggers(self) -> tuple[Trigger, ...]:
        return self.start + self.stop + self.cancel

    def needed(self) -> dict[EventType, set[str]]:
        """Payload fields each trigger event must carry for this clock."""
        found: dict[EventType, set[str]] = {}
        for trigger in self.triggers():
            found.setdefault(trigger.event, set()).update(trigger.fields())
        for trigger in self.start:  # the duty's organisation is read from what starts it
            limit = trigger.limit or self.limit
            found[trigger.event].update(limit.fields() | {self.binds.org_field, "@org"})
        return found


class ClockRules(_Strict):
    """A versioned set of clock rules."""

    version: str
    due_soon_days: int = Field(ge=0)
    clocks: tuple[ClockRule, ...]

    @model_validator(mode="after")
    def _checked(self) -> ClockRules:
        ids = [c.id for c in self.clocks]
        if len(ids) != len(set(ids)):
            raise ValueError("clock ids must be unique")
        for clock in self.clocks:
            for event, names in clock.needed().items():
                check_fields(clock.id, event, names)
        return self

    def fields_by_event(self) -> dict[EventType, set[str]]:
        """Payload fields each event type contributes to some clock (what a fact keeps)."""
        needed: dict[EventType, set[str]] = {}
        for clock in self.clocks:
            for event, names in clock.needed().items():
                needed.setdefault(event, set()).update(names)
        return needed


def check_fields(clock_id: str, event: EventType, names: set[str]) -> None:
    """Refuse field names ``event``'s payload (or the envelope) does not have."""
    known = set(PAYLOAD_MODELS[event].model_fields) | ENVELOPE_FIELDS
    unknown = sorted(n for n in names if n not in known)
    if unknown:
        raise ValueError(f"clock {clock_id}: {event} has no field(s) {unknown}")


def parse_clock_rules(text: str) -> ClockRules:
    """Clock rules from their YAML text; any mistake is one ConfigError naming it."""
    try:
        raw: Any = yaml.safe_load(text)
        return ClockRules.model_validate(raw)
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"clock rules are invalid: {exc}") from exc
