"""A signed-out access token: the contract of ``send.auth.revocations`` (compacted).

Sign-out on any web instance publishes one, keyed by the token's ``jti``; every instance
follows the topic and refuses the token until it would have expired anyway.
"""

from pydantic import Field

from hub.models.base import AvroModel, UtcMillis

__all__ = ["TokenRevocation"]


class TokenRevocation(AvroModel):
    """The token ``token_id`` is refused until ``expires_at``."""

    token_id: str = Field(min_length=1, max_length=200)
    expires_at: UtcMillis
    revoked_at: UtcMillis
