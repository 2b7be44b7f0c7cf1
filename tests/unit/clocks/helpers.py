"""Build synthetic events and fold them for the clock tests (no real people)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import count

from hub import models as m
from hub.clocks.fold import ChildClocks, Rulebook, apply, clocks_of
from hub.clocks.status import ClockState
from hub.files.clocks import load_rulebook

__all__ = ["BOOK", "at", "clock", "event", "fold"]

BOOK: Rulebook = load_rulebook()
_SEQ = count(1)


def at(day: date) -> datetime:
    """Noon UTC on ``day`` (the same English day all year)."""
    return datetime.combine(day, time(12), tzinfo=UTC)


def event(
    payload: m.PayloadModel,
    on: date,
    *,
    clock_id: str | None = "R1",
    org: str = "888",
    record: str | None = None,
    version: int = 1,
    person: str = "P-1",
    recorded: date | None = None,
) -> m.Event:
    """An event of ``payload`` published by its usual agency, occurring on ``on``."""
    info = m.EVENT_TYPES[payload.EVENT_TYPE]
    source = m.Source(
        agency_kind=info.agency_kind,
        org_code=org,
        system="TEST",
        source_record_id=record or f"rec-{next(_SEQ)}",
        record_version=version,
    )
    return m.build_event(
        payload,
        source=source,
        subject=m.Subject(source_person_id=person),
        occurred_at=at(on),
        recorded_at=at(recorded or on),
        clock_id=clock_id,
    )


def fold(events: list[m.Event], now: date, child: str = "C1") -> tuple[ChildClocks, list[m.Alert]]:
    """Apply ``events`` in the given order at ``now``; every alert raised on the way."""
    state, raised = ChildClocks(child_id=child), []
    for e in events:
        state, alerts = apply(state, e, BOOK, at(now))
        raised.extend(alerts)
    return state, raised


def clock(state: ChildClocks, clock_id: str, now: date) -> list[ClockState]:
    """The instances of one clock on ``now``."""
    return [c for c in clocks_of(state, BOOK, at(now)) if c.clock_id == clock_id]
