"""Feed freshness: learned and configured intervals, one alert per quiet spell, no child ids."""

from datetime import UTC, datetime, timedelta

from hub.clocks.freshness import (
    Freshness,
    check,
    expected_seconds,
    observe,
    policy_from,
    seconds_since_last,
)
from hub.models import AlertKind

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)
SRC = "EDUCATION/119000/SIMS"


def _daily(days: int) -> Freshness:
    state, policy = Freshness(), policy_from()
    for day in range(days):
        state = observe(state, SRC, T0 + timedelta(days=day), policy)
    return state


def test_interval_is_learned_after_enough_gaps_then_quiet_alerts_once() -> None:
    policy = policy_from()
    assert expected_seconds(SRC, _daily(5).feeds[SRC], policy) is None  # 4 gaps: still learning
    state = _daily(10)
    assert expected_seconds(SRC, state.feeds[SRC], policy) == 3 * 86400
    last = T0 + timedelta(days=9)
    state, alerts = check(state, last + timedelta(days=2), policy)
    assert alerts == []
    state, alerts = check(state, last + timedelta(days=3, seconds=1), policy)
    (alert,) = alerts
    assert alert.kind is AlertKind.FEED_QUIET and alert.child_id is None
    assert alert.subject_key == SRC and "72.0 hours" in alert.explanation
    assert check(state, last + timedelta(days=5), policy)[1] == []  # same spell: once
    state = observe(state, SRC, last + timedelta(days=6), policy)
    assert check(state, last + timedelta(days=6, hours=1), policy)[1] == []
    # the 6-day gap is now part of what is normal: p90 6 days x 3 = 18 days of quiet
    _, again = check(state, last + timedelta(days=6 + 18, seconds=1), policy)
    assert len(again) == 1 and again[0].alert_id != alert.alert_id  # a new spell


def test_configured_interval_wins_and_late_arrivals_change_nothing() -> None:
    policy = policy_from({SRC: 600.0})
    state = observe(Freshness(), SRC, T0, policy)
    assert observe(state, SRC, T0 - timedelta(hours=1), policy) == state
    _, alerts = check(state, T0 + timedelta(seconds=601), policy)
    assert len(alerts) == 1
    assert seconds_since_last(state, T0 + timedelta(seconds=90)) == {SRC: 90.0}
