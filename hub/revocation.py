"""Revoked access tokens (by ``jti``) until they would have expired anyway, pure.

Sign-out adds the token's ``jti`` here; every request checks it. An entry is only needed until
the token's own expiry (plus the clock-skew leeway), so `purge` keeps the set as small as the
number of tokens signed out within one maximum token lifetime. The web service fills it from a
shared compacted topic, so a token signed out on one instance is refused by all of them.
"""

from datetime import datetime, timedelta

__all__ = ["Revocations"]


class Revocations:
    """A set of revoked token ids, each remembered until its token's expiry."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}

    def revoke(self, token_id: str, expires_at: datetime) -> None:
        """Refuse ``token_id`` from now on (at least until ``expires_at``)."""
        held = self._until.get(token_id)
        self._until[token_id] = expires_at if held is None else max(held, expires_at)

    def __contains__(self, token_id: object) -> bool:
        return token_id in self._until

    def __len__(self) -> int:
        return len(self._until)

    def purge(self, now: datetime, leeway: timedelta = timedelta(seconds=60)) -> int:
        """Forget tokens expired before ``now - leeway`` (they are refused as expired anyway)."""
        gone = [jti for jti, until in list(self._until.items()) if until < now - leeway]
        for jti in gone:
            del self._until[jti]
        return len(gone)
