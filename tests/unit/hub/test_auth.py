"""Access tokens: what a valid token yields, and every way a token is refused."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from hub.auth import (
    AuthError,
    Caller,
    OrgKind,
    Role,
    TokenRules,
    issue_token,
    parse_ttl,
    verify_session,
    verify_token,
)
from hub.config import Settings
from hub.files.auth import signing_key
from hub.models import Purpose
from hub.revocation import Revocations

SECRET = "unit-test-secret-of-a-decent-length-0123456789"
ISSUER = "send-hub"
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
OLD_DEFAULT = "dev-only-secret-change-me-in-production"  # the built-in secret of old


@pytest.fixture
def caller() -> Caller:
    return Caller(subject="alice", org="888", org_kind=OrgKind.LOCAL_AUTHORITY, role=Role.EHC_COORD)


@pytest.fixture
def token(caller: Caller) -> str:
    return issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=8))


def _verify(token: str, *, secret: str = SECRET, now=NOW) -> Caller:
    return verify_token(token, secret=secret, issuer=ISSUER, now=now)


def _claims(**changes: Any) -> dict[str, Any]:
    at = int(NOW.timestamp())
    claims = {"sub": "a", "org": "888", "org_kind": "HEALTH", "role": "ADMIN", "iss": ISSUER,
              "aud": "send-hub", "iat": at, "exp": at + 3600, "jti": "t-1"}  # fmt: skip
    return {k: v for k, v in (claims | changes).items() if v is not None}


def _forged(secret: str = SECRET, **changes: Any) -> str:
    return jwt.encode(_claims(**changes), secret, algorithm="HS256")


def test_a_valid_token_names_the_caller(caller: Caller, token: str) -> None:
    assert _verify(token) == caller
    assert _verify(token).purpose is Purpose.DIRECT_CARE


def test_a_token_expires_after_its_lifetime_plus_the_leeway(token: str) -> None:
    assert _verify(token, now=NOW + timedelta(hours=8, seconds=59))
    with pytest.raises(AuthError, match="expired"):
        _verify(token, now=NOW + timedelta(hours=8, seconds=60))


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
    with pytest.raises(AuthError, match="'role'"):
        _verify(_forged(role=None))


def test_a_token_with_an_unknown_role_is_refused() -> None:
    with pytest.raises(AuthError, match="role"):
        _verify(_forged(role="KING"))


def test_an_unsigned_token_is_refused(caller: Caller) -> None:
    with pytest.raises(AuthError):
        _verify(jwt.encode(_claims(), None, algorithm="none"))


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


def test_the_old_built_in_secret_signs_nothing_the_server_accepts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The attack: an ADMIN token made by hand with the default secret the hub used to ship.
    with pytest.raises(AuthError, match="signature"):
        _verify(_forged(secret=OLD_DEFAULT))
    monkeypatch.delenv("SEND_HUB_AUTH_SECRET", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.auth_secret.get_secret_value() == ""  # no built-in secret
    key = signing_key(settings)  # the data directory's own generated key instead
    with pytest.raises(AuthError, match="signature"):
        verify_token(_forged(secret=OLD_DEFAULT), secret=key, issuer=ISSUER, now=NOW)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # on purpose
@pytest.mark.parametrize("short", ["x", "", "s" * 31])
def test_a_short_secret_neither_signs_nor_verifies(caller: Caller, short: str) -> None:
    with pytest.raises(AuthError, match="too short"):
        issue_token(caller, secret=short, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    with pytest.raises(AuthError, match="too short"):
        _verify(jwt.encode(_claims(), short or "k", algorithm="HS256"), secret=short)


def test_a_ten_year_token_is_neither_issued_nor_accepted(caller: Caller) -> None:
    with pytest.raises(AuthError, match="at most"):
        issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(days=3650))
    ten_years = int((NOW + timedelta(days=3650)).timestamp())
    with pytest.raises(AuthError, match="lives longer"):
        _verify(_forged(exp=ten_years))


def test_a_backdated_token_cannot_stretch_its_remaining_life() -> None:
    # iat a year ago, exp 11 h after it would pass a naive exp - iat check; exp - now is capped.
    with pytest.raises(AuthError, match=r"lives longer|expired"):
        _verify(_forged(iat=int(NOW.timestamp()) - 3600, exp=int(NOW.timestamp()) + 13 * 3600))


def test_the_lifetime_cap_is_configurable() -> None:
    rules = TokenRules(issuer=ISSUER, max_lifetime=timedelta(minutes=30))
    with pytest.raises(AuthError, match="lives longer"):
        verify_session(_forged(), secret=SECRET, rules=rules, now=NOW)


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_token_from_the_future_is_refused_beyond_the_leeway(claim: str) -> None:
    at = int(NOW.timestamp())
    assert _verify(_forged(**{claim: at + 30}))  # within 60 s of clock skew
    with pytest.raises(AuthError, match=r"future|not valid yet"):
        _verify(_forged(**{claim: at + 600, "exp": at + 3600}))


@pytest.mark.parametrize("aud", [None, "another-service", ["other", "more"]])
def test_a_token_for_another_audience_or_none_is_refused(aud: Any) -> None:
    with pytest.raises(AuthError, match=r"audience|'aud'"):
        _verify(_forged(aud=aud))


@pytest.mark.parametrize("jti", [None, "", 7, "j" * 201])
def test_a_token_without_a_usable_jti_is_refused(jti: Any) -> None:
    with pytest.raises(AuthError, match=r"jti|malformed"):
        _verify(_forged(jti=jti))


@pytest.mark.parametrize("iat", ["yesterday", True, None])
def test_malformed_times_are_refused(iat: Any) -> None:
    with pytest.raises(AuthError):
        _verify(_forged(iat=iat))


def test_a_revoked_token_is_refused_and_forgotten_after_expiry(token: str) -> None:
    rules, revoked = TokenRules(issuer=ISSUER), Revocations()
    session = verify_session(token, secret=SECRET, rules=rules, now=NOW, revoked=revoked)
    revoked.revoke(session.token_id, session.expires_at)
    with pytest.raises(AuthError, match="revoked"):
        verify_session(token, secret=SECRET, rules=rules, now=NOW, revoked=revoked)
    assert revoked.purge(NOW) == 0 and len(revoked) == 1
    assert revoked.purge(session.expires_at + timedelta(minutes=2)) == 1


def test_every_token_gets_its_own_id(caller: Caller) -> None:
    rules = TokenRules(issuer=ISSUER)
    ids = {
        verify_session(issue_token(caller, secret=SECRET, issuer=ISSUER, now=NOW,
                                   ttl=timedelta(hours=1)), secret=SECRET, rules=rules,
                       now=NOW).token_id
        for _ in range(3)
    }  # fmt: skip
    assert len(ids) == 3
