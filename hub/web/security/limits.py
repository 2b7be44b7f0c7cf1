"""Request limits and security headers for every response (a plain ASGI middleware).

Limits, checked before any route runs: the request headers together at most `max_header_bytes`
(431), and the body at most `max_body_bytes` (413). A declared ``Content-Length`` over the
limit is refused without reading a byte; a body without one is read only up to the limit, so a
30 MB upload to ``/signin`` costs the server 64 KB, not 30 MB. Routes then get the buffered body.

Headers on every response: a Content-Security-Policy without inline script (scripts, styles
and images only from this site, no framing, forms only to this site), ``X-Frame-Options:
DENY``, ``Referrer-Policy: no-referrer`` (child ids in page URLs never leak to other sites),
``X-Content-Type-Options: nosniff``, and ``Cache-Control: no-store`` on everything except the
static stylesheet, since pages and API answers carry children's data.
"""

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from hub.web.metrics import REQUESTS_REFUSED

__all__ = ["CSP", "SECURITY_HEADERS", "RequestGuard"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)
_NO_STORE = (b"cache-control", b"no-store")


class _Refused(Exception):
    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.reason = status, reason


class RequestGuard:
    """Wraps the app: refuses over-large requests, adds the security headers."""

    def __init__(self, app: App, *, max_body_bytes: int = 64 * 1024,
                 max_header_bytes: int = 16 * 1024) -> None:  # fmt: skip
        self.app, self.max_body, self.max_headers = app, max_body_bytes, max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_headers(scope)
            body = await self._read_body(scope, receive)
        except _Refused as refused:
            REQUESTS_REFUSED.labels(refused.reason).inc()
            await _refuse(send, refused)
            return
        await self.app(scope, _replay(body, receive), _with_headers(scope, send))

    def _check_headers(self, scope: Scope) -> None:
        size = sum(len(k) + len(v) for k, v in scope["headers"])
        if size > self.max_headers:
            raise _Refused(431, "headers_too_large", f"request headers over {self.max_headers} B")
        length = dict(scope["headers"]).get(b"content-length")
        if length is None:
            return
        if not length.isdigit() or len(length) > 12:
            raise _Refused(400, "bad_length", "Content-Length is not a number")
        if int(length) > self.max_body:
            raise _Refused(413, "body_too_large", f"request body over {self.max_body} bytes")

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # the client went away: the route sees an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _Refused(413, "body_too_large", f"request body over {self.max_body} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect as usual

    return replay


def _with_headers(scope: Scope, send: Send) -> Send:
    static = str(scope.get("path", "")).startswith("/static/")

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            extra = [*SECURITY_HEADERS, *(() if static else (_NO_STORE,))]
            headers += [(k, v) for k, v in extra if k not in present]
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


async def _refuse(send: Send, refused: _Refused) -> None:
    body = json.dumps({"error": "request_refused", "detail": str(refused)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *SECURITY_HEADERS, _NO_STORE]  # fmt: skip
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
