"""One fetch run over every configured source: download → extract → parse → store.

The network part runs concurrently on one event loop (at most ``fetch.concurrency``
downloads at a time); extraction, parsing and the store's disk writes run one at a time on
a single worker thread, so downloads go on while a document is processed and pdfium (not
thread-safe) only ever runs on one thread. One source's failure never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from monitor.config import Config, SourceConfig
from monitor.core.countries import resolve
from monitor.core.extract import sniff
from monitor.core.periods import Clock
from monitor.core.profile import Profile
from monitor.core.snapshot import Outcome
from monitor.edges.extraction import Bounds
from monitor.edges.fetch import Download, create_tls_context, download, make_client
from monitor.edges.store import Store
from monitor.errors import ConfigError, MonitorError
from monitor.pipeline.documents import bounds_of, document_to_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchResult:
    country: str
    slug: str
    url: str
    outcome: Outcome
    ref: str | None = None
    error: str | None = None
    attempts: int = 0


def sources_named(config: Config, wanted: Sequence[str]) -> list[SourceConfig]:
    """The configured sources a user named (slug, ISO code or name); all when none named.

    No sources at all is a ``ConfigError`` naming the config file."""
    sources = config.sources
    if not sources:
        where = config.path or "config.toml (none found)"
        raise ConfigError(f"{where}: no sources configured ([sources] countries or extra)")
    if not wanted:
        return list(sources)
    chosen = []
    for query in wanted:
        target = resolve(query)
        matches = [
            s
            for s in sources
            if resolve(s.country).slug == target.slug or s.country.lower() == query.lower()
        ]
        if not matches:
            names = ", ".join(s.country for s in sources) or "none"
            raise ConfigError(f"{query}: not a configured source (configured: {names})")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def fetch_all(
    config: Config,
    store: Store,
    sources: Sequence[SourceConfig],
    *,
    clock: Clock,
    on_done: Callable[[FetchResult], None] | None = None,
    stop: threading.Event | None = None,
) -> list[FetchResult]:
    """Fetch every source; results in the order of ``sources``. Setting ``stop`` (the
    daemon does, on SIGTERM) abandons the downloads under way: nothing partial is kept."""
    with store.lock():
        store.remove_stale_temp_files()
    # The event loop shares the GIL with the worker thread: switch often, so that answers
    # are read as they arrive instead of waiting out the worker's 5 ms default slices.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        return asyncio.run(_fetch_all(config, store, sources, clock, on_done, stop))
    finally:
        sys.setswitchinterval(interval)


async def _fetch_all(
    config: Config,
    store: Store,
    sources: Sequence[SourceConfig],
    clock: Clock,
    on_done: Callable[[FetchResult], None] | None,
    stop: threading.Event | None,
) -> list[FetchResult]:
    """``concurrency`` download workers, each with its own one-connection client (httpcore's
    shared pool scans every connection on every event, which costs more than the download
    at high concurrency); a worker hands each document to the processing thread and goes
    straight on to its next download."""
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-store")
    bounds = bounds_of(config)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[int, SourceConfig]] = asyncio.Queue()
    for index, source in enumerate(sources):
        queue.put_nowait((index, source))
    results: list[FetchResult | None] = [None] * len(sources)
    pending: list[asyncio.Future[None]] = []

    async def finish(
        index: int, source: SourceConfig, slug: str, got: Download | None, error: Exception | None
    ) -> None:
        try:
            if error is not None:
                raise error
            assert got is not None
            result = await loop.run_in_executor(
                worker, _process, store, source, slug, got, clock(), bounds
            )
        except MonitorError as exc:
            result = FetchResult(source.country, slug, source.url, Outcome.ERROR, error=str(exc))
        except Exception as exc:  # one source's bug must not stop the others
            log.exception("%s: unexpected error", source.country)
            message = f"internal error: {type(exc).__name__}: {exc}"
            result = FetchResult(source.country, slug, source.url, Outcome.ERROR, error=message)
        if result.error:
            await loop.run_in_executor(worker, _record_failure, store, result, clock())
        results[index] = result
        if on_done:
            on_done(result)

    tls = create_tls_context()  # loading the CA bundle costs ~25 ms: once per run
    # The processing thread holds the store lock for the whole run: every store write of
    # the run is then cheap, and another monitor process waits for the run to end.
    hold = contextlib.ExitStack()
    validators: list[tuple[str | None, str | None]] = []

    async def download_worker() -> None:
        client = make_client(
            timeout=config.fetch.timeout,
            user_agent=config.fetch.user_agent,
            concurrency=1,
            tls=tls,
        )
        async with client:
            while not queue.empty():
                index, source = queue.get_nowait()
                slug = resolve(source.country).slug
                etag, last_modified = validators[index]
                got, error = None, None
                try:
                    got = await download(
                        client,
                        source.url,
                        max_bytes=config.fetch.max_bytes,
                        retries=config.fetch.retries,
                        wait_initial=config.fetch.backoff,
                        etag=etag,
                        last_modified=last_modified,
                        label=source.country,
                        deadline=config.fetch.deadline,
                    )
                except Exception as exc:  # noqa: BLE001 - finish() records it for this source
                    error = exc
                pending.append(asyncio.ensure_future(finish(index, source, slug, got, error)))

    try:
        await loop.run_in_executor(worker, hold.enter_context, store.lock())
        validators += await loop.run_in_executor(
            worker,
            lambda: [_validators(store, resolve(s.country).slug, s.url) for s in sources],
        )
        workers = min(config.fetch.concurrency, len(sources))
        downloads: asyncio.Future[Any] = asyncio.gather(
            *(download_worker() for _ in range(workers))
        )
        watch: asyncio.Future[Any] | None = (
            asyncio.ensure_future(_until(stop)) if stop is not None else None
        )
        if watch is not None:  # a stop request cancels the downloads under way
            await asyncio.wait([downloads, watch], return_when=asyncio.FIRST_COMPLETED)
            if watch.done():
                downloads.cancel()
                log.info("fetch: stopping; downloads under way are abandoned")
            watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await downloads
        await asyncio.gather(*pending)
    finally:
        await loop.run_in_executor(worker, hold.close)
        worker.shutdown(wait=True)
    return [r for r in results if r is not None]


async def _until(event: threading.Event) -> None:
    while not event.is_set():
        await asyncio.sleep(0.1)


def _validators(store: Store, slug: str, url: str) -> tuple[str | None, str | None]:
    """ETag and Last-Modified for a conditional GET, only while the store still holds the
    snapshot they describe (a wiped store must fetch the document again)."""
    try:
        state = store.read_state(slug)
    except MonitorError:
        return None, None
    if state.url != url or not store.refs(slug):
        return None, None
    return state.etag, state.last_modified


def _process(
    store: Store, source: SourceConfig, slug: str, got: Download, when: datetime, bounds: Bounds
) -> FetchResult:
    """Extract, parse and store one download (worker thread); updates state.json."""
    stamp = when.isoformat(timespec="seconds")
    if got.not_modified:
        _succeeded(store, slug, source.url, stamp)
        return FetchResult(
            source.country, slug, source.url, Outcome.NOT_MODIFIED, attempts=got.attempts
        )
    assert got.content is not None
    filename = (
        PurePosixPath(urlsplit(got.url).path).name or PurePosixPath(urlsplit(source.url).path).name
    )
    profile = document_to_profile(
        got.content,
        content_type=got.content_type,
        filename=filename,
        country=source.country,
        bounds=bounds,
    )
    kind = sniff(got.content, got.content_type, filename)
    with store.lock():  # one acquisition for the snapshot and its state
        return _save_and_record(store, source, profile, kind, got, stamp, when)


def _save_and_record(
    store: Store,
    source: SourceConfig,
    profile: Profile,
    kind: str,
    got: Download,
    stamp: str,
    when: datetime,
) -> FetchResult:
    assert got.content is not None
    saved = store.save(
        profile,
        got.content,
        kind=kind,
        content_type=(got.content_type or "application/octet-stream").split(";")[0].strip(),
        now=when,
        url=got.url,
    )
    _succeeded(
        store,
        saved.ref.slug,
        source.url,
        stamp,
        country=profile.country,
        iso2=profile.iso2,
        iso3=profile.iso3,
        etag=got.etag,
        last_modified=got.last_modified,
    )
    return FetchResult(
        source.country,
        saved.ref.slug,
        source.url,
        saved.outcome,
        saved.ref.name,
        attempts=got.attempts,
    )


def _succeeded(store: Store, slug: str, url: str, stamp: str, **more: object) -> None:
    """A successful check ends any run of failures."""
    store.update_state(
        slug,
        url=url,
        last_check=stamp,
        last_success=stamp,
        consecutive_failures=0,
        failing_since=None,
        last_error=None,
        **more,
    )


def _record_failure(store: Store, result: FetchResult, when: datetime) -> None:
    """Count the failure in state.json; nothing stored before is touched."""
    stamp = when.isoformat(timespec="seconds")
    try:
        state = store.read_state(result.slug)
    except MonitorError:
        state = None
    failures = (state.consecutive_failures if state else 0) + 1
    since = (state.failing_since if state and state.failing_since else None) or stamp
    try:
        store.update_state(
            result.slug,
            url=result.url,
            last_check=stamp,
            consecutive_failures=failures,
            failing_since=since,
            last_error=result.error,
        )
    except (MonitorError, OSError) as exc:
        log.warning("%s: could not record the failure: %s", result.country, exc)
