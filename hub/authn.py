"""Authenticates a request's token: the partnership's identity provider, or a local key.

`OidcVerifier` checks an OpenID Connect token against the provider's published keys (PyJWT's
`PyJWKClient` fetches the JWKS; keys are kept by ``kid``, fetched again every ten minutes,
and for an unknown ``kid`` at most once a minute). Only RS256 and ES256 are accepted, so a
token cannot choose a weaker algorithm or pass the public key off as an HMAC secret. It then
applies the server's own `TokenRules` and maps the claims to a caller. `Authenticator` picks
the verifier by the token's issuer, and refuses revoked tokens. This module does network I/O
(the JWKS fetch); the rules it applies are the pure functions of `hub.auth` and `hub.claims`.
"""

import ipaddress
import math
import threading
import time
from collections.abc import Container
from datetime import datetime, timedelta
from typing import Any

import jwt

from hub.auth import AuthError, Session, TokenRules, check_times, session_of, unrevoked
from hub.auth import verify_session as verify_local
from hub.claims import ClaimsMapping, map_claims
from hub.config import Settings
from hub.errors import ConfigError
from hub.files.auth import load_claims_mapping, signing_key
from hub.revocation import Revocations

__all__ = [
    "OIDC_ALGORITHMS",
    "Authenticator",
    "OidcVerifier",
    "authenticator_from",
    "check_bind",
    "is_loopback",
    "local_rules",
    "oidc_configured",
]

OIDC_ALGORITHMS = ("RS256", "ES256")
_REFETCH_S = 60.0  # an unknown key id fetches the JWKS again at most this often
_MAX_AGE_S = 600.0  # and the key set is fetched again this often anyway (rotation, removal)


class OidcVerifier:
    """Verifies tokens of one OpenID Connect provider against its JWKS."""

    def __init__(self, jwks_url: str, rules: TokenRules, mapping: ClaimsMapping,
                 *, timeout_s: float = 10.0) -> None:  # fmt: skip
        self.rules, self.mapping = rules, mapping
        self._jwks = jwt.PyJWKClient(jwks_url, cache_jwk_set=False, timeout=timeout_s)
        self._keys: dict[str, Any] = {}
        self._fetched = -math.inf
        self._lock = threading.Lock()

    def _refresh(self, now: float) -> None:
        try:
            keys = self._jwks.get_signing_keys(refresh=True)
        except jwt.PyJWKClientConnectionError as exc:
            raise AuthError("the identity provider's signing keys cannot be fetched") from exc
        except jwt.PyJWTError as exc:
            raise AuthError("the identity provider publishes no usable signing key") from exc
        self._keys = {k.key_id: k.key for k in keys if k.key_id}
        self._fetched = now

    def _key(self, token: str) -> Any:
        # A token naming an unknown key fetches the key set again (the provider may have
        # rotated), but at most once every _REFETCH_S: forged kids cannot flood the provider.
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise AuthError("token is malformed") from exc
        with self._lock:
            now = time.monotonic()
            stale = now - self._fetched > _MAX_AGE_S
            if stale or (kid not in self._keys and now - self._fetched > _REFETCH_S):
                self._refresh(now)
            key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise AuthError("token is signed with an unknown key")
        return key

    def verify(self, token: str, now: datetime, revoked: Container[str]) -> Session:
        """The session of a provider's token, if it passes every check at ``now``."""
        options: Any = {"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                        "require": ["iss", "aud", "iat", "exp"]}  # fmt: skip
        try:
            claims = jwt.decode(
                token, self._key(token), algorithms=list(OIDC_ALGORITHMS),
                issuer=self.rules.issuer, audience=self.rules.audience, options=options,
            )  # fmt: skip
        except jwt.InvalidAudienceError as exc:
            raise AuthError("token is meant for another service (audience)") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(f"token is not valid: {type(exc).__name__}") from exc
        check_times(claims, self.rules, now)
        values = map_claims(self.mapping, claims)
        claims = claims | {"jti": claims.get(self.mapping.claims.token_id)}
        return unrevoked(session_of(claims, values), revoked)


class Authenticator:
    """Every way this deployment accepts a token, and the tokens it has revoked."""

    def __init__(self, local_key: str | None, local_rules: TokenRules,
                 oidc: OidcVerifier | None = None) -> None:  # fmt: skip
        self.local_key, self.local_rules, self.oidc = local_key, local_rules, oidc
        self.revoked = Revocations()

    def session(self, token: str, now: datetime) -> Session:
        """The verified session of ``token`` at ``now``, or AuthError."""
        if not token:
            raise AuthError("no access token")
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise AuthError("token is malformed") from exc
        if self.oidc is not None and issuer == self.oidc.rules.issuer:
            return self.oidc.verify(token, now, self.revoked)
        if self.local_key is None:
            raise AuthError("token was issued by someone else")
        return verify_local(token, secret=self.local_key, rules=self.local_rules, now=now,
                            revoked=self.revoked)  # fmt: skip

    def sign_out(self, session: Session) -> None:
        """Refuse ``session``'s token from now on."""
        self.revoked.revoke(session.token_id, session.expires_at)


def _rules(settings: Settings, issuer: str, audience: str) -> TokenRules:
    return TokenRules(
        issuer=issuer, audience=audience,
        max_lifetime=timedelta(seconds=settings.auth_max_lifetime_s),
        leeway=timedelta(seconds=settings.auth_leeway_s),
    )  # fmt: skip


def local_rules(settings: Settings) -> TokenRules:
    """The rules for tokens this deployment signs itself (``send-hub token``)."""
    return _rules(settings, settings.auth_issuer, settings.auth_audience)


def oidc_configured(settings: Settings) -> bool:
    """Whether an identity provider is configured (all three settings, or none)."""
    given = [settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url]
    if any(given) and not all(given):
        raise ConfigError("set all of SEND_HUB_OIDC_ISSUER, _AUDIENCE and _JWKS_URL, or none")
    return all(given)


def authenticator_from(settings: Settings) -> Authenticator:
    """The authenticator the settings describe (identity provider and/or local key)."""
    oidc = None
    if oidc_configured(settings):
        assert settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url
        rules = _rules(settings, settings.oidc_issuer, settings.oidc_audience)
        mapping = load_claims_mapping(settings.oidc_claims_file)
        oidc = OidcVerifier(settings.oidc_jwks_url, rules, mapping)
    use_local = oidc is None or bool(settings.auth_secret.get_secret_value())
    return Authenticator(signing_key(settings) if use_local else None, local_rules(settings), oidc)


def is_loopback(host: str) -> bool:
    """``host`` names only this machine (127.0.0.0/8, ::1 or localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve beyond loopback with only the generated development key."""
    if is_loopback(host) or oidc_configured(settings):
        return
    if not settings.auth_secret.get_secret_value():
        raise ConfigError(
            f"refusing to serve on {host}: configure an identity provider (SEND_HUB_OIDC_*) "
            "or a strong SEND_HUB_AUTH_SECRET; the generated dev key is for loopback only"
        )
    signing_key(settings)  # a short secret is refused here
