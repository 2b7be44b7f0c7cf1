"""The sign-in files and start-up checks: generated dev key, claims mapping, bind refusal."""

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.authn import authenticator_from, check_bind, is_loopback
from hub.config import Settings
from hub.errors import ConfigError
from hub.files.auth import KEY_FILE, dev_key, load_claims_mapping, signing_key

STRONG = "a-shared-secret-of-more-than-32-bytes-000"


def test_the_dev_key_is_generated_once_per_data_dir_with_mode_0600(tmp_path: Path) -> None:
    key = dev_key(tmp_path)
    assert len(key) >= 32 and dev_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    assert dev_key(tmp_path / "other") != key


def test_a_dev_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    dev_key(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        dev_key(tmp_path)


def test_a_weak_configured_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="too short"):
        signing_key(Settings(data_dir=tmp_path, auth_secret=SecretStr("x")))
    assert signing_key(Settings(data_dir=tmp_path, auth_secret=SecretStr(STRONG))) == STRONG
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "hub.example.org", ""])
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)


def test_web_refuses_a_public_address_with_only_the_dev_key(tmp_path: Path) -> None:
    check_bind(Settings(data_dir=tmp_path), "127.0.0.1")
    with pytest.raises(ConfigError, match="refusing to serve on 0\\.0\\.0\\.0"):
        check_bind(Settings(data_dir=tmp_path), "0.0.0.0")
    with pytest.raises(ConfigError, match="too short"):
        check_bind(Settings(data_dir=tmp_path, auth_secret=SecretStr("short")), "0.0.0.0")
    check_bind(Settings(data_dir=tmp_path, auth_secret=SecretStr(STRONG)), "0.0.0.0")


def test_web_may_serve_publicly_with_a_provider(tmp_path: Path) -> None:
    idp = {"oidc_issuer": "https://idp.example", "oidc_audience": "send-hub",
           "oidc_jwks_url": "https://idp.example/certs"}  # fmt: skip
    settings = Settings(data_dir=tmp_path, **idp)
    check_bind(settings, "0.0.0.0")
    auth = authenticator_from(settings)
    assert auth.oidc is not None and auth.local_key is None  # no local tokens in production
    with pytest.raises(ConfigError, match="or none"):
        check_bind(Settings(data_dir=tmp_path, oidc_issuer="https://idp.example"), "0.0.0.0")


def test_the_claims_mapping_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "claims.yaml"
    good.write_text("version: 1\nclaims:\n  org: ods_code\n  role: roles\n"
                    "values:\n  role:\n    send-senco: SENCO\n")  # fmt: skip
    assert load_claims_mapping(good).claims.org == "ods_code"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nclaims:\n  nickname: nick\n")
    with pytest.raises(ConfigError, match="not valid"):
        load_claims_mapping(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_claims_mapping(tmp_path / "missing.yaml")
