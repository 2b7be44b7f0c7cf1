"""Access tokens: what a valid token yields, and every way a token is refused."""

from datetime import timedelta

import jwt
import pytest

from hub.auth import AuthError, Caller, Role, issue_token, parse_ttl, verify_token
from hub.models import Purpose
from tests.unit.web.conftest import ISSUER, NOW, SECRET


def _verify(token: str, *, secret: str = SECRET, now=NOW) -> Caller:
    return verify_token(token, secret=secret, issuer=ISSUER, now=now)


def test_a_valid_token_names_the_caller(caller: Caller, token: str) -> None:
    assert _verify(token) == caller
    assert _verify(token).purpose is caller.purpose


def test_a_token_expires_after_its_lifetime(token: str) -> None:
    assert _verify(token, now=NOW + timedelta(hours=8) - timedelta(seconds=1))
    with pytest.raises(AuthError, match="expired"):
        _verify(token, now=NOW + timedelta(hours=8))


def test_a_token_signed_with_another_secret_is_refused(token: str) -> None:
    with pytest.raises(AuthError, match="signature"):
        _verify(token, secret="another-secret-of-a-decent-length-987654321")


@pytest.mark.parametrize("value", ["", "not-a-jwt", "a.b.c"])
def test_missing_or_malformed_tokens_are_refused(value: str) -> None:
    with pytest.raises(AuthError):
        _verify(value)


def test_a_token_from_another_issuer_is_refused(caller: Caller) -> None:
    other = issue_token(caller, secret=SECRET, issuer="elsewhere", now=NOW, ttl=timedelta(hours=1))
    with pytest.raises(AuthError, match="issued by someone else"):
        _verify(other)


def test_a_token_without_a_role_is_refused() -> None:
    claims = {"sub": "a", "org": "888", "org_kind": "HEALTH", "iss": ISSUER,
              "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60}  # fmt: skip
    with pytest.raises(AuthError, match="'role'"):
        _verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_a_token_with_an_unknown_role_is_refused() -> None:
    claims = {"sub": "a", "org": "888", "org_kind": "HEALTH", "role": "KING", "iss": ISSUER,
              "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60}  # fmt: skip
    with pytest.raises(AuthError, match="role"):
        _verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_an_unsigned_token_is_refused(caller: Caller) -> None:
    claims = {"sub": "a", "org": "888", "org_kind": "HEALTH", "role": "SW", "iss": ISSUER,
              "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60}  # fmt: skip
    with pytest.raises(AuthError):
        _verify(jwt.encode(claims, None, algorithm="none"))


def test_the_purpose_claim_is_carried(caller: Caller) -> None:
    dsl = caller.model_copy(update={"role": Role.DSL, "purpose": Purpose.SAFEGUARDING})
    token = issue_token(dsl, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(minutes=5))
    assert _verify(token).purpose is Purpose.SAFEGUARDING


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("8h", 28800), ("1d", 86400), ("60", 60)]
)
def test_lifetimes(text: str, seconds: int) -> None:
    assert parse_ttl(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "0h", "8x", "-1h", "h"])
def test_bad_lifetimes_are_refused(text: str) -> None:
    with pytest.raises(AuthError, match="lifetime"):
        parse_ttl(text)
