"""Prometheus metric definitions for the whole hub (worker and web import from here).

Names follow docs/contracts.md: prefix ``send_hub_``, counters end ``_total``, durations are
histograms in seconds, labels take small fixed value sets only — agency kind, reason code,
outcome, topic, stage — and never a child, person or case id. Defining them in one module
means the worker's and the web's ``/metrics`` speak the same names.
"""

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ALERTS_RAISED",
    "BATCH_SECONDS",
    "CLOCK_CHILDREN",
    "CONSENT_DECISIONS",
    "CONSUMER_LAG",
    "DECISIONS_REFUSED",
    "END_TO_END_SECONDS",
    "EVENTS_DEADLETTERED",
    "EVENTS_DUPLICATE",
    "EVENTS_INGESTED",
    "EVENTS_VALIDATED",
    "FEED_QUIET",
    "FEED_SECONDS_SINCE_LAST",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "IDENTITY_MERGES",
    "INGEST_REREADS",
    "KPI_VALUE",
    "MATCH_OUTCOMES",
    "REVIEW_QUEUE_OLDEST_SECONDS",
    "REVIEW_QUEUE_SIZE",
    "TIMELINE_ENTRIES",
    "WORKER_ERRORS",
]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

EVENTS_INGESTED = Counter(
    "send_hub_events_ingested_total", "Messages read from an ingest topic.", ["agency_kind"]
)
EVENTS_VALIDATED = Counter(
    "send_hub_events_validated_total", "Events that passed intake validation.", ["agency_kind"]
)
EVENTS_DEADLETTERED = Counter(
    "send_hub_events_deadlettered_total",
    "Messages rejected to the dead-letter topic, by reason code.",
    ["agency_kind", "reason"],
)
EVENTS_DUPLICATE = Counter(
    "send_hub_events_duplicate_total", "Events dropped as duplicates by event id.", ["agency_kind"]
)
MATCH_OUTCOMES = Counter(
    "send_hub_match_outcomes_total",
    "Identity outcomes: LINK_IDENTIFIER, LINK_SCORE, REVIEW, NEW_CHILD.",
    ["outcome"],
)
IDENTITY_MERGES = Counter(
    "send_hub_identity_merges_total", "Children merged into another (MERGE links published)."
)
TIMELINE_ENTRIES = Counter(
    "send_hub_timeline_entries_total", "Entries put on a child's timeline.", ["agency_kind"]
)
END_TO_END_SECONDS = Histogram(
    "send_hub_end_to_end_latency_seconds",
    "Ingest record timestamp to the entry being on the timeline.",
    buckets=_LATENCY_BUCKETS,
)
CONSUMER_LAG = Gauge(
    "send_hub_consumer_lag_messages", "Messages not yet processed, per topic.", ["topic"]
)
BATCH_SECONDS = Histogram(
    "send_hub_batch_duration_seconds", "Time to process one batch of ingest messages."
)
INGEST_REREADS = Counter(
    "send_hub_ingest_rereads_total",
    "Ingest reads the worker repeats: events fetched before a rebalance, partition rewinds.",
    ["reason"],
)
WORKER_ERRORS = Counter(
    "send_hub_worker_errors_total", "Unexpected errors caught per stage.", ["stage"]
)
CONSENT_DECISIONS = Counter(
    "send_hub_consent_decisions_total", "Consent decisions, permit or deny.", ["decision"]
)
DECISIONS_REFUSED = Counter(
    "send_hub_identity_decisions_refused_total",
    "Identity decisions the worker refused and did not apply, by reason "
    "(unsigned, role, unknown_item, already_decided, wrong_pair, uninvolved, unapproved).",
    ["reason"],
)
REVIEW_QUEUE_SIZE = Gauge("send_hub_review_queue_size", "Identity reviews waiting.")
REVIEW_QUEUE_OLDEST_SECONDS = Gauge(
    "send_hub_review_queue_oldest_age_seconds", "Age of the oldest waiting identity review."
)
HTTP_REQUESTS = Counter(
    "send_hub_http_requests_total", "HTTP requests by route template and status.",
    ["method", "route", "status"],
)  # fmt: skip
HTTP_REQUEST_SECONDS = Histogram(
    "send_hub_http_request_duration_seconds", "HTTP request duration by route template.",
    ["route"],
)  # fmt: skip
ALERTS_RAISED = Counter(
    "send_hub_alerts_raised_total", "Alerts published to send.alerts, by kind.", ["kind"]
)
CLOCK_CHILDREN = Gauge(
    "send_hub_clock_children", "Children whose statutory clocks the worker keeps."
)
# One series per source system ("AGENCY/org code/system"): organisations, never people.
FEED_SECONDS_SINCE_LAST = Gauge(
    "send_hub_feed_seconds_since_last_event",
    "Seconds since a source system last published an event.",
    ["source_system"],
)
FEED_QUIET = Gauge(
    "send_hub_feed_quiet",
    "1 while a source system is quieter than its expected interval, else 0.",
    ["source_system"],
)
KPI_VALUE = Gauge(
    "send_hub_kpi_value",
    "Latest month's value of a partnership KPI (percent on time, or median weeks).",
    ["measure", "la", "exceptions_excluded"],
)
