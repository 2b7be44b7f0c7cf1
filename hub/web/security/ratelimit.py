"""Per-caller rate limit on searches: identifiers are looked up, not trawled.

A token bucket per caller (subject + organisation): `capacity` searches at once, refilled at
`per_minute` a minute. A search over the limit is refused with 429 and counted on
``send_hub_search_rate_limited_total`` (an alert can fire on it). Time is passed in, so the
limit is testable without waiting; each web instance limits on its own.
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime

from hub.auth import Caller
from hub.errors import HubError
from hub.web.metrics import SEARCH_RATE_LIMITED

__all__ = ["RateLimited", "SearchLimiter"]


class RateLimited(HubError):
    """Too many searches by this caller; try again later."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many searches: try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass
class SearchLimiter:
    """Token buckets per caller."""

    per_minute: float = 30.0
    capacity: float = 30.0
    _buckets: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, caller: Caller, now: datetime, channel: str = "api") -> None:
        """Spend one search of ``caller`` at ``now``, or raise RateLimited."""
        key, at = (caller.subject, caller.org), now.timestamp()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, at))
            tokens = min(self.capacity, tokens + max(0.0, at - last) * self.per_minute / 60.0)
            if tokens < 1.0:
                self._buckets[key] = (tokens, at)
                SEARCH_RATE_LIMITED.labels(channel).inc()
                wait = (1.0 - tokens) * 60.0 / self.per_minute
                raise RateLimited(max(1, int(wait + 0.999)))
            self._buckets[key] = (tokens - 1.0, at)
