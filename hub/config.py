"""Runtime configuration from ``SEND_HUB_*`` environment variables (frozen, validated).

Defaults run everything on loopback with data under ``./.send-hub`` so a fresh
clone works with no set-up; secrets are ``SecretStr`` and never printed.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["KafkaSecurityProtocol", "Settings", "get_settings"]

KafkaSecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]


class Settings(BaseSettings):
    """All tunables of the hub; one frozen instance per process."""

    model_config = SettingsConfigDict(env_prefix="SEND_HUB_", frozen=True, extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_controller_port: int = 9093
    kafka_version: str = "4.1.1"
    kafka_cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "send-hub")
    kafka_start_timeout: float = 60.0
    # Connection security of every Kafka client. The local broker speaks SASL_PLAINTEXT with
    # SCRAM-SHA-512 on loopback; an existing cluster is usually SASL_SSL (see the README).
    kafka_security_protocol: KafkaSecurityProtocol = "SASL_PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    # One identity for this process. Unset: each client takes its own service's password from
    # the local broker's credentials file (written when its storage is formatted).
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_credentials_file: Path | None = None  # default <data_dir>/kafka/credentials.json
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_check_hostname: bool = True
    data_dir: Path = Path(".send-hub")
    topic_prefix: str = "send"
    topic_partitions: int = 4
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    auth_secret: SecretStr = SecretStr("dev-only-secret-change-me-in-production")
    auth_issuer: str = "send-hub"
    log_level: str = "INFO"
    consent_policy: Path | None = None  # a sharing policy file; None: the shipped v1
    break_glass_hours: float = Field(default=4.0, gt=0, le=72)
    audit_outbox: Path | None = None  # None: <data_dir>/web/<prefix>-audit-outbox.sqlite3

    def topic(self, name: str) -> str:
        """Full topic name for a short name such as ``ingest.health``."""
        return f"{self.topic_prefix}.{name}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
