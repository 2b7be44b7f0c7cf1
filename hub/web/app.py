"""The FastAPI application: API and pages, JSON errors, health and metrics, request guard.

Every API route depends on `hub.web.context.api_caller` (``Authorization: Bearer <token>``),
declared on the routers themselves, so a request without a valid token gets a 401 JSON error
whatever its path looks like; pages depend on the sign-in cookie, ``/ops`` on an operations
role. ``/health``, ``/ready``, ``/metrics`` and the static files are open. `RequestGuard`
refuses over-large requests before routing and adds the security headers to every response.
Every request is counted by route template and status (never by raw path).
``/metrics`` refreshes the review queue gauges (items waiting, age of the oldest) from the
read model at each scrape, so the age is current.
"""

import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

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
from hub.web.clocks import api as clocks_api
from hub.web.clocks import pages as clocks_pages
from hub.web.clocks.reads import partnership_kpis
from hub.web.context import NotOperations, SignInRequired, WebState
from hub.web.metrics import (
    HTTP_REQUEST_SECONDS,
    HTTP_REQUESTS,
    KPI_VALUE,
    REGISTRY,
    REVIEW_QUEUE_OLDEST_SECONDS,
    REVIEW_QUEUE_SIZE,
)
from hub.web.ops import pages as ops_pages
from hub.web.readmodel import review_queue, store
from hub.web.readmodel.queries import QueryError
from hub.web.review import api as review_api
from hub.web.review import approvals
from hub.web.review import pages as review_pages
from hub.web.review.rules import DecisionUnavailable, NotAllowed, ReviewConflict, ReviewNotFound
from hub.web.security import login
from hub.web.security.limits import RequestGuard
from hub.web.security.ratelimit import RateLimited
from hub.web.sinks.alerts import AlertUnavailable
from hub.web.sinks.outbox import AuditUnavailable
from hub.web.templating import STATIC_DIR, render

__all__ = ["create_app", "error"]

_Next = Callable[[Request], Awaitable[Response]]


def error(status: int, code: str, detail: str) -> JSONResponse:
    """A JSON error response: ``{"error": code, "detail": detail}``."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def _route_label(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


async def _observe(request: Request, call_next: _Next) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = _route_label(request)
    HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    HTTP_REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
    return response


def _handler(status: int, code: str) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(_: Request, exc: Exception) -> Response:
        return error(status, code, str(exc))

    return handle


def _install_security_errors(app: FastAPI) -> None:
    @app.exception_handler(AuthError)
    async def unauthorized(_: Request, exc: AuthError) -> JSONResponse:
        return error(401, "unauthorized", str(exc))

    @app.exception_handler(RateLimited)
    async def too_many(_: Request, exc: RateLimited) -> JSONResponse:
        response = error(429, "too_many_requests", str(exc))
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    @app.exception_handler(NotOperations)
    async def not_operations(request: Request, exc: NotOperations) -> Response:
        return render(request, "error.html", 403, caller=None, title="Not available to you",
                      message=str(exc))  # fmt: skip


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


def _refresh_kpi_gauges(state: WebState) -> None:
    """Each KPI's latest month per LA as a gauge (aggregates only: no child, no case)."""
    try:
        conn = store.connect(state.db_path, read_only=True)
        try:
            rows = partnership_kpis(conn, state.db_path, state.clock())
        finally:
            conn.close()
    except (sqlite3.Error, HubError):
        return
    latest: dict[tuple[str, str, str], tuple[str, float]] = {}
    for row in rows:
        key = (row.measure, row.la, "true" if row.exceptions_excluded else "false")
        if row.value is not None and (key not in latest or row.month > latest[key][0]):
            latest[key] = (row.month, row.value)
    for (measure, la, excluded), (_, value) in latest.items():
        KPI_VALUE.labels(measure=measure, la=la, exceptions_excluded=excluded).set(value)


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
        _refresh_kpi_gauges(state)
        ops_pages.refresh_gauges(state)  # stream health, at most once per refresh interval
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def _lifespan(state: WebState) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the feeder and the revocation follower with the app; stop them and the sinks."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started = [s for s in (state.feeder, state.revocation_follower) if s is not None]
        for service in started:
            service.start()
        try:
            yield
        finally:
            for service in reversed(started):
                service.stop()
            for sink in (state.revocations, state.audit, state.decisions, state.alerts, state.ops):
                if sink is not None:
                    sink.close()

    return lifespan


def create_app(state: WebState, *, max_body_bytes: int = 64 * 1024) -> FastAPI:
    """The web application over ``state`` (its feeder is started and stopped with the app)."""
    app = FastAPI(
        title="send-hub", version="0.1.0", lifespan=_lifespan(state),
        description="Joined-up SEND timelines for caseworkers. Send `Authorization: Bearer "
        "<token>` on every /api request (`send-hub token` issues a dev token).",
        docs_url=None, redoc_url=None,  # Swagger UI would load assets from a CDN: see /docs
    )  # fmt: skip
    app.state.web = state
    app.middleware("http")(_observe)
    app.add_middleware(RequestGuard, max_body_bytes=max_body_bytes)
    _install_security_errors(app)
    _install_errors(app)
    _install_ops(app)
    for router in (
        children_api.router, access_api.router, review_api.router, approvals.router,
        clocks_api.router, site.router, login.router,
        children_pages.router, review_pages.router, clocks_pages.router, ops_pages.router,
    ):  # fmt: skip
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    mount_assets(app, state.assets_dir or NODE_MODULES)
    return app
