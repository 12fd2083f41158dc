"""Two plain ASGI wrappers around the app: a guard that refuses any request path that could
step outside the routes, and an access log in the Combined Log Format."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from monitor.core.periods import Clock

access = logging.getLogger("monitor.access")

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


def unsafe(scope: Scope) -> bool:
    """Encoded slashes, backslashes or NULs, or a ``.``/``..`` segment, anywhere in the path.

    No route needs them, and a country or ref with them in it could only be an attempt to
    name a file: they are refused before routing (404), whatever the route would have done.
    """
    raw = bytes(scope.get("raw_path") or scope["path"].encode()).lower()
    if any(bad in raw for bad in (b"%2f", b"%5c", b"%00", b"\\")):
        return True
    path = scope["path"]
    return "\x00" in path or "\\" in path or any(s in (".", "..") for s in path.split("/"))


class PathGuard:
    def __init__(self, app: ASGIApp, refuse: Callable[[str, int, str], Any]) -> None:
        self.app, self.refuse = app, refuse

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and unsafe(scope):
            response = self.refuse(scope["path"], 404, "nothing at this path")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class AccessLog:
    """One line per request, as web servers write them:
    ``127.0.0.1 - - [23/Nov/2026:18:41:17 +0000] "GET / HTTP/1.1" 200 5120 "-" "curl/8.5.0"``
    followed by the time taken in milliseconds."""

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app, self.clock = app, clock

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status, sent = 0, 0

        async def counting(message: dict[str, Any]) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            if access.isEnabledFor(logging.INFO):
                access.info(self.line(scope, status or 500, sent, time.perf_counter() - start))

    def line(self, scope: Scope, status: int, sent: int, took: float) -> str:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        client = scope.get("client") or ("-", 0)
        target = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        when = self.clock().strftime("%d/%b/%Y:%H:%M:%S %z")
        request = f"{scope['method']} {target} HTTP/{scope.get('http_version', '1.1')}"
        return (
            f'{client[0]} - - [{when}] "{_quoted(request)}" {status} {sent or "-"} '
            f'"{_quoted(headers.get("referer", "-"))}" "{_quoted(headers.get("user-agent", "-"))}"'
            f" {took * 1000:.1f}ms"
        )


def _quoted(text: str) -> str:
    """Nothing a client sends can forge a log line or break the quoting."""
    return text.encode("unicode_escape").decode("ascii").replace('"', '\\"')
