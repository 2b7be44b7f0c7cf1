"""Callers and their signed access tokens (HS256 JWT): issue and verify, pure.

A token carries who the caller is (``sub``), their organisation (``org``, an ODS code, URN
or LA code), the organisation's kind, their role (docs/domain.md) and optionally the purpose
they read for; plus ``iss``, ``iat`` and ``exp``. Time is passed in, never read here, so
expiry is testable. Any problem with a token is an `AuthError` whose message names the
problem but never echoes the token.
"""

import re
from datetime import datetime, timedelta
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, ValidationError

from hub.errors import HubError
from hub.models import AgencyKind, CallerRole, Purpose

__all__ = [
    "ALGORITHM",
    "AuthError",
    "Caller",
    "OrgKind",
    "Role",
    "issue_token",
    "parse_ttl",
    "verify_token",
]

ALGORITHM = "HS256"
_REQUIRED = ("sub", "org", "org_kind", "role", "iss", "iat", "exp")
_TTL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class AuthError(HubError):
    """A missing, malformed, badly signed, expired or incomplete access token."""


# A caller's organisation is one of the agency kinds that publish to the hub.
OrgKind = AgencyKind
Role = CallerRole  # the audit contract's enum of caller roles


class Caller(BaseModel):
    """An authenticated person: the identity every read of a child's data is checked against."""

    model_config = ConfigDict(frozen=True)

    subject: str
    org: str
    org_kind: OrgKind
    role: Role
    purpose: Purpose = Purpose.DIRECT_CARE


def parse_ttl(text: str) -> timedelta:
    """``"8h"``, ``"30m"``, ``"1d"``, ``"90s"`` or plain seconds -> a positive timedelta."""
    match = _TTL.match(text)
    if match is None or int(match.group(1)) <= 0:
        raise AuthError(f"invalid token lifetime {text!r}: use e.g. 90s, 30m, 8h or 1d")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def issue_token(caller: Caller, *, secret: str, issuer: str, now: datetime, ttl: timedelta) -> str:
    """A signed token for ``caller`` valid from ``now`` for ``ttl``."""
    if not secret:
        raise AuthError("no signing secret configured (SEND_HUB_AUTH_SECRET)")
    claims = {
        "sub": caller.subject, "org": caller.org, "org_kind": caller.org_kind.value,
        "role": caller.role.value, "purpose": caller.purpose.value, "iss": issuer,
        "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp()),
    }  # fmt: skip
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _decode(token: str, secret: str, issuer: str) -> dict[str, Any]:
    # Expiry is checked by the caller against the ``now`` passed in, not the wall clock.
    options: Any = {  # a jwt Options dict; typed Any as its TypedDict is new in PyJWT 2.10
        "verify_exp": False, "verify_iat": False, "verify_nbf": False,
        "require": list(_REQUIRED),
    }  # fmt: skip
    try:
        return jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer, options=options)
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(f"token lacks the {exc.claim!r} claim") from exc
    except jwt.InvalidIssuerError as exc:
        raise AuthError("token was issued by someone else") from exc
    except jwt.InvalidSignatureError as exc:
        raise AuthError("token signature is not valid") from exc
    except jwt.PyJWTError as exc:
        raise AuthError("token is malformed") from exc


def verify_token(token: str, *, secret: str, issuer: str, now: datetime) -> Caller:
    """The caller a token names, if it is well signed by ``secret`` and not expired at ``now``."""
    if not token:
        raise AuthError("no access token")
    claims = _decode(token, secret, issuer)
    exp = claims["exp"]
    if not isinstance(exp, int | float) or now.timestamp() >= exp:
        raise AuthError("token has expired")
    try:
        return Caller(
            subject=claims["sub"], org=claims["org"], org_kind=claims["org_kind"],
            role=claims["role"], purpose=claims.get("purpose") or Purpose.DIRECT_CARE,
        )  # fmt: skip
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise AuthError(f"token has an invalid {where!r} claim") from exc
