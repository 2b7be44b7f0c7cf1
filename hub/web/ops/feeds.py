"""When each source system last sent the hub an event, from the web's read model.

"Last" is when the hub put the system's latest event on a timeline (its publish time), so a
feed that stops arriving shows as quiet whatever dates its records carry. The threshold is
``SEND_HUB_FEED_QUIET_SECONDS``; per-source freshness rules can replace it later.
"""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.web import metrics

__all__ = ["FeedHealth", "feed_health"]

_SQL = (
    "SELECT agency, json_extract(body, '$.event.source.system') AS system,"
    " MAX(published_ms) AS last_ms, COUNT(*) AS entries FROM entries"
    " GROUP BY agency, system ORDER BY agency, system"
)


@dataclass(frozen=True)
class FeedHealth:
    """One source system: when it last sent, and whether it has gone quiet."""

    agency_kind: str
    system: str
    last: datetime
    entries: int
    age: timedelta
    quiet: bool


def feed_health(
    conn: sqlite3.Connection, now: datetime, quiet_after: timedelta
) -> list[FeedHealth]:
    """Every source system the read model has entries from, quiet ones flagged."""
    out = []
    for row in conn.execute(_SQL):
        last = datetime.fromtimestamp(row["last_ms"] / 1000, UTC)
        age = max(timedelta(0), now - last)
        feed = FeedHealth(row["agency"], str(row["system"]), last, row["entries"], age,
                          age > quiet_after)  # fmt: skip
        metrics.SOURCE_LAST_EVENT_AGE.labels(feed.agency_kind, feed.system).set(age.total_seconds())
        out.append(feed)
    return out
