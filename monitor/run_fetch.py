"""One fetch run over every configured source: download → extract → parse → store.

The network part runs concurrently on one event loop (at most ``fetch.concurrency``
downloads at a time); extraction, parsing and the store's disk writes run one at a time on
a single worker thread, so downloads go on while a document is processed and pdfium (not
thread-safe) only ever runs on one thread. One source's failure never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from monitor.config import Config, SourceConfig
from monitor.countries import resolve
from monitor.errors import MonitorError
from monitor.extract import extract, sniff
from monitor.fetch import Download, download, make_client
from monitor.outcome import Outcome
from monitor.profile import parse
from monitor.store import Store

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


def select_sources(sources: Sequence[SourceConfig], wanted: Sequence[str]) -> list[SourceConfig]:
    """The configured sources a user named (slug, ISO code or name); all when none named."""
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
            raise MonitorError(f"{query}: not a configured source (configured: {names})")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def fetch_all(
    config: Config,
    store: Store,
    sources: Sequence[SourceConfig],
    *,
    now: Callable[[], datetime],
    on_done: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Fetch every source; results in the order of ``sources``."""
    with store.lock():
        store.remove_stale_temp_files()
    return asyncio.run(_fetch_all(config, store, sources, now, on_done))


async def _fetch_all(config, store, sources, now, on_done) -> list[FetchResult]:
    limit = asyncio.Semaphore(config.fetch.concurrency)
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-store")
    loop = asyncio.get_running_loop()
    client = make_client(
        timeout=config.fetch.timeout,
        user_agent=config.fetch.user_agent,
        concurrency=config.fetch.concurrency,
    )

    async def one(source: SourceConfig) -> FetchResult:
        slug = resolve(source.country).slug
        try:
            state = await loop.run_in_executor(worker, store.read_state, slug)
            have_snapshots = bool(await loop.run_in_executor(worker, store.refs, slug))
            async with limit:
                got = await download(
                    client,
                    source.url,
                    max_bytes=config.fetch.max_bytes,
                    retries=config.fetch.retries,
                    wait_initial=config.fetch.backoff,
                    # conditional only when the store still holds what the validators describe
                    etag=state.etag if have_snapshots and state.url == source.url else None,
                    last_modified=state.last_modified
                    if have_snapshots and state.url == source.url
                    else None,
                )
            result = await loop.run_in_executor(worker, _process, store, source, slug, got, now())
        except MonitorError as exc:
            result = FetchResult(source.country, slug, source.url, Outcome.ERROR, error=str(exc))
            await loop.run_in_executor(worker, _record_failure, store, result, now())
        except Exception as exc:  # one source's bug must not stop the others
            log.exception("%s: unexpected error", source.country)
            result = FetchResult(
                source.country, slug, source.url, Outcome.ERROR, error=f"internal error: {exc!r}"
            )
            await loop.run_in_executor(worker, _record_failure, store, result, now())
        if on_done:
            on_done(result)
        return result

    try:
        async with client:
            return list(await asyncio.gather(*(one(s) for s in sources)))
    finally:
        worker.shutdown(wait=True)


def _process(
    store: Store, source: SourceConfig, slug: str, got: Download, when: datetime
) -> FetchResult:
    """Extract, parse and store one download (worker thread); updates state.json."""
    stamp = when.isoformat(timespec="seconds")
    if got.not_modified:
        store.update_state(
            slug,
            url=source.url,
            last_check=stamp,
            last_success=stamp,
            consecutive_failures=0,
            failing_since=None,
            last_error=None,
        )
        return FetchResult(
            source.country, slug, source.url, Outcome.NOT_MODIFIED, attempts=got.attempts
        )
    assert got.content is not None
    filename = (
        PurePosixPath(urlsplit(got.url).path).name or PurePosixPath(urlsplit(source.url).path).name
    )
    profile = parse(
        extract(got.content, content_type=got.content_type, filename=filename),
        country=source.country,
    )
    kind = sniff(got.content, got.content_type, filename)
    saved = store.save(
        profile,
        got.content,
        kind=kind,
        content_type=(got.content_type or "application/octet-stream").split(";")[0].strip(),
        now=when,
        url=got.url,
    )
    store.update_state(
        saved.ref.slug,
        url=source.url,
        etag=got.etag,
        last_modified=got.last_modified,
        last_check=stamp,
        last_success=stamp,
        consecutive_failures=0,
        failing_since=None,
        last_error=None,
    )
    return FetchResult(
        source.country,
        saved.ref.slug,
        source.url,
        saved.outcome,
        saved.ref.name,
        attempts=got.attempts,
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
    except MonitorError as exc:
        log.warning("%s: could not record the failure: %s", result.country, exc)
