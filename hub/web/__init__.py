"""The HTTP service: JSON API, caseworker pages and ops endpoints over a local read model.

`hub.web.app.create_app` builds the FastAPI application; `hub.web.server` runs it with
uvicorn (``send-hub web``). The read model (`hub.web.store`) is projected from
``send.timeline`` and ``send.identity.links`` by `hub.web.feeder`; every read of a child's
data is audited to ``send.audit`` by `hub.web.audit`.
"""

__all__: list[str] = []
