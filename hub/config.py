"""Runtime configuration from ``SEND_HUB_*`` environment variables (frozen, validated).

Defaults run everything on loopback with data under ``./.send-hub`` so a fresh
clone works with no set-up; secrets are ``SecretStr`` and never printed. There is no built-in
token secret: without ``SEND_HUB_AUTH_SECRET`` the hub generates a signing key per data
directory, and a partnership's identity provider is configured with the ``SEND_HUB_OIDC_*``
variables.
"""

from datetime import datetime
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
    # Replicas of each hub topic send-hub creates; unset: min(3, brokers in the cluster). With
    # 3 or more the topics also get min.insync.replicas=2 (infra.topics).
    kafka_replication_factor: int | None = Field(default=None, ge=1)
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
    web_max_body_bytes: int = Field(default=64 * 1024, ge=1024)  # larger bodies: 413, unread
    web_max_header_bytes: int = Field(default=16 * 1024, ge=1024)  # larger header blocks: 431
    # Empty: local tokens are signed with the key generated under data_dir (mode 0600).
    auth_secret: SecretStr = SecretStr("")
    auth_issuer: str = "send-hub"
    auth_audience: str = "send-hub"
    auth_max_lifetime_s: int = Field(default=12 * 3600, gt=0)  # cap on any token's lifetime
    auth_leeway_s: int = Field(default=60, ge=0, le=300)  # clock skew allowed on iat/nbf/exp
    oidc_issuer: str | None = None  # the identity provider's issuer (``iss``) exactly
    oidc_audience: str | None = None  # our client id / API audience at that provider
    oidc_jwks_url: str | None = None  # where the provider publishes its signing keys
    oidc_claims_file: Path | None = None  # claims-mapping YAML (default mapping if unset)
    # Browser sign-in at the provider (code flow + PKCE); all but the secret, or none.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr = SecretStr("")  # empty: a public client
    oidc_authorize_url: str | None = None
    oidc_token_url: str | None = None
    oidc_redirect_url: str | None = None  # https://<this service>/signin/callback
    oidc_scopes: str = "openid"
    partnership_file: Path | None = None  # which organisations are involved with which
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
