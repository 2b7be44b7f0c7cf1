"""Early-identification signals: explainable cross-agency rules, as validated data.

A signal fires on a trigger fact (e.g. a 2-2½-year review saying "refer"), optionally needing
enough such facts within a window (repeated suspensions), another agency's fact near it (a
health referral or social-care contact within N days of an attendance drop), and no SEN support
recorded by the school on that day. A sharp attendance drop is a derived trigger: mean weekly
attendance over the recent weeks against the weeks before. Each firing carries the facts that
triggered it and a sentence built from coded values and dates only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.clocks.facts import Fact
from hub.clocks.rules import Condition, Trigger, check_fields
from hub.errors import ConfigError
from hub.models.alerts import Alert, AlertKind, AlertRecipient, make_alert_id
from hub.models.enums import EventType

__all__ = [
    "AttendanceDrop",
    "FiredSignal",
    "SignalRule",
    "SignalRules",
    "fired_signals",
    "parse_signal_rules",
    "sen_support_on",
]

_SEN_FIELDS: dict[EventType, tuple[str, str]] = {  # event -> (date field, provision field)
    EventType.SENSupportStarted: ("start_date", "provision"),
    EventType.SENSupportEnded: ("end_date", "provision_after"),
    EventType.SENNeedChanged: ("effective_date", "provision"),
}
_URN_EVENTS = (EventType.PupilEnrolled, EventType.AttendanceSummary, EventType.Suspension)
_ATTENDANCE = ("week_start", "possible_sessions", "attended_sessions")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AttendanceDrop(_Strict):
    """Mean attendance over ``recent_weeks`` at least ``drop_points`` below the weeks before."""

    recent_weeks: int = Field(ge=1)
    baseline_weeks: int = Field(ge=1)
    drop_points: float = Field(gt=0, le=100)


class Matcher(_Strict):
    """Facts of one event type whose date field and conditions match."""

    event: EventType
    date_field: str = Field(alias="date")
    when: dict[str, Condition] = Field(default_factory=dict)

    def hits(self, facts: tuple[Fact, ...]) -> list[tuple[date, Fact]]:
        probe = Trigger(event=self.event, date=self.date_field, when=self.when)
        return [
            (d, f)
            for f in facts
            if f.event_type is self.event
            and (d := f.day(self.date_field))
            and probe.matches(f.values)
        ]


class SignalRule(_Strict):
    """One early-identification rule."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    why: str
    trigger: tuple[Matcher, ...] = ()
    attendance_drop: AttendanceDrop | None = None
    at_least: int = Field(default=1, ge=1)
    within_days: int = Field(default=365, ge=1)
    alongside: tuple[Matcher, ...] = ()
    alongside_days: int = Field(default=90, ge=0)
    no_sen_support: bool = False
    recipients: tuple[str, ...] = Field(min_length=1)
    max_age_days: int = Field(default=180, ge=0)


class SignalRules(_Strict):
    """A versioned set of signal rules."""

    version: str
    signals: tuple[SignalRule, ...]

    @model_validator(mode="after")
    def _checked(self) -> SignalRules:
        for rule in self.signals:
            for m in rule.trigger + rule.alongside:
                check_fields(rule.id, m.event, {m.date_field, *m.when})
        return self

    def fields_by_event(self) -> dict[EventType, set[str]]:
        """Payload fields every signal (and the SEN-support and school look-ups) reads."""
        found: dict[EventType, set[str]] = {e: set(f) for e, f in _SEN_FIELDS.items()}
        for event in _URN_EVENTS:
            found.setdefault(event, set()).add("urn")
        found[EventType.AttendanceSummary].update(_ATTENDANCE)
        found.setdefault(EventType.EHCNARequested, set()).add("received_date")
        for rule in self.signals:
            for m in rule.trigger + rule.alongside:
                found.setdefault(m.event, set()).update({m.date_field, "@org", *m.when})
        return found


class FiredSignal(_Strict):
    """A signal that fired: when, on which facts, for whom, and why."""

    rule_id: str
    on: date
    event_ids: tuple[str, ...]
    recipients: tuple[AlertRecipient, ...]
    explanation: str

    def alert(self, child_id: str, version: str, now: datetime) -> Alert:
        """The once-only alert of this signal for ``child_id``."""
        return Alert(
            alert_id=make_alert_id(AlertKind.SIGNAL, self.rule_id, child_id, "once"),
            kind=AlertKind.SIGNAL,
            raised_at=now,
            rule_id=self.rule_id,
            rules_version=version,
            child_id=child_id,
            subject_key=self.rule_id,
            recipients=self.recipients,
            event_ids=self.event_ids,
            explanation=self.explanation,
        )


def sen_support_on(facts: tuple[Fact, ...], day: date) -> str | None:
    """The school's latest SEN provision code (E/K/N) recorded on or before ``day``."""
    latest: tuple[date, str] | None = None
    for fact in facts:
        fields = _SEN_FIELDS.get(fact.event_type)
        when = fact.day(fields[0]) if fields else None
        code = fact.values.get(fields[1]) if fields else None
        if when and when <= day and isinstance(code, str) and (latest is None or when >= latest[0]):
            latest = (when, code)
    return latest[1] if latest else None


def _attendance_drop(
    spec: AttendanceDrop, facts: tuple[Fact, ...], today: date
) -> list[tuple[date, Fact]]:
    weeks = sorted(
        (
            (d, f)
            for f in facts
            if f.event_type is EventType.AttendanceSummary
            and (d := f.day("week_start"))
            and d <= today
        ),
        key=_order,
    )
    need = spec.recent_weeks + spec.baseline_weeks
    for end in range(need, len(weeks) + 1):
        window = weeks[end - need : end]
        base, recent = window[: spec.baseline_weeks], window[spec.baseline_weeks :]
        if _rate(base) - _rate(recent) >= spec.drop_points:
            return [recent[-1]]
    return []


def _order(hit: tuple[date, Fact]) -> tuple[date, int, str]:
    return hit[0], hit[1].recorded_ms, hit[1].event_id


def _rate(weeks: list[tuple[date, Fact]]) -> float:
    possible = sum(int(f.values.get("possible_sessions") or 0) for _, f in weeks)
    attended = sum(int(f.values.get("attended_sessions") or 0) for _, f in weeks)
    return 100.0 * attended / possible if possible else 100.0


def _school(facts: tuple[Fact, ...], day: date) -> str | None:
    urns = [(f.occurred, f.values.get("urn")) for f in facts if f.event_type in _URN_EVENTS]
    known = [(d, u) for d, u in urns if isinstance(u, str) and d <= day]
    return max(known)[1] if known else None


def _fire(rule: SignalRule, facts: tuple[Fact, ...], today: date) -> FiredSignal | None:
    hits = [h for m in rule.trigger for h in m.hits(facts)]
    if rule.attendance_drop:
        hits += _attendance_drop(rule.attendance_drop, facts, today)
    for on, _ in sorted((h for h in hits if h[0] <= today), key=_order):
        group = [h for h in hits if on - timedelta(days=rule.within_days) <= h[0] <= on]
        if len(group) < rule.at_least:
            continue
        near = [
            h
            for m in rule.alongside
            for h in m.hits(facts)
            if abs((h[0] - on).days) <= rule.alongside_days
        ]
        if rule.alongside and not near:
            continue
        if rule.no_sen_support and sen_support_on(facts, on) in ("K", "E"):
            continue
        return _fired(rule, facts, on, [*group, *near[:1]])
    return None


def _fired(
    rule: SignalRule, facts: tuple[Fact, ...], on: date, used: list[tuple[date, Fact]]
) -> FiredSignal:
    school = _school(facts, on)
    health = next(
        (f.values.get("@org") for _, f in used if f.event_type.value.startswith("Health")), None
    )
    recipients = tuple(
        AlertRecipient(role=role, org_code=str(school if role == "SENCO" else health or "") or None)
        for role in rule.recipients
    )
    described = "; ".join(
        f"{f.event_type.value} on {d}" for d, f in sorted(used, key=lambda h: h[0])
    )
    sen = "no SEN support recorded by the school" if rule.no_sen_support else ""
    text = f"{rule.title}: {described}" + (f"; {sen}" if sen else "") + f". {rule.why}"
    return FiredSignal(
        rule_id=rule.id,
        on=on,
        event_ids=tuple(dict.fromkeys(f.event_id for _, f in used)),
        recipients=recipients,
        explanation=text,
    )


def fired_signals(
    rules: SignalRules, facts: tuple[Fact, ...], today: date, *, any_age: bool = False
) -> list[FiredSignal]:
    """Signals that fire for these facts by ``today`` (recent ones only unless ``any_age``)."""
    fired = [s for rule in rules.signals if (s := _fire(rule, facts, today))]
    if any_age:
        return fired
    ages = {r.id: r.max_age_days for r in rules.signals}
    return [s for s in fired if (today - s.on).days <= ages[s.rule_id]]


def parse_signal_rules(text: str) -> SignalRules:
    """Signal rules from their YAML text; any mistake is one ConfigError naming it."""
    try:
        raw: Any = yaml.safe_load(text)
        return SignalRules.model_validate(raw)
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigError(f"signal rules are invalid: {exc}") from exc
