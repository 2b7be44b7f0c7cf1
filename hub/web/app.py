"""The FastAPI application: API and pages, auth middleware, JSON errors, health and metrics.

``/api/*`` needs ``Authorization: Bearer <token>``: the middleware checks it before routing,
so a request without a valid token gets a 401 JSON error and never reaches a handler (not
even to validate its parameters). ``/health``, ``/ready``, ``/metrics`` and the static files
are open. Every request is counted by route template and status (never by raw path).
``/metrics`` refreshes the review queue gauges (items waiting, age of the oldest) from the
read model at each scrape, so the age is current.
"""

import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.auth import AuthError
from hub.errors import HubError
from hub.web import site
from hub.web.assets import NODE_MODULES, mount_assets
from hub.web.children import access_api
from hub.web.children import api as children_api
from hub.web.children import pages as children_pages
from hub.web.children.reads import ChildNotFound
from hub.web.context import SignInRequired, WebState, bearer_token
from hub.web.metrics import (
    HTTP_REQUEST_SECONDS,
    HTTP_REQUESTS,
    REGISTRY,
    REVIEW_QUEUE_OLDEST_SECONDS,
    REVIEW_QUEUE_SIZE,
)
from hub.web.ops import pages as ops_pages
from hub.web.readmodel import review_queue, store
from hub.web.readmodel.queries import QueryError
from hub.web.review import api as review_api
from hub.web.review import pages as review_pages
from hub.web.review.rules import DecisionUnavailable, NotAllowed, ReviewConflict, ReviewNotFound
from hub.web.sinks.alerts import AlertUnavailable
from hub.web.sinks.outbox import AuditUnavailable
from hub.web.templating import STATIC_DIR

__all__ = ["create_app", "error"]

_Next = Callable[[Request], Awaitable[Response]]


def error(status: int, code: str, detail: str) -> JSONResponse:
    """A JSON error response: ``{"error": code, "detail": detail}``."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def _route_label(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


async def _authenticate_and_observe(request: Request, call_next: _Next) -> Response:
    started = time.perf_counter()
    response: Response
    if request.url.path.startswith("/api/"):
        state: WebState = request.app.state.web
        try:
            request.state.caller = state.authenticate(
                bearer_token(request.headers.get("authorization"))
            )
        except AuthError as exc:
            response = error(401, "unauthorized", str(exc))
        else:
            response = await call_next(request)
    else:
        response = await call_next(request)
    route = _route_label(request)
    HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    HTTP_REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
    return response


def _handler(status: int, code: str) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(_: Request, exc: Exception) -> Response:
        return error(status, code, str(exc))

    return handle


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(QueryError)
    async def bad_query(_: Request, exc: QueryError) -> JSONResponse:
        return error(400, "bad_request", str(exc))

    @app.exception_handler(ChildNotFound)
    async def no_child(_: Request, exc: ChildNotFound) -> JSONResponse:
        return error(404, "not_found", str(exc))

    for exc_type, status, code in (
        (NotAllowed, 403, "forbidden"), (ReviewNotFound, 404, "not_found"),
        (ReviewConflict, 409, "conflict"), (DecisionUnavailable, 503, "unavailable"),
        (AuditUnavailable, 503, "unavailable"), (AlertUnavailable, 503, "unavailable"),
    ):  # fmt: skip
        app.add_exception_handler(exc_type, _handler(status, code))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return error(400, "bad_request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else "http_error"
        return error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _: SignInRequired) -> RedirectResponse:
        return site.redirect_to_sign_in(request)


def _refresh_review_gauges(state: WebState) -> None:
    try:
        conn = store.connect(state.db_path, read_only=True)
        try:
            stats = review_queue.queue_stats(conn)
        finally:
            conn.close()
    except (sqlite3.Error, HubError):
        return  # no read model yet: leave the gauges as they are
    REVIEW_QUEUE_SIZE.set(stats.waiting)
    age = (state.clock() - stats.oldest).total_seconds() if stats.oldest else 0.0
    REVIEW_QUEUE_OLDEST_SECONDS.set(max(0.0, age))


def _install_ops(app: FastAPI) -> None:
    @app.get("/health", tags=["ops"], summary="Process is up")
    def health() -> dict[str, str]:
        """Always 200 while the process serves requests."""
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"], summary="Read model caught up",
             responses={503: {"description": "Not caught up with the topics yet."}})  # fmt: skip
    def ready(request: Request) -> JSONResponse:
        """200 once the read model has caught up with its topics, else 503."""
        state: WebState = request.app.state.web
        ok = state.ready()
        body = {"status": "ready" if ok else "starting"}
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics",
             response_class=PlainTextResponse)  # fmt: skip
    def metrics(request: Request) -> Response:
        """Prometheus text exposition format: the web process's own metrics only."""
        state: WebState = request.app.state.web
        _refresh_review_gauges(state)
        ops_pages.refresh_gauges(state)  # stream health, at most once per refresh interval
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _close(state: WebState) -> None:
    """Stop the feeder, then close the audit, decision and alert producers and the ops probe."""
    if state.feeder is not None:
        state.feeder.stop()
    state.audit.close()
    if state.decisions is not None:
        state.decisions.close()
    if state.alerts is not None:
        state.alerts.close()
    if state.ops is not None:
        state.ops.close()


def create_app(state: WebState) -> FastAPI:
    """The web application over ``state`` (its feeder is started and stopped with the app)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if state.feeder is not None:
            state.feeder.start()
        try:
            yield
        finally:
            _close(state)

    app = FastAPI(
        title="send-hub", version="0.1.0", lifespan=lifespan,
        description="Joined-up SEND timelines for caseworkers. Send `Authorization: Bearer "
        "<token>` on every /api request (`send-hub token` issues a dev token).",
        docs_url=None, redoc_url=None,  # Swagger UI would load assets from a CDN: see /docs
    )  # fmt: skip
    app.state.web = state
    app.middleware("http")(_authenticate_and_observe)
    _install_errors(app)
    _install_ops(app)
    for router in (
        children_api.router, access_api.router, review_api.router, site.router,
        children_pages.router, review_pages.router, ops_pages.router,
    ):  # fmt: skip
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    mount_assets(app, state.assets_dir or NODE_MODULES)
    return app
