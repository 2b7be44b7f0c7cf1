"""Clocks and KPIs from the read model, with the pure core (`hub.clocks`) doing the work.

A child's clocks come from the entries the caller may see (consent applies as on the
timeline). KPIs are aggregates over every child: the entries of the event types any rule
reads, grouped by surviving child (merges followed), folded, and counted as SEN2 counts.
Computing them reads the whole read model, so the rows are cached until it changes.
"""

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from hub.clocks.fold import Rulebook, clocks_of, from_events, local_day
from hub.clocks.kpis import KpiRow, kpi_rows, observations
from hub.clocks.signals import fired_signals
from hub.config import get_settings
from hub.files.clocks import load_rulebook
from hub.models import Event, TimelineEntry
from hub.web.clocks.views import ClockView, clock_views

__all__ = ["child_clocks", "partnership_kpis", "rulebook"]

_CACHE: dict[Path, tuple[tuple[object, ...], list[KpiRow]]] = {}


@lru_cache(maxsize=1)
def rulebook() -> Rulebook:
    """The clock, signal and holiday rules this process uses (configurable folder)."""
    settings = get_settings()
    return load_rulebook(settings.clock_rules_dir, settings.clock_alert_max_age_days)


def child_clocks(child_id: str, entries: Iterable[TimelineEntry], now: datetime) -> list[ClockView]:
    """The child's clock instances on ``now``'s English day, from the given (visible) entries."""
    book = rulebook()
    state = from_events(child_id, (e.event for e in entries), book)
    return clock_views(clocks_of(state, book, now))


def _survivors(conn: sqlite3.Connection) -> dict[str, str]:
    parent = {
        row["key"].removeprefix("child:"): row["merged_into"]
        for row in conn.execute("SELECT key, merged_into FROM links WHERE kind = 'MERGE'")
    }

    def root(child: str) -> str:
        seen = {child}
        while child in parent and parent[child] not in seen:
            child = parent[child]
            seen.add(child)
        return child

    return {child: root(child) for child in parent}


def _events_by_child(conn: sqlite3.Connection, book: Rulebook) -> dict[str, list[Event]]:
    types = sorted(t.value for t in book.needed)
    marks = ",".join("?" * len(types))
    survivors = _survivors(conn)
    found: dict[str, list[Event]] = defaultdict(list)
    rows = conn.execute(f"SELECT child_id, body FROM entries WHERE event_type IN ({marks})", types)
    for row in rows:
        child = survivors.get(row["child_id"], row["child_id"])
        found[child].append(TimelineEntry.model_validate_json(row["body"]).event)
    return found


def _version(conn: sqlite3.Connection, now: datetime) -> tuple[object, ...]:
    one = conn.execute(
        "SELECT (SELECT COUNT(*) FROM entries), (SELECT MAX(published_ms) FROM entries),"
        " (SELECT COUNT(*) FROM links WHERE kind = 'MERGE'), (SELECT MAX(at_ms) FROM links)"
    ).fetchone()
    return (*tuple(one), local_day(now))


def partnership_kpis(conn: sqlite3.Connection, db_path: Path, now: datetime) -> list[KpiRow]:
    """Every KPI row (all measures, LAs and months), recomputed only when the data changed."""
    version = _version(conn, now)
    cached = _CACHE.get(db_path)
    if cached is not None and cached[0] == version:
        return cached[1]
    book, observed = rulebook(), []
    today = local_day(now)
    for child, events in _events_by_child(conn, book).items():
        state = from_events(child, events, book)
        signals = fired_signals(book.signals, state.facts, today, any_age=True)
        observed += observations(clocks_of(state, book, now), state.facts, signals)
    rows = kpi_rows(observed)
    _CACHE[db_path] = (version, rows)
    return rows
