"""Sign-in with a partnership's identity provider: a real key pair, its JWKS served on loopback."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.utils import base64url_encode

from hub.auth import AuthError, Role, TokenRules
from hub.authn import Authenticator, OidcVerifier
from hub.claims import ClaimNames, ClaimsMapping

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ISSUER = "https://idp.partnership.example/realms/send"
AUDIENCE = "send-hub-api"
LOCAL_KEY = "local-dev-key-of-a-decent-length-0123456789"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
MAPPING = ClaimsMapping(
    claims=ClaimNames(subject="sub", org="ods_code", org_kind="org_type",
                      role="realm_access.roles"),
    values={"org_kind": {"school": "EDUCATION", "nhs-trust": "HEALTH"},
            "role": {"send-senco": "SENCO", "send-ehc-coordinator": "EHC_COORD"}},
)  # fmt: skip


def _jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    algo = RSAAlgorithm if alg == "RS256" else ECAlgorithm
    return json.loads(algo.to_jwk(key.public_key())) | {"kid": kid, "alg": alg, "use": "sig"}


class _Jwks(BaseHTTPRequestHandler):
    body = json.dumps({"keys": [_jwk(RSA_KEY, "rsa-1", "RS256"), _jwk(EC_KEY, "ec-1", "ES256")]})
    fetches = 0

    def do_GET(self) -> None:  # the provider's jwks_uri
        type(self).fetches += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/protocol/openid-connect/certs"
    server.shutdown()


@pytest.fixture
def auth(jwks_url: str) -> Authenticator:
    rules = TokenRules(issuer=ISSUER, audience=AUDIENCE)
    oidc = OidcVerifier(jwks_url, rules, MAPPING)
    return Authenticator(LOCAL_KEY, TokenRules(issuer="send-hub"), oidc)


def _claims(**changes: Any) -> dict[str, Any]:
    at = int(NOW.timestamp())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "f3a9-user", "iat": at, "exp": at + 900,
              "jti": "idp-1", "ods_code": "RXN", "org_type": "nhs-trust",
              "realm_access": {"roles": ["offline_access", "send-ehc-coordinator"]}}  # fmt: skip
    return {k: v for k, v in (claims | changes).items() if v is not None}


def _token(key: Any = RSA_KEY, kid: str = "rsa-1", alg: str = "RS256", **changes: Any) -> str:
    return jwt.encode(_claims(**changes), key, algorithm=alg, headers={"kid": kid})


@pytest.mark.parametrize(("key", "kid", "alg"), [(RSA_KEY, "rsa-1", "RS256"),
                                                  (EC_KEY, "ec-1", "ES256")])  # fmt: skip
def test_a_provider_token_maps_to_a_caller(auth: Authenticator, key: Any, kid: str,
                                           alg: str) -> None:  # fmt: skip
    session = auth.session(_token(key, kid, alg), NOW)
    caller = session.caller
    assert (caller.subject, caller.org, caller.org_kind, caller.role) == (
        "f3a9-user",
        "RXN",
        "HEALTH",
        Role.EHC_COORD,
    )
    assert session.token_id == "idp-1"


def test_a_token_for_another_audience_is_refused(auth: Authenticator) -> None:
    with pytest.raises(AuthError, match="audience"):
        auth.session(_token(aud="another-app"), NOW)


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(auth: Authenticator) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthError, match="not valid"):
        auth.session(_token(stranger), NOW)


def test_the_public_key_passed_off_as_an_hmac_secret_is_refused(auth: Authenticator) -> None:
    # Algorithm confusion: HS256 "signed" with the provider's public key (PyJWT will not sign
    # like that, so the token is assembled by hand).
    public = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = base64url_encode(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    body = base64url_encode(json.dumps(_claims()).encode())
    sig = hmac.new(public, header + b"." + body, hashlib.sha256).digest()
    forged = b".".join((header, body, base64url_encode(sig))).decode()
    with pytest.raises(AuthError):
        auth.session(forged, NOW)


def test_an_unknown_kid_or_an_unsigned_token_is_refused(auth: Authenticator) -> None:
    with pytest.raises(AuthError, match=r"unknown key|malformed"):
        auth.session(_token(kid="rotated-away"), NOW)
    with pytest.raises(AuthError):
        auth.session(jwt.encode(_claims(), None, algorithm="none"), NOW)


def test_provider_tokens_obey_the_server_lifetime_cap_and_clock(auth: Authenticator) -> None:
    at = int(NOW.timestamp())
    with pytest.raises(AuthError, match="lives longer"):
        auth.session(_token(exp=at + 3650 * 86400), NOW)
    with pytest.raises(AuthError, match="future"):
        auth.session(_token(iat=at + 3600, exp=at + 7200), NOW)
    with pytest.raises(AuthError, match="expired"):
        auth.session(_token(), NOW + timedelta(hours=1))


@pytest.mark.parametrize(
    ("roles", "message"),
    [(["offline_access"], "realm_access.roles"), (["send-senco", "send-ehc-coordinator"], "more")],
)
def test_unmapped_or_several_roles_are_refused(auth: Authenticator, roles: list[str],
                                               message: str) -> None:  # fmt: skip
    with pytest.raises(AuthError, match=message):
        auth.session(_token(realm_access={"roles": roles}), NOW)


def test_an_unknown_organisation_kind_is_refused(auth: Authenticator) -> None:
    with pytest.raises(AuthError, match="org_type"):
        auth.session(_token(org_type="pharmacy"), NOW)


def test_a_signed_out_provider_token_is_refused(auth: Authenticator) -> None:
    token = _token()
    auth.sign_out(auth.session(token, NOW))
    with pytest.raises(AuthError, match="revoked"):
        auth.session(token, NOW)


def test_a_token_of_an_unknown_issuer_is_refused(jwks_url: str) -> None:
    only_idp = Authenticator(
        None,
        TokenRules(issuer="send-hub"),
        OidcVerifier(jwks_url, TokenRules(issuer=ISSUER), MAPPING),
    )
    with pytest.raises(AuthError, match="someone else"):
        only_idp.session(_token(iss="https://evil.example"), NOW)
    local = jwt.encode(_claims(iss="send-hub"), LOCAL_KEY, algorithm="HS256")
    with pytest.raises(AuthError, match="someone else"):
        only_idp.session(local, NOW)


def test_an_unreachable_provider_refuses_rather_than_trusts() -> None:
    rules = TokenRules(issuer=ISSUER, audience=AUDIENCE)
    dead = OidcVerifier("http://127.0.0.1:9/certs", rules, MAPPING, timeout_s=2)
    with pytest.raises(AuthError, match="cannot be fetched"):
        Authenticator(None, TokenRules(issuer="send-hub"), dead).session(_token(), NOW)


def test_forged_key_ids_do_not_flood_the_provider(auth: Authenticator) -> None:
    assert auth.session(_token(), NOW)  # the first token fetches the key set
    before = _Jwks.fetches
    for n in range(20):
        with pytest.raises(AuthError, match="unknown key"):
            auth.session(_token(kid=f"forged-{n}"), NOW)
    assert _Jwks.fetches - before <= 1  # at most one more fetch a minute, not one per token
    assert auth.session(_token(EC_KEY, "ec-1", "ES256"), NOW)  # known keys still verify
