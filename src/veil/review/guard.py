"""What stands in front of every request to the review: host, token, size, and safe headers.

The review is meant for one person on this machine. The page itself holds no
secret: it reads the run's token from the URL veil printed, keeps it in this
tab's ``sessionStorage`` (which, unlike a cookie, belongs to this port alone)
and sends it as ``X-Veil-Token`` with every API request; nothing else
reaches the API (401). A ``Host`` other than ``127.0.0.1:PORT`` or
``localhost:PORT`` is refused (DNS rebinding, 403). A body over `MAX_BODY`
is refused (413). Every answer forbids framing, caching and foreign scripts.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import PlainTextResponse

HEADER = "x-veil-token"
MAX_BODY = 1 << 20
PUBLIC = ("/", "/favicon.ico", "/static/")
"""Paths served without the token: the page and its code hold no secret."""
SAFE_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
]
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def same_token(given: str, token: str) -> bool:
    """Compare in constant time; any text (non-ASCII included) is simply not the token."""
    return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


class Guard:
    """ASGI middleware: the checks above, then the app; the safe headers on every answer."""

    def __init__(self, app: ASGIApp, token: str, port: Callable[[], int]) -> None:
        self.app = app
        self.token = token
        self.port = port

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def safe_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in SAFE_HEADERS}
                headers = [h for h in message.get("headers", []) if h[0].lower() not in names]
                message = {**message, "headers": headers + SAFE_HEADERS}
            await send(message)

        refusal = self.refusal(scope)
        if refusal is not None:
            status, text = refusal
            await PlainTextResponse(text, status_code=status)(scope, receive, safe_send)
            return
        await self.app(scope, receive, safe_send)

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        port = self.port()
        if headers.get("host", "") not in {f"127.0.0.1:{port}", f"localhost:{port}"}:
            return 403, "host not allowed"
        path = scope["path"]
        public = path in PUBLIC[:2] or path.startswith(PUBLIC[2])
        if not public and not same_token(headers.get(HEADER, ""), self.token):
            return 401, "the X-Veil-Token header is required: open the URL veil printed"
        length = headers.get("content-length", "0")
        if not length.isdigit():
            return 400, "a bad Content-Length"
        if int(length) > MAX_BODY:
            return 413, f"a request body is at most {MAX_BODY} bytes"
        return None
