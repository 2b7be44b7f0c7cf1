"""Reads and writes the sign-in files: the per-data-directory dev key and the claims mapping.

The dev signing key is generated on first use under ``<data dir>/auth/token-signing.key``,
created with mode 0600 in one step (never world-readable, not even for a moment), and refused
later if someone loosened its mode: anyone who can read it can mint tokens for any role.
"""

import os
import secrets
import stat
from pathlib import Path

import yaml
from pydantic import ValidationError

from hub.auth import AuthError, check_key
from hub.claims import ClaimsMapping
from hub.config import Settings
from hub.errors import ConfigError

__all__ = ["KEY_FILE", "dev_key", "load_claims_mapping", "signing_key"]

KEY_FILE = Path("auth") / "token-signing.key"


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48) + "\n")


def dev_key(data_dir: Path) -> str:
    """The data directory's token signing key, generated (mode 0600) when missing."""
    path = data_dir / KEY_FILE
    if not path.exists():
        _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"{path} can be read by other users (mode {mode:o}); chmod 600 it")
    return path.read_text().strip()


def signing_key(settings: Settings) -> str:
    """The key local tokens are signed with: SEND_HUB_AUTH_SECRET if set, else the dev key."""
    key = settings.auth_secret.get_secret_value() or dev_key(settings.data_dir)
    try:
        return check_key(key)
    except AuthError as exc:
        raise ConfigError(str(exc)) from exc


def load_claims_mapping(path: Path | None) -> ClaimsMapping:
    """The claims mapping in ``path`` (YAML), or the default mapping when no file is given."""
    if path is None:
        return ClaimsMapping()
    try:
        data = yaml.safe_load(path.read_text()) or {}
        return ClaimsMapping.model_validate(data)
    except OSError as exc:
        raise ConfigError(f"cannot read the claims mapping {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"the claims mapping {path} is not valid: {exc}") from exc
