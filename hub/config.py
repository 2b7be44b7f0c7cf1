"""Runtime configuration from ``SEND_HUB_*`` environment variables (frozen, validated).

Defaults run everything on loopback with data under ``./.send-hub`` so a fresh
clone works with no set-up; secrets are ``SecretStr`` and never printed.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """All tunables of the hub; one frozen instance per process."""

    model_config = SettingsConfigDict(env_prefix="SEND_HUB_", frozen=True, extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_controller_port: int = 9093
    kafka_version: str = "4.1.1"
    kafka_cache_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "send-hub")
    kafka_start_timeout: float = 60.0
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
    # Where `npm ci` put GOV.UK Frontend and MOJ Frontend (default: the repository's node_modules).
    web_assets_dir: Path | None = None
    # Stream health (the web's /ops page): a source system that has sent nothing for this
    # long is shown as quiet; the worker's consumer group whose lag is shown (default: the
    # worker's own default, "<topic prefix>-hub").
    feed_quiet_seconds: float = Field(default=6 * 3600.0, gt=0)
    worker_group: str | None = None

    def worker_group_id(self) -> str:
        """The stream worker's consumer group id."""
        return self.worker_group or f"{self.topic_prefix}-hub"

    def topic(self, name: str) -> str:
        """Full topic name for a short name such as ``ingest.health``."""
        return f"{self.topic_prefix}.{name}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
