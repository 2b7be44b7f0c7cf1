"""The HTTP service: JSON API, caseworker pages and ops endpoints over a local read model.

Grouped by what each part serves:
- `hub.web.app` wires the FastAPI application; `hub.web.server` runs it (``send-hub web``);
  `hub.web.context` holds what a running app has (read model, sinks, clock) and the
  request dependencies; `hub.web.site` the site-wide pages (sign in, ops, API docs).
- `hub.web.readmodel`: the SQLite store projected from ``send.timeline``,
  ``send.identity.links`` and the review topics by its feeder, and its queries.
- `hub.web.children`: search, a child's record and timeline (API, pages, read path).
- `hub.web.review`: the identity review queue, decisions and unmerge (API, pages, rules).
- `hub.web.sinks`: what the web writes (audit records, review decisions).
"""

__all__: list[str] = []
