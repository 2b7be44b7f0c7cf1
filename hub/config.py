"""Runtime configuration from ``SEND_HUB_*`` environment variables (frozen, validated).

Defaults run everything on loopback with data under ``./.send-hub`` so a fresh
clone works with no set-up; secrets are ``SecretStr`` and never printed.
"""

from datetime import datetime
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
    # Statutory clocks, signals and feed freshness (hub.clocks; docs/clocks.md).
    clock_rules_dir: Path | None = None  # a folder with corrected clocks/signals/holidays YAML
    clock_tick_seconds: float = Field(default=60.0, gt=0)  # how often the worker's timer ticks
    clock_alert_max_age_days: int = Field(default=28, ge=0)  # older breaches: shown, not alerted
    clocks_enabled: bool = True  # run the clock stage in this worker (one process only)
    # Seconds after which a source system counts as quiet, by "AGENCY/org/system"; others learn.
    feed_intervals: dict[str, float] = Field(default_factory=dict)
    # Tests only: the time the worker's clock stage believes it is (ISO 8601 with offset).
    clocks_now: datetime | None = None
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
