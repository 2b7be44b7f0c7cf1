"""Feed freshness: is each source system still publishing as often as it normally does?

Each source system (``agency kind/org code/system``) keeps the time it was last heard from and
its recent gaps between events. Its expected interval is configured, or learned: the 90th
percentile of its recent gaps times a slack factor, once enough gaps are known. A feed quiet
for longer than that raises one FEED_QUIET alert per quiet spell (a new event ends the spell).
Nothing here names a child: the gauges and alerts are per source system only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from hub.models.alerts import Alert, AlertKind, AlertRecipient, make_alert_id

__all__ = [
    "FeedPolicy",
    "FeedState",
    "Freshness",
    "check",
    "expected_seconds",
    "observe",
    "policy_from",
    "seconds_since_last",
]

_RULE = "feed_freshness"


class FeedPolicy(BaseModel):
    """How expected intervals are learned, and the ones set by hand (seconds, by source)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    configured: dict[str, float] = Field(default_factory=dict)
    keep_gaps: int = Field(default=50, ge=2)
    min_gaps: int = Field(default=5, ge=1)
    slack: float = Field(default=3.0, ge=1.0)
    floor_seconds: float = Field(default=3600.0, ge=0)  # never alert on a quiet hour
    version: str = "2026.1"


class FeedState(BaseModel):
    """One source system's last event and recent gaps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    last_seen_ms: int
    gaps_s: tuple[float, ...] = ()
    alerted_for_ms: int | None = None  # last_seen_ms of the spell already alerted


class Freshness(BaseModel):
    """Every source system's state."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    feeds: dict[str, FeedState] = Field(default_factory=dict)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def observe(state: Freshness, source: str, at: datetime, policy: FeedPolicy) -> Freshness:
    """Record an event from ``source`` received at ``at`` (older arrivals change nothing)."""
    now_ms, feed = _ms(at), state.feeds.get(source)
    if feed is None:
        updated = FeedState(last_seen_ms=now_ms)
    elif now_ms <= feed.last_seen_ms:
        return state
    else:
        gap = (now_ms - feed.last_seen_ms) / 1000
        gaps = (*feed.gaps_s, gap)[-policy.keep_gaps :]
        updated = feed.model_copy(update={"last_seen_ms": now_ms, "gaps_s": gaps})
    return Freshness(feeds={**state.feeds, source: updated})


def expected_seconds(source: str, feed: FeedState, policy: FeedPolicy) -> float | None:
    """The interval after which ``source`` counts as quiet; None while it is being learned."""
    if source in policy.configured:
        return policy.configured[source]
    if len(feed.gaps_s) < policy.min_gaps:
        return None
    ordered = sorted(feed.gaps_s)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return max(policy.floor_seconds, p90 * policy.slack)


def seconds_since_last(state: Freshness, now: datetime) -> dict[str, float]:
    """Seconds since each source system was last heard from (for a gauge per source system)."""
    now_ms = _ms(now)
    return {s: max(0.0, (now_ms - f.last_seen_ms) / 1000) for s, f in state.feeds.items()}


def check(state: Freshness, now: datetime, policy: FeedPolicy) -> tuple[Freshness, list[Alert]]:
    """One FEED_QUIET alert for each source newly quiet at ``now``."""
    alerts: list[Alert] = []
    feeds: dict[str, FeedState] = dict(state.feeds)
    for source, quiet_for in seconds_since_last(state, now).items():
        feed = state.feeds[source]
        limit = expected_seconds(source, feed, policy)
        if limit is None or quiet_for <= limit or feed.alerted_for_ms == feed.last_seen_ms:
            continue
        alerts.append(_alert(source, feed, quiet_for, limit, now, policy))
        feeds[source] = feed.model_copy(update={"alerted_for_ms": feed.last_seen_ms})
    return (Freshness(feeds=feeds), alerts) if alerts else (state, alerts)


def _alert(
    source: str, feed: FeedState, quiet: float, limit: float, now: datetime, policy: FeedPolicy
) -> Alert:
    hours, expected = quiet / 3600, limit / 3600
    return Alert(
        alert_id=make_alert_id(AlertKind.FEED_QUIET, _RULE, source, str(feed.last_seen_ms)),
        kind=AlertKind.FEED_QUIET,
        raised_at=now,
        rule_id=_RULE,
        rules_version=policy.version,
        subject_key=source,
        recipients=(AlertRecipient(role="ADMIN"),),
        explanation=(
            f"Source system {source} has sent nothing for {hours:.1f} hours; "
            f"it normally sends within {expected:.1f} hours."
        ),
    )


def policy_from(configured: Mapping[str, float] | None = None) -> FeedPolicy:
    """A policy with hand-set intervals (seconds by source system) and learned defaults."""
    return FeedPolicy(configured=dict(configured or {}))
