"""Worker tunables (``SEND_HUB_WORKER_*``), next to the hub-wide ``hub.config.Settings``.

Kept here because only the stream worker reads them; defaults suit one worker on a laptop.
"""

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WorkerSettings", "get_worker_settings"]


class WorkerSettings(BaseSettings):
    """Batching, state and metrics options of ``send-hub worker``."""

    model_config = SettingsConfigDict(env_prefix="SEND_HUB_WORKER_", frozen=True, extra="ignore")

    # events per batch at most (a replay fills them; live traffic waits batch_within); one
    # transaction each, so bigger batches spread its fixed cost (2,000 -> 5,000: ~+20% replay)
    batch_size: int = 5000
    batch_within: float = 0.05  # seconds to wait for a batch to fill (latency bound)
    store: Literal["rocksdb", "memory"] = "rocksdb"
    metrics_port: int = 9108  # Prometheus /metrics on loopback; 0 disables
    metrics_host: str = "127.0.0.1"
    dedupe_bucket_size: int = 1024
    dedupe_buckets: int = 64  # window = buckets x bucket size ids per partition
    timeline_cache_buckets: int = 200_000  # timeline buckets kept in memory (LRU-ish)
    # Persist timeline buckets in the worker's table (the idempotency guard beyond the dedupe
    # window). Off: only the dedupe window guards, readers' projections stay idempotent.
    persist_timeline: bool = True
    # Probabilistic matching (score links, review queue) after the identifier rules.
    matching: bool = True
    app_id: str | None = None  # consumer group id and id prefix; default "<prefix>-hub"
    # This worker's part of its transactional id (stable across its restarts, unique among
    # running workers); default "<host name>-<slot>" (see streams/instance.py).
    instance_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,100}$")
    log_level: str = "warn"


@lru_cache(maxsize=1)
def get_worker_settings() -> WorkerSettings:
    """The process-wide worker settings, read once from the environment."""
    return WorkerSettings()
