"""Downloading one document politely and safely: the monitor's only network edge.

One ``httpx.AsyncClient`` is passed in (TLS verified, a real User-Agent, redirects
followed by httpx: at most 5, to http and https only, a redirect's body cut off past
64 KiB). Each download: conditional headers when we have them, a streamed size cap that
stops reading as soon as it is passed, and retries with exponential backoff and jitter
(stamina) on timeouts, connection errors, 429 (honouring Retry-After) and 5xx, never on
other 4xx.

Web-archive playback (``raw=True``) returns the archived response as it is: any status,
redirects not followed, headers kept (``Memento-Datetime`` tells an archived response from
the archive's own). With ``retry_429=False`` a 429 raises ``RateLimited`` at once, for a
caller that must wait far longer than a retry would (the Internet Archive).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import stamina
import stamina.instrumentation

from monitor.core.snapshot import public_url, scrubbed
from monitor.edges.clock import utc_now
from monitor.errors import FetchError, RateLimited

log = logging.getLogger("monitor.fetch")
# Our own line per retry (country, URL, attempt, cause) replaces stamina's generic one.
stamina.instrumentation.set_on_retry_hooks([])

MAX_REDIRECTS = 5
MAX_REDIRECT_BODY = 65_536  # bytes of a redirect's body read before following it
MAX_RETRY_AFTER = 120.0  # seconds; a server asking for longer is treated as a failure


@dataclass(frozen=True)
class Download:
    url: str  # after redirects
    status: int
    content: bytes | None  # None for 304 Not Modified
    content_type: str | None
    etag: str | None
    last_modified: str | None
    attempts: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)  # only with raw=True

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Retryable(Exception):
    """A failure worth another try: 429 or 5xx (with the server's Retry-After, if any)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _causes(exc: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _permanent(exc: BaseException) -> str | None:
    """Why a retry cannot help (the name does not exist, the certificate is wrong)."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted ({cause.verify_message})"
        if isinstance(cause, socket.gaierror) and cause.errno in (
            socket.EAI_NONAME,
            getattr(socket, "EAI_NODATA", socket.EAI_NONAME),
        ):
            return "host name not found"
    return None


def _should_retry(exc: Exception) -> bool | float:
    if isinstance(exc, _Retryable):
        return exc.retry_after if exc.retry_after is not None else True
    if _permanent(exc):
        return False
    return isinstance(exc, httpx.TimeoutException | httpx.TransportError)


def _cause(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.TransportError):
        return _transport_cause(exc)
    return str(exc)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date (from ``now``)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


async def download(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    retries: int,
    etag: str | None = None,
    last_modified: str | None = None,
    wait_initial: float = 0.5,
    wait_max: float = 30.0,
    label: str = "",
    deadline: float | None = None,
    raw: bool = False,
    retry_429: bool = True,
) -> Download:
    """GET one URL; raises ``FetchError`` with the cause (status, timeout, size, redirect).

    Each retry is logged as one line naming ``label`` (the country), the URL, the attempt
    and the cause. ``deadline`` bounds the whole download, retries included: ``timeout``
    only bounds each wait for bytes, which a server sending one byte a second never hits.
    ``raw`` (web archives) returns any archived status with its headers instead of judging
    it; ``retry_429`` off lets the caller pace itself after a 429."""
    scope = asyncio.timeout(deadline)
    try:
        async with scope:
            return await _download(
                client,
                url,
                max_bytes,
                retries,
                etag,
                last_modified,
                wait_initial,
                wait_max,
                label,
                raw,
                retry_429,
            )
    except TimeoutError as exc:
        if not scope.expired():
            raise
        raise FetchError(
            f"{url}: download took longer than {deadline:g} s; stopped (limit fetch.deadline)"
        ) from exc


async def _download(
    client: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    retries: int,
    etag: str | None,
    last_modified: str | None,
    wait_initial: float,
    wait_max: float,
    label: str,
    raw: bool,
    retry_429: bool,
) -> Download:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    attempts = 0
    try:
        async for attempt in stamina.retry_context(
            on=_should_retry,
            attempts=retries + 1,
            timeout=None,
            wait_initial=wait_initial,
            wait_max=wait_max,
            wait_jitter=wait_initial,
        ):
            with attempt:
                attempts += 1
                try:
                    result = await _get_once(
                        client, url, headers, max_bytes, raw=raw, retry_429=retry_429
                    )
                except Exception as exc:
                    if attempts <= retries and _should_retry(exc) is not False:
                        log.info(
                            "%s: attempt %d of %d at %s failed (%s); retrying",
                            label or public_url(url),
                            attempts,
                            retries + 1,
                            public_url(url),
                            scrubbed(_cause(exc)),
                        )
                    raise
                return Download(**{**result.__dict__, "attempts": attempts})
    except _Retryable as exc:
        raise FetchError(f"{exc} ({_attempts(attempts)})") from exc
    except httpx.TimeoutException as exc:
        kind = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "reading from"
        raise FetchError(f"timed out {kind} {url} ({_attempts(attempts)})") from exc
    except httpx.TransportError as exc:
        why = _permanent(exc)
        if why:
            raise FetchError(f"{why} at {url} (not retried)") from exc
        raise FetchError(f"{_transport_cause(exc)} at {url} ({_attempts(attempts)})") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _attempts(n: int) -> str:
    return f"after {n} attempt{'s' if n != 1 else ''}"


def _transport_cause(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "connection broken mid-response"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL ({exc})"
    return f"{type(exc).__name__}: {exc}"


async def _get_once(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    max_bytes: int,
    *,
    raw: bool = False,
    retry_429: bool = True,
) -> Download:
    if httpx.URL(url).scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {url}")
    # An archived redirect is an answer (raw), not a way to go.
    follow = {"monitor.follow": not raw}
    request = client.build_request("GET", url, headers=headers, extensions=follow)
    try:
        response = await client.send(request, stream=True, follow_redirects=not raw)
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) from {url}") from exc
    try:
        return await _finish(response, str(response.url), max_bytes, raw, retry_429)
    finally:
        await response.aclose()


async def _finish(
    response: httpx.Response, url: str, max_bytes: int, raw: bool = False, retry_429: bool = True
) -> Download:
    status = response.status_code
    if status == 429 and not retry_429:
        await _drain(response)
        raise RateLimited(f"HTTP 429 Too Many Requests from {url}")
    if raw and status < 500 and status not in (200, 429):
        await _drain(response)  # an archived 404 or redirect: its status is the answer
        return Download(url, status, None, None, None, None, headers=_lower(response.headers))
    if status == 304:
        await _drain(response)  # an unread response costs the connection: read the nothing
        return Download(url, 304, None, None, None, None)
    if status == 429 or status >= 500:
        wait = retry_after_seconds(response.headers.get("retry-after"), utc_now())
        if wait is not None and wait > MAX_RETRY_AFTER:
            raise FetchError(f"HTTP {status} from {url}: server asks to wait {wait:.0f} s")
        raise _Retryable(f"HTTP {status} {response.reason_phrase} from {url}".strip(), wait)
    if status >= 400:
        raise FetchError(f"HTTP {status} {response.reason_phrase} from {url}")
    if status != 200:
        raise FetchError(f"unexpected HTTP {status} from {url}")
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url} is {int(declared)} bytes, more than the {max_bytes} allowed")
    body = bytearray()
    async for chunk in response.aiter_bytes():  # decoded: the cap also stops a zip bomb
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(f"{url} is more than the {max_bytes} bytes allowed; stopped reading")
    if declared and declared.isdigit() and response.num_bytes_downloaded < int(declared):
        raise httpx.RemoteProtocolError("body shorter than Content-Length")
    return Download(
        url,
        200,
        bytes(body),
        response.headers.get("content-type"),
        response.headers.get("etag"),
        response.headers.get("last-modified"),
        headers=_lower(response.headers) if raw else {},
    )


def create_tls_context() -> ssl.SSLContext:
    """Certificate verification on, with the usual CA bundle: shared by a run's clients
    (each client making its own would load the bundle once per client)."""
    import certifi

    cafile = os.environ.get("SSL_CERT_FILE") or certifi.where()
    context = ssl.create_default_context(cafile=cafile)  # CERT_REQUIRED, host names checked
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def _check_redirect(response: httpx.Response) -> None:
    """A redirect is followed to http and https only, and its body, which httpx reads
    before following it, is cut off past ``MAX_REDIRECT_BODY`` bytes (an archived redirect,
    not followed, is the answer as it is)."""
    if response.has_redirect_location and response.request.extensions.get("monitor.follow"):
        location = response.headers["location"]
        if response.request.url.join(location).scheme not in ("http", "https"):
            raise FetchError(
                f"redirect from {response.request.url} to {location} refused (not http/https)"
            )
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Capped(response.stream, str(response.request.url))


class _Capped(httpx.AsyncByteStream):
    """A redirect's body as the server sends it, until it passes ``MAX_REDIRECT_BODY``."""

    def __init__(self, stream: httpx.AsyncByteStream, url: str) -> None:
        self._stream, self._url = stream, url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self._stream:
            received += len(chunk)
            if received > MAX_REDIRECT_BODY:
                raise FetchError(
                    f"redirect from {self._url} has a body of more than {MAX_REDIRECT_BODY} "
                    "bytes; stopped reading"
                )
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


async def _drain(response: httpx.Response, limit: int = 65_536) -> None:
    """Read a short body so the connection can be reused; a long one is left unread."""
    received = 0
    async for chunk in response.aiter_raw():
        received += len(chunk)
        if received > limit:
            return


def make_client(
    *, timeout: float, user_agent: str, concurrency: int, tls: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """A client: TLS verified, redirects followed (http and https only, at most
    ``MAX_REDIRECTS``), a pool as wide as ``concurrency``."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        headers={"User-Agent": user_agent},
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        event_hooks={"response": [_check_redirect]},
        verify=tls if tls is not None else True,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    )


def _lower(headers: httpx.Headers) -> dict[str, str]:
    return {key.lower(): value for key, value in headers.items()}
