"""Metrics of the web process itself, in their own registry: its ``/metrics`` exports only these.

The worker's families (events ingested, match outcomes, ...) live in `hub.metrics` on the
default registry; importing that module into the web would export them at zero and mislead a
dashboard, so the web never serves the default registry. Same naming rules as
docs/contracts.md: ``send_hub_`` prefix, ``_total`` counters, small fixed label sets (topic,
partition, reason code, source system), never a child or person id.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hub.metrics import CONSENT_DECISIONS, KPI_VALUE

__all__ = [
    "AUDIT_RECORDS",
    "CONSUMER_LAG",
    "DEADLETTERS_ON_TOPIC",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "INGEST_END_OFFSET",
    "INGEST_LAG",
    "KPI_VALUE",
    "READ_MODEL_READY",
    "READ_MODEL_RECORDS",
    "REGISTRY",
    "REQUESTS_REFUSED",
    "REVIEW_QUEUE_OLDEST_SECONDS",
    "REVIEW_QUEUE_SIZE",
    "SEARCH_RATE_LIMITED",
    "SOURCE_LAST_EVENT_AGE",
    "TOKEN_REVOCATIONS",
    "WORKER_MEMBERS",
]

REGISTRY = CollectorRegistry(auto_describe=True)
# Consent decisions are defined with the hub's shared metrics, and made in the web process
# (every read is decided there): the web exports that family too.
REGISTRY.register(CONSENT_DECISIONS)
# KPI gauges are defined with the shared metrics too, and refreshed by the web at each scrape.
REGISTRY.register(KPI_VALUE)

READ_MODEL_RECORDS = Counter(
    "send_hub_web_read_model_records_total",
    "Records the web read model took from its topics: applied, or bad (undecodable, skipped).",
    ["topic_kind", "result"], registry=REGISTRY,
)  # fmt: skip
CONSUMER_LAG = Gauge(
    "send_hub_consumer_lag_messages",
    "Messages the web read model has not read yet, per topic it follows.", ["topic"],
    registry=REGISTRY,
)  # fmt: skip
READ_MODEL_READY = Gauge(
    "send_hub_web_read_model_ready",
    "1 once the read model has caught up with its topics as they were at start, else 0.",
    registry=REGISTRY,
)
AUDIT_RECORDS = Counter(
    "send_hub_web_audit_records_total",
    "Audit records of reads: queued (durable in the outbox), sent (acknowledged by the broker), "
    "failed (a send to retry) or refused (outbox unwritable: the read answered 503).",
    ["result"], registry=REGISTRY,
)  # fmt: skip
HTTP_REQUESTS = Counter(
    "send_hub_http_requests_total", "HTTP requests by route template and status.",
    ["method", "route", "status"], registry=REGISTRY,
)  # fmt: skip
HTTP_REQUEST_SECONDS = Histogram(
    "send_hub_http_request_duration_seconds", "HTTP request duration by route template.",
    ["route"], registry=REGISTRY,
)  # fmt: skip
REVIEW_QUEUE_SIZE = Gauge(
    "send_hub_review_queue_size", "Identity reviews waiting.", registry=REGISTRY
)
REVIEW_QUEUE_OLDEST_SECONDS = Gauge(
    "send_hub_review_queue_oldest_age_seconds", "Age of the oldest waiting identity review.",
    registry=REGISTRY,
)  # fmt: skip
# Stream health as the web's ops view last saw it from the broker (refreshed by /ops and
# /metrics), so alerts hold even when the worker itself is down and exports nothing.
INGEST_LAG = Gauge(
    "send_hub_ingest_lag_messages",
    "Ingest messages the worker's consumer group has not committed yet, per topic and partition.",
    ["topic", "partition"], registry=REGISTRY,
)  # fmt: skip
INGEST_END_OFFSET = Gauge(
    "send_hub_ingest_end_offset",
    "End offset (messages ever written) per ingest topic and partition; its rate is throughput.",
    ["topic", "partition"], registry=REGISTRY,
)  # fmt: skip
WORKER_MEMBERS = Gauge(
    "send_hub_worker_group_members",
    "Members of the worker's consumer group (0: no worker is consuming).", registry=REGISTRY,
)  # fmt: skip
DEADLETTERS_ON_TOPIC = Gauge(
    "send_hub_deadletters_on_topic",
    "Dead letters on the dead-letter topic by reason code (within its retention).",
    ["reason"], registry=REGISTRY,
)  # fmt: skip
SOURCE_LAST_EVENT_AGE = Gauge(
    "send_hub_source_last_event_age_seconds",
    "Seconds since the hub last received an event from each source system.",
    ["agency_kind", "system"], registry=REGISTRY,
)  # fmt: skip
SEARCH_RATE_LIMITED = Counter(
    "send_hub_search_rate_limited_total",
    "Child searches refused because the caller exceeded the per-caller search rate.",
    ["channel"], registry=REGISTRY,
)  # fmt: skip
REQUESTS_REFUSED = Counter(
    "send_hub_web_requests_refused_total",
    "Requests refused before routing: body_too_large, headers_too_large, bad_length.",
    ["reason"], registry=REGISTRY,
)  # fmt: skip
TOKEN_REVOCATIONS = Counter(
    "send_hub_token_revocations_total",
    "Signed-out tokens: published (to the other instances), failed (not shared), applied.",
    ["result"], registry=REGISTRY,
)  # fmt: skip
