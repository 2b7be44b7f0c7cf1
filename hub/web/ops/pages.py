"""The ``/ops`` page: stream health for operations staff (signed-in callers; no personal data).

Per ingest topic and partition: lag behind the worker and throughput; the worker group's
members; dead letters by reason (with how to inspect and replay them); when each source
system last sent, quiet ones flagged; the web's own read model.
"""

import sqlite3
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.errors import HubError
from hub.web.context import Db, OpsCaller, State, WebState
from hub.web.ops.feeds import feed_health
from hub.web.readmodel import store
from hub.web.templating import render

__all__ = ["refresh_gauges", "router"]

router = APIRouter(include_in_schema=False)


def refresh_gauges(state: WebState) -> None:
    """Bring the stream-health gauges up to date for a scrape of ``/metrics``."""
    if state.ops is not None:
        state.ops.snapshot()
    try:
        conn = store.connect(state.db_path, read_only=True)
    except (sqlite3.Error, HubError):
        return  # no read model yet
    try:
        feed_health(conn, state.clock(), timedelta(seconds=state.feed_quiet_seconds))
    finally:
        conn.close()


@router.get("/ops")
def ops_page(request: Request, db: Db, state: State, caller: OpsCaller) -> HTMLResponse:
    feeder = state.feeder.status if state.feeder else None
    quiet_after = timedelta(seconds=state.feed_quiet_seconds)
    feeds = feed_health(db, state.clock(), quiet_after)
    streams = state.ops.snapshot() if state.ops is not None else None
    return render(request, "ops.html", caller=caller, ready=state.ready(), feeder=feeder,
                   counts=store.status(db), feeds=feeds, streams=streams,
                   quiet_after=quiet_after)  # fmt: skip
