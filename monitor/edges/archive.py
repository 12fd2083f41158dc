"""Web archives as a source of history: list a URL's captures and download each as archived.

Two kinds, chosen by ``[archive] kind``:

- ``wayback``: the Internet Archive's CDX API (``{url}/cdx/search/cdx``, JSON rows with a
  content digest, paged by resume key) and raw playback at ``{url}/web/<ts>id_/<original>``;
- ``memento``: any RFC 7089 archive (national archives, pywb), where ``{url}/timemap/link/
  <original>`` lists captures (no digests) and ``{url}/<ts>id_/<original>`` serves them.

Etiquette is the point of this module: the Internet Archive allows about 30 listing
requests a minute, answers 429 without Retry-After, and firewalls a client that keeps
asking within a minute of a 429. So every request waits its turn (a pace per minute for
listings and for downloads), a 429 means waiting ``wait_429`` seconds (at least a minute)
and slowing down, and a second 429 stops the run with ``ArchiveError``. Timeouts and 5xx are
retried with backoff by ``fetch.download``, which also caps sizes and verifies TLS.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urlsplit

import httpx

from monitor.config import ArchiveConfig
from monitor.edges.fetch import download
from monitor.errors import ArchiveBlocked, ArchiveError, FetchError, RateLimited

Sleep = Callable[[float], Awaitable[None]]
OnWait = Callable[[float, str], None]
_FIELDS = "timestamp,original,mimetype,statuscode,digest"
_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[\w*-]+\s*=\s*(?:"[^"]*"|[^;,]*))*)')
_PARAM = re.compile(r'([\w*-]+)\s*=\s*(?:"([^"]*)"|([^;,]*))')
_TIMESTAMP = re.compile(r"^\d{4,14}$")


@dataclass(frozen=True)
class Listed:
    """One capture an archive lists: when, of which spelling of the URL, and its digest."""

    timestamp: str
    original: str
    mimetype: str | None = None
    digest: str | None = None  # None in a Memento TimeMap


@dataclass(frozen=True)
class Playback:
    """What the archive served for a capture: the bytes, or why they are not a document."""

    url: str
    status: int
    content: bytes | None
    content_type: str | None
    skip: str | None = None  # an archived redirect or error, or no such capture


def canonical(url: str) -> str:
    """A URL as archives match it: no scheme, no ``www.``, no default port, host lower-case."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path or "/"
    return netloc + path + (f"?{parts.query}" if parts.query else "")


def _key(url: str) -> str:
    """Archives compare URLs without case (the Internet Archive's SURT keys are lower-case)."""
    return canonical(url).lower()


@dataclass
class Pacer:
    """At most ``per_minute`` requests a minute: each waits for its turn."""

    per_minute: float
    sleep: Sleep
    on_wait: OnWait | None = None
    monotonic: Callable[[], float] = time.monotonic
    _next: float = field(default=0.0, init=False)

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute

    async def turn(self, what: str) -> None:
        now = self.monotonic()
        delay = self._next - now
        if delay > 0:
            if self.on_wait:
                self.on_wait(delay, f"pacing {what}")
            await self.sleep(delay)
        self._next = max(now, self._next) + self.interval

    def slow_down(self) -> None:
        self.per_minute /= 2


class Archive:
    """A web archive, paced; ``kind`` decides how captures are listed and addressed."""

    def __init__(
        self,
        config: ArchiveConfig,
        client: httpx.AsyncClient,
        *,
        sleep: Sleep,
        on_wait: OnWait | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        max_bytes: int = 20_000_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config, self.client, self.sleep, self.on_wait = config, client, sleep, on_wait
        self.root = config.url.rstrip("/")
        self.retries, self.backoff, self.max_bytes = retries, backoff, max_bytes
        self.lists = Pacer(config.lists_per_minute, sleep, on_wait, monotonic)
        self.downloads = Pacer(config.downloads_per_minute, sleep, on_wait, monotonic)

    # -- requests ---------------------------------------------------------------------

    async def _get(self, url: str, pacer: Pacer, *, raw: bool, what: str, label: str) -> Playback:
        """One paced GET; a 429 waits ``wait_429`` seconds once, a second one stops the run."""
        for attempt in (1, 2):
            await pacer.turn(what)
            try:
                got = await download(
                    self.client,
                    url,
                    max_bytes=self.max_bytes,
                    retries=self.retries,
                    wait_initial=self.backoff,
                    label=label,
                    raw=raw,
                    retry_429=False,
                )
            except RateLimited as exc:
                if attempt == 2:
                    raise ArchiveBlocked(
                        f"{self.root} answered 429 Too Many Requests again after a "
                        f"{self.config.wait_429:g} s pause; stopped so as not to be blocked "
                        "(try again in an hour, with a lower [archive] pace)"
                    ) from exc
                for pace in (self.lists, self.downloads):
                    pace.slow_down()
                if self.on_wait:
                    self.on_wait(self.config.wait_429, "the archive answered 429")
                await self.sleep(self.config.wait_429)
                continue
            if got.status == 200:
                return Playback(got.url, 200, got.content, got.content_type)
            return Playback(got.url, got.status, None, None, _why_not(got.status, got.headers))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- listing ----------------------------------------------------------------------

    async def captures(
        self, url: str, *, since: str | None = None, until: str | None = None, label: str = ""
    ) -> list[Listed]:
        """Every capture of ``url`` (any scheme, ``www.``, ``:80``), oldest first.

        ``since``/``until`` are timestamp prefixes (``2015``, ``20150310``), inclusive.
        Raises ``ArchiveError`` when the archive cannot be listed."""
        if self.config.kind == "memento":
            found = await self._timemap(url, label)
            found = [c for c in found if within(c.timestamp, since, until)]
        else:
            found = await self._cdx(_query(url, since, until), label)
        wanted = _key(url)
        return sorted(
            (c for c in found if _key(c.original) == wanted),
            key=lambda c: c.timestamp,
        )

    async def captures_under(
        self,
        folder: str,
        urls: Sequence[str],
        *,
        since: str | None = None,
        until: str | None = None,
        label: str = "",
    ) -> dict[str, list[Listed]]:
        """Every capture of each of ``urls`` from one prefix listing of ``folder`` (resume
        keys followed): one query for a whole folder of profiles, where one per document
        would spend the archive's listing allowance ~200 times. Each URL's captures oldest
        first, as ``captures`` gives them. Raises ``ArchiveError`` as ``captures`` does."""
        found = await self._cdx(_query(folder, since, until, matchType="prefix"), label)
        keys = {_key(url): url for url in urls}
        out: dict[str, list[Listed]] = {url: [] for url in urls}
        for capture in found:
            url = keys.get(_key(capture.original))
            if url is not None:
                out[url].append(capture)
        return {url: sorted(rows, key=lambda c: c.timestamp) for url, rows in out.items()}

    async def folder(self, prefix: str, label: str = "discover") -> list[str]:
        """Every document URL the archive holds under ``prefix`` (one prefix query)."""
        if self.config.kind == "memento":
            raise ArchiveError(
                f'{self.root}: --discover needs a CDX API ([archive] kind = "wayback")'
            )
        params = {
            "url": canonical(prefix),
            "matchType": "prefix",
            "output": "json",
            "fl": _FIELDS,
            "filter": "statuscode:200",
            "collapse": "urlkey",
        }
        rows = await self._cdx(params, label)
        seen: dict[str, str] = {}
        for row in rows:
            seen.setdefault(canonical(row.original), row.original)
        return sorted(seen.values(), key=canonical)

    async def _cdx(self, params: dict[str, str], label: str) -> list[Listed]:
        """A CDX query, following resume keys until the last page."""
        out: list[Listed] = []
        resume: str | None = None
        for _ in range(1000):
            query = {**params, "showResumeKey": "true"}
            if resume:
                query["resumeKey"] = resume
            url = f"{self.root}/cdx/search/cdx?{urlencode(query)}"
            page = await self._listing(url, label)
            rows, resume = _cdx_rows(page, url)
            out += rows
            if not resume:
                return out
        raise ArchiveError(f"{self.root}: more than 1000 pages of captures; stopped")

    async def _timemap(self, url: str, label: str) -> list[Listed]:
        timemap = f"{self.root}/timemap/link/{url}"
        body = await self._listing(timemap, label, missing_is_empty=True)
        return _timemap_entries(body, url)

    async def _listing(self, url: str, label: str, missing_is_empty: bool = False) -> bytes:
        try:
            got = await self._get(url, self.lists, raw=True, what="listings", label=label)
        except ArchiveError:
            raise
        except FetchError as exc:
            raise ArchiveError(f"cannot list captures at {self.root}: {exc}") from exc
        if got.content is None:
            if missing_is_empty and got.status == 404:
                return b""  # a TimeMap of a URL the archive never captured
            raise ArchiveError(f"cannot list captures at {url}: {got.skip}")
        return got.content

    # -- captures ---------------------------------------------------------------------

    def capture_url(self, capture: Listed) -> str:
        """The raw capture, as archived (``id_``: no rewriting, no banner)."""
        base = self.root if self.config.kind == "memento" else f"{self.root}/web"
        return f"{base}/{capture.timestamp}id_/{capture.original}"

    async def fetch(self, capture: Listed, label: str = "") -> Playback:
        """The capture's bytes; an archived error or redirect comes back with ``skip`` set.
        Raises ``FetchError`` when the archive does not answer (after retries)."""
        return await self._get(
            self.capture_url(capture), self.downloads, raw=True, what="downloads", label=label
        )


def _why_not(status: int, headers: Mapping[str, str]) -> str:
    """Why a playback answer is not a document: archived, or the archive's own."""
    get = headers.get
    archived = get("memento-datetime") is not None
    location = get("location")
    if 300 <= status < 400:
        if archived:
            return f"archived redirect (HTTP {status}) to {location}"
        reason = get("x-archive-redirect-reason")
        return f"the archive has no capture at this time (redirects to {location}" + (
            f": {reason})" if reason else ")"
        )
    if archived:
        return f"archived HTTP {status} page"
    return f"the archive answered HTTP {status}"


def _query(url: str, since: str | None, until: str | None, **more: str) -> dict[str, str]:
    """A CDX query for the distinct (``collapse=digest``) 200 captures of ``url``."""
    params = {
        "url": canonical(url),
        **more,
        "output": "json",
        "fl": _FIELDS,
        "filter": "statuscode:200",
        "collapse": "digest",
    }
    if since:
        params["from"] = since
    if until:
        params["to"] = until
    return params


def under(url: str, folder: str) -> bool:
    """Whether ``url`` is in ``folder`` as archives match URLs (any scheme, ``www.``)."""
    return _key(url).startswith(_key(folder))


def within(timestamp: str, since: str | None, until: str | None) -> bool:
    """CDX-style ``from``/``to``: timestamp prefixes, both inclusive."""
    if since and timestamp < since:
        return False
    return not (until and timestamp[: len(until)] > until)


def _cdx_rows(body: bytes, url: str) -> tuple[list[Listed], str | None]:
    """CDX JSON: a header row, rows, then (when paged) an empty row and the resume key."""
    try:
        data = json.loads(body or b"[]")
    except ValueError as exc:
        raise ArchiveError(f"{url}: not CDX JSON ({exc})") from exc
    if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
        raise ArchiveError(f"{url}: not CDX JSON (expected a list of rows)")
    if not data:
        return [], None
    header, rows, resume = data[0], data[1:], None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume = str(rows[-1][0])
        rows = rows[:-2]
    missing = {"timestamp", "original"} - set(header)
    if missing:
        raise ArchiveError(f"{url}: CDX rows without {', '.join(sorted(missing))}")
    out = []
    for row in rows:
        if len(row) != len(header):
            continue
        values = dict(zip(header, row, strict=True))
        if str(values.get("statuscode", "200")) != "200":
            continue  # a revisit record ("-") or an archived error
        timestamp = str(values["timestamp"])
        if not _TIMESTAMP.match(timestamp):
            continue
        out.append(
            Listed(timestamp, str(values["original"]), values.get("mimetype"), values.get("digest"))
        )
    return out, resume


def _timemap_entries(body: bytes, url: str) -> list[Listed]:
    """RFC 7089 link format: ``<uri>; rel="memento"; datetime="…"`` entries."""
    text = body.decode("utf-8", "replace")
    original = url
    out = []
    for match in _LINK.finditer(text):
        params = {
            key.lower(): quoted if quoted is not None and quoted != "" else (bare or "").strip()
            for key, quoted, bare in _PARAM.findall(match.group(2))
        }
        rels = params.get("rel", "").split()
        if "original" in rels:
            original = match.group(1)
        if "memento" not in rels or "datetime" not in params:
            continue
        try:
            moment = parsedate_to_datetime(params["datetime"]).astimezone(UTC)
        except (TypeError, ValueError):
            continue
        out.append(Listed(moment.strftime("%Y%m%d%H%M%S"), url))
    return [Listed(c.timestamp, original) for c in out]
