"""``send-hub token``: a verifiable dev token signed with the data directory's own key."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.auth import AuthError, verify_token
from hub.cli.main import main
from hub.config import get_settings
from hub.files.auth import KEY_FILE, dev_key


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SEND_HUB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SEND_HUB_AUTH_SECRET", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _token(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    argv = ["token", "--sub", "alice", "--org", "888", "--org-kind", "LOCAL_AUTHORITY",
            "--role", "EHC_COORD", *extra]  # fmt: skip
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out.strip().splitlines()[-1] if out.strip() else "", err


def test_send_hub_token_prints_a_verifiable_token(capsys: pytest.CaptureFixture[str],
                                                  data_dir: Path) -> None:  # fmt: skip
    code, token, _ = _token(capsys, "--ttl", "1h")
    assert code == 0 and (data_dir / KEY_FILE).exists()
    now = datetime.now(UTC)
    caller = verify_token(token, secret=dev_key(data_dir), issuer="send-hub", now=now)
    assert (caller.subject, caller.org, caller.role) == ("alice", "888", "EHC_COORD")
    with pytest.raises(AuthError, match="expired"):
        verify_token(token, secret=dev_key(data_dir), issuer="send-hub",
                     now=now + timedelta(hours=2))  # fmt: skip


def test_a_token_of_another_data_dir_is_refused(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:  # fmt: skip
    _, token, _ = _token(capsys)
    with pytest.raises(AuthError, match="signature"):
        verify_token(token, secret=dev_key(tmp_path / "elsewhere"), issuer="send-hub",
                     now=datetime.now(UTC))  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "KING"], "'KING' is not one of"),
        (["--ttl", "forever"], "invalid token lifetime"),
        (["--ttl", "3650d"], "at most 12:00:00"),
        (["--ttl", "13h"], "at most 12:00:00"),
    ],
)
def test_send_hub_token_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, token, err = _token(capsys, *args)
    assert code != 0 and not token
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_weak_secret_is_refused(capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("SEND_HUB_AUTH_SECRET", "x")
    get_settings.cache_clear()
    code, _, err = _token(capsys)
    assert code != 0 and "too short" in err


def test_send_hub_web_refuses_a_public_address_with_the_dev_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["web", "--host", "0.0.0.0", "--port", "1"]) != 0
    assert "refusing to serve on 0.0.0.0" in capsys.readouterr().err
