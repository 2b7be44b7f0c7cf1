"""Callers and their signed access tokens: issue and verify with a given key, pure.

A token carries who the caller is (``sub``), their organisation (``org``, an ODS code, URN
or LA code), the organisation's kind, their role and optionally the purpose they read for;
plus ``iss``, ``aud``, ``iat``, ``exp`` and a unique ``jti``. Time is passed in, never read
here. Besides the signature, the server keeps its own limits whatever a token says
(`TokenRules`): the audience must be ours, the lifetime is capped (a ten-year token is
refused, not trusted), ``iat``/``nbf`` may not lie in the future beyond a small leeway for
clock skew, and a revoked ``jti`` is refused. Locally signed tokens use HS256 with a key of at
least `MIN_KEY_BYTES` (a one-character secret is refused). Tokens from a partnership's
identity provider are checked by `hub.authn`, which applies the same rules. Any problem is an
`AuthError` whose message names the problem but never echoes the token.
"""

import re
import uuid
from collections.abc import Container
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, ValidationError

from hub.errors import HubError
from hub.models import AgencyKind, CallerRole, Purpose

__all__ = [
    "ALGORITHM",
    "DEFAULT_AUDIENCE",
    "MIN_KEY_BYTES",
    "AuthError",
    "Caller",
    "OrgKind",
    "Role",
    "Session",
    "TokenRules",
    "check_key",
    "check_times",
    "issue_token",
    "parse_ttl",
    "session_of",
    "unrevoked",
    "verify_session",
    "verify_token",
]

ALGORITHM = "HS256"
DEFAULT_AUDIENCE = "send-hub"
MIN_KEY_BYTES = 32  # 256 bits: RFC 7518 §3.2 asks at least the hash size for HS256
_REQUIRED = ("sub", "org", "org_kind", "role", "iss", "aud", "iat", "exp", "jti")
_TTL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class AuthError(HubError):
    """A missing, malformed, badly signed, expired, revoked or incomplete access token."""


# A caller's organisation is one of the agency kinds that publish to the hub.
OrgKind = AgencyKind
Role = CallerRole  # the audit and decision contracts' enum of caller roles


class Caller(BaseModel):
    """An authenticated person: the identity every read of a child's data is checked against."""

    model_config = ConfigDict(frozen=True)

    subject: str
    org: str
    org_kind: OrgKind
    role: Role
    purpose: Purpose = Purpose.DIRECT_CARE


class Session(BaseModel):
    """A verified token: its caller, its ``jti`` (what sign-out revokes) and its expiry."""

    model_config = ConfigDict(frozen=True)

    caller: Caller
    token_id: str
    expires_at: datetime


class TokenRules(BaseModel):
    """The server's own limits on any token, whoever signed it."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    audience: str = DEFAULT_AUDIENCE
    max_lifetime: timedelta = timedelta(hours=12)
    leeway: timedelta = timedelta(seconds=60)  # clock skew between issuer and server


def parse_ttl(text: str) -> timedelta:
    """``"8h"``, ``"30m"``, ``"1d"``, ``"90s"`` or plain seconds -> a positive timedelta."""
    match = _TTL.match(text)
    if match is None or int(match.group(1)) <= 0:
        raise AuthError(f"invalid token lifetime {text!r}: use e.g. 90s, 30m, 8h or 1d")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def check_key(key: str) -> str:
    """``key`` if it is long enough to sign tokens with; a short or empty key is refused."""
    if len(key.encode()) < MIN_KEY_BYTES:
        raise AuthError(
            f"the token signing key is too short: at least {MIN_KEY_BYTES} bytes are needed "
            "(unset SEND_HUB_AUTH_SECRET to use the generated per-data-directory key)"
        )
    return key


def issue_token(
    caller: Caller, *, secret: str, issuer: str, now: datetime, ttl: timedelta,
    audience: str = DEFAULT_AUDIENCE, max_lifetime: timedelta = timedelta(hours=12),
) -> str:  # fmt: skip
    """A signed token for ``caller`` valid from ``now`` for ``ttl`` (at most ``max_lifetime``)."""
    check_key(secret)
    if ttl > max_lifetime:
        raise AuthError(f"a token may live at most {max_lifetime}; asked for {ttl}")
    claims = {
        "sub": caller.subject, "org": caller.org, "org_kind": caller.org_kind.value,
        "role": caller.role.value, "purpose": caller.purpose.value, "iss": issuer,
        "aud": audience, "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()), "jti": uuid.uuid4().hex,
    }  # fmt: skip
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthError(f"token has an invalid {name!r} claim")
    return float(value)


def check_times(claims: dict[str, Any], rules: TokenRules, now: datetime) -> None:
    """Refuse a token not yet valid, expired, or living longer than the rules allow."""
    at, skew = now.timestamp(), rules.leeway.total_seconds()
    iat, exp, nbf = _number(claims, "iat"), _number(claims, "exp"), _number(claims, "nbf")
    if iat is None or exp is None:
        raise AuthError("token lacks the 'iat' or 'exp' claim")
    if iat > at + skew:
        raise AuthError("token was issued in the future")
    if nbf is not None and nbf > at + skew:
        raise AuthError("token is not valid yet")
    if at >= exp + skew:
        raise AuthError("token has expired")
    cap = rules.max_lifetime.total_seconds()
    if exp - iat > cap or exp - at > cap + skew:
        raise AuthError(f"token lives longer than the {rules.max_lifetime} this server allows")


def _decode(token: str, secret: str, rules: TokenRules) -> dict[str, Any]:
    # Times are checked by `check_times` against the ``now`` passed in, not the wall clock.
    options: Any = {  # a jwt Options dict; typed Any as its TypedDict is new in PyJWT 2.10
        "verify_exp": False, "verify_iat": False, "verify_nbf": False,
        "require": list(_REQUIRED),
    }  # fmt: skip
    try:
        return jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=rules.issuer,
            audience=rules.audience, options=options,
        )  # fmt: skip
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(f"token lacks the {exc.claim!r} claim") from exc
    except jwt.InvalidIssuerError as exc:
        raise AuthError("token was issued by someone else") from exc
    except jwt.InvalidAudienceError as exc:
        raise AuthError("token is meant for another service (audience)") from exc
    except jwt.InvalidSignatureError as exc:
        raise AuthError("token signature is not valid") from exc
    except jwt.PyJWTError as exc:
        raise AuthError("token is malformed") from exc


def session_of(claims: dict[str, Any], values: dict[str, Any]) -> Session:
    """The session of checked ``claims`` whose caller fields are ``values`` (already mapped)."""
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti.strip() or len(jti) > 200:
        raise AuthError("token has an invalid 'jti' claim")
    try:
        caller = Caller(**values)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise AuthError(f"token has an invalid {where!r} claim") from exc
    return Session(
        caller=caller, token_id=jti, expires_at=datetime.fromtimestamp(float(claims["exp"]), UTC)
    )


def verify_session(
    token: str, *, secret: str, rules: TokenRules, now: datetime,
    revoked: Container[str] = frozenset(),
) -> Session:  # fmt: skip
    """The session of a locally signed token, if it passes every check at ``now``."""
    if not token:
        raise AuthError("no access token")
    claims = _decode(token, check_key(secret), rules)
    check_times(claims, rules, now)
    values = {k: claims[k] for k in ("org", "org_kind", "role")}
    values |= {"subject": claims["sub"], "purpose": claims.get("purpose") or Purpose.DIRECT_CARE}
    return unrevoked(session_of(claims, values), revoked)


def unrevoked(session: Session, revoked: Container[str]) -> Session:
    """``session`` unless its token was revoked (signed out)."""
    if session.token_id in revoked:
        raise AuthError("token has been revoked (signed out)")
    return session


def verify_token(
    token: str, *, secret: str, issuer: str, now: datetime,
    rules: TokenRules | None = None, revoked: Container[str] = frozenset(),
) -> Caller:  # fmt: skip
    """The caller a locally signed token names, if it passes every check at ``now``."""
    rules = rules or TokenRules(issuer=issuer)
    return verify_session(token, secret=secret, rules=rules, now=now, revoked=revoked).caller
