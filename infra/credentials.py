"""The local broker's identities: one SASL principal per service, passwords made per data dir.

The broker send-hub starts authenticates every connection. Each service has its own
principal, so the broker's ACLs (``infra.acls``) can say what each one may do:

- ``publisher-<kind>`` (one per agency kind): writes only its agency's ingest topic;
- ``worker``: the stream worker; ``web``: the web service;
- ``admin``: the project's own tooling (topics, ACLs, ``dlq``), a super user;
- ``broker`` and ``controller``: the broker's own connections to itself, super users.

The passwords are random, made when the broker's storage is formatted, and kept in one JSON
file only the owner can read (mode 0600, directory 0700): nothing is built in. A file others
can read is refused rather than used.
"""

import json
import os
import secrets
import stat
from enum import StrEnum
from pathlib import Path

from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError, InfraError
from hub.models import AgencyKind

__all__ = [
    "SUPER_USERS",
    "Principal",
    "create_credentials",
    "credentials_path",
    "load_credentials",
    "publisher_for",
]

_PASSWORD_BYTES = 32


class Principal(StrEnum):
    """A SASL username on the local broker (``User:<value>`` in its ACLs)."""

    ADMIN = "admin"
    WORKER = "worker"
    WEB = "web"
    PUBLISHER_EDUCATION = "publisher-education"
    PUBLISHER_HEALTH = "publisher-health"
    PUBLISHER_SOCIAL_CARE = "publisher-social_care"
    PUBLISHER_LOCAL_AUTHORITY = "publisher-local_authority"
    BROKER = "broker"  # the broker's inter-broker connections (SCRAM)
    CONTROLLER = "controller"  # the broker's connections to its KRaft controller (PLAIN)


# Authorised for everything by the broker (super.users): itself and the project's tooling.
SUPER_USERS: tuple[Principal, ...] = (Principal.BROKER, Principal.CONTROLLER, Principal.ADMIN)


def publisher_for(kind: AgencyKind) -> Principal:
    """The principal that publishes to ``kind``'s ingest topic."""
    return Principal(f"publisher-{kind.value.lower()}")


def credentials_path(settings: Settings) -> Path:
    """Where the local broker's passwords are (``SEND_HUB_KAFKA_CREDENTIALS_FILE``)."""
    if settings.kafka_credentials_file is not None:
        return settings.kafka_credentials_file.expanduser().resolve()
    return settings.data_dir.expanduser().resolve() / "kafka" / "credentials.json"


def create_credentials(path: Path) -> dict[Principal, SecretStr]:
    """Make a fresh random password per principal and write them (0600); returns them."""
    passwords = {p: secrets.token_urlsafe(_PASSWORD_BYTES) for p in Principal}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    # Created 0600 before any byte is written, so the passwords are never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({p.value: pw for p, pw in passwords.items()}, handle, indent=1)
    path.chmod(0o600)
    return {p: SecretStr(pw) for p, pw in passwords.items()}


def load_credentials(path: Path) -> dict[Principal, SecretStr]:
    """Read the passwords; refuses a missing, unreadable, malformed or world-readable file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(
            f"no Kafka credentials at {path}: start the local broker with `send-hub kafka start` "
            "(it makes them), or set SEND_HUB_KAFKA_USERNAME and SEND_HUB_KAFKA_PASSWORD"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InfraError(f"{path} is readable by other users: run `chmod 600 {path}`")
    try:
        raw = json.loads(path.read_text())
        return {p: SecretStr(str(raw[p.value])) for p in Principal}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InfraError(f"unreadable Kafka credentials file {path}: {type(exc).__name__}") from exc
