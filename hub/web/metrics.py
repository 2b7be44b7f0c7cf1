"""Metrics of the web process itself (the shared hub metrics live in `hub.metrics`).

Same naming rules as docs/contracts.md: ``send_hub_`` prefix, ``_total`` counters, small fixed label
sets (topic kind, result), never a child or person id.
"""

from prometheus_client import Counter, Gauge

__all__ = [
    "AUDIT_RECORDS",
    "READ_MODEL_READY",
    "READ_MODEL_RECORDS",
    "REQUESTS_REFUSED",
    "SEARCH_RATE_LIMITED",
    "TOKEN_REVOCATIONS",
]

READ_MODEL_RECORDS = Counter(
    "send_hub_web_read_model_records_total",
    "Records the web read model took from its topics: applied, or bad (undecodable, skipped).",
    ["topic_kind", "result"],
)
READ_MODEL_READY = Gauge(
    "send_hub_web_read_model_ready",
    "1 once the read model has caught up with its topics as they were at start, else 0.",
)
AUDIT_RECORDS = Counter(
    "send_hub_web_audit_records_total",
    "Audit records of reads: queued (durable in the outbox), sent (acknowledged by the broker), "
    "failed (a send to retry) or refused (outbox unwritable: the read answered 503).",
    ["result"],
)
SEARCH_RATE_LIMITED = Counter(
    "send_hub_search_rate_limited_total",
    "Child searches refused because the caller exceeded the per-caller search rate.",
    ["channel"],
)
REQUESTS_REFUSED = Counter(
    "send_hub_web_requests_refused_total",
    "Requests refused before routing: body_too_large, headers_too_large, bad_length.",
    ["reason"],
)
TOKEN_REVOCATIONS = Counter(
    "send_hub_token_revocations_total",
    "Signed-out tokens: published (to the other instances), failed (not shared), applied.",
    ["result"],
)
