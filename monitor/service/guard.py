"""Plain ASGI wrappers around the app: a guard that refuses any request path that could
step outside the routes, the security headers and the header-count limit, and an access log
in the Combined Log Format."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
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


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
_INLINE = re.compile(rb"<(script|style)>(.*?)</\1>", re.S)


def content_security_policy(html: bytes) -> bytes:
    """A policy that allows the page's own inline ``<style>`` and ``<script>`` elements (by
    their SHA-256) and nothing else: no other script, style, frame or base, and forms (the
    search page's) sent only to this service.

    The hashes are taken from the page itself, which is sound because every page is
    rendered autoescaped: a name or title from a document can never become a ``<script>``
    element, so the only elements found are the templates' own."""
    sources: dict[bytes, list[str]] = {b"script": [], b"style": []}
    for kind, body in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        sources[kind].append(f"'sha256-{digest}'")
    scripts = " ".join(sorted(set(sources[b"script"]))) or "'none'"
    styles = " ".join(sorted(set(sources[b"style"]))) or "'none'"
    return (
        f"default-src 'none'; script-src {scripts}; style-src {styles}; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ).encode()


class Hardened:
    """Every answer gets ``nosniff`` and ``Referrer-Policy``, every HTML page a
    Content-Security-Policy that forbids framing; a request with more than ``max_headers``
    headers, or more than ``max_bytes`` of them, is refused with 431 before the app sees it.
    (A head that arrives in pieces is refused by uvicorn's h11 as soon as its unparsed part
    passes ``max_bytes``; one that arrives whole, within a 64 KB read, is counted here.)"""

    def __init__(
        self, app: ASGIApp, max_headers: int, max_bytes: int, refuse: Callable[[str, int, str], Any]
    ) -> None:
        self.app, self.refuse = app, refuse
        self.max_headers, self.max_bytes = max_headers, max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[dict[str, Any]] = []

        async def secured(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                held.append({**message, "headers": headers})
                if not _is_html(headers):
                    await send(held.pop())
                return
            if held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body"):
                    return
                start, *bodies = held
                held.clear()
                page = b"".join(m.get("body", b"") for m in bodies)
                policy = (b"content-security-policy", content_security_policy(page))
                await send({**start, "headers": [*start["headers"], policy]})
                await send({"type": "http.response.body", "body": page})
                return
            await send(message)

        headers = scope["headers"]
        size = len(scope.get("raw_path") or b"") + sum(len(k) + len(v) + 4 for k, v in headers)
        if len(headers) > self.max_headers or size > self.max_bytes:
            too_many = len(headers) > self.max_headers
            message = (
                f"more than {self.max_headers} request headers"
                if too_many
                else f"request headers larger than {self.max_bytes} bytes"
            )
            response = self.refuse(scope["path"], 431, message)
            await response(scope, receive, secured)
            return
        await self.app(scope, receive, secured)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
