"""One fetch run over every configured source: download → read → parse → store.

Downloads run concurrently on one event loop (at most ``fetch.concurrency`` at a time).
Each document is read and parsed in the bounded reader's child process
(``edges/reading.AsyncReader``, started with the run, or with the first document when every
source has validators) while the loop goes on downloading;
what is ready is committed in batches (planned on the loop, written as one group commit in
a thread).
Every source's bookkeeping (validators, last check, failures) is written once, at the
end, so a run of 304s writes one small file, not one per source. One source's failure
never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from monitor.config import Config, SourceConfig
from monitor.core.countries import KnownCountries, identify
from monitor.core.snapshot import Outcome, SaveResult, public_url, scrubbed
from monitor.edges.fetch import Download, create_tls_context, download, make_client
from monitor.edges.files import write_all
from monitor.edges.reading import AsyncReader
from monitor.edges.state import CountryState
from monitor.edges.store import Incoming, Store
from monitor.errors import ConfigError, MonitorError, StoreError
from monitor.pipeline.downloads import read_download
from monitor.pipeline.stop import Stop

if TYPE_CHECKING:
    from monitor.core.periods import Clock

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
    """The configured sources a user named (``KnownCountries.find``: slug, ISO code, name
    or ITU spelling, any case); all when none named.

    No sources at all is a ``ConfigError`` naming the config file."""
    sources = config.sources
    if not sources:
        where = config.path or "config.toml (none found)"
        raise ConfigError(f"{where}: no sources configured ([sources] countries or extra)")
    if not wanted:
        return list(sources)
    known = KnownCountries.named(s.country for s in sources)
    chosen = []
    for query in wanted:
        found = known.find(query)
        matches = [
            s
            for s, c in zip(sources, known.countries, strict=True)
            if found and c.slug == found.slug
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
    stop: Stop | None = None,
) -> list[FetchResult]:
    """Fetch every source; results in the order of ``sources``. Setting ``stop`` (the
    daemon does, on SIGTERM) abandons the downloads under way: nothing partial is kept."""
    # The CA bundle is read in a thread (20 to 26 ms, with the GIL released) while the store
    # is locked and tidied and the run gets ready: on the way to the first request.
    with ThreadPoolExecutor(1) as pool:
        tls = pool.submit(create_tls_context)
        with store.lock():
            store.remove_stale_temp_files()
            return asyncio.run(_Run(config, store, sources, clock, on_done, tls).go(stop))


@dataclass
class _Ready:
    """A source's outcome on its way to the store: a document to save, or only
    bookkeeping (a 304, an error)."""

    index: int
    source: SourceConfig
    slug: str
    attempts: int = 0
    incoming: Incoming | None = None
    got: Download | None = None
    error: str | None = None


BATCH = 64  # documents per group commit at most


class _Run:
    def __init__(
        self,
        config: Config,
        store: Store,
        sources: Sequence[SourceConfig],
        clock: Clock,
        on_done: Callable[[FetchResult], None] | None,
        tls: Future[ssl.SSLContext],
    ) -> None:
        self.config, self.store, self.sources = config, store, list(sources)
        self.tls = tls
        self.clock, self.on_done = clock, on_done
        self.results: list[FetchResult | None] = [None] * len(self.sources)
        self.ready: asyncio.Queue[_Ready | None] = asyncio.Queue()
        self.parsing: list[asyncio.Future[None]] = []
        self.states: dict[str, CountryState] = {}
        self.stored: set[str] = set()

    async def go(self, stop: Stop | None) -> list[FetchResult]:
        queue: asyncio.Queue[tuple[int, SourceConfig]] = asyncio.Queue()
        for index, source in enumerate(self.sources):
            queue.put_nowait((index, source))
        # The caller holds the store lock for the whole run: another monitor process waits
        # for the run to end.
        self.states = self.store.read_states()
        self.stored = set(self.store.countries())
        committer = asyncio.ensure_future(self._commit_loop())
        # A source without validators will send a document: start the reader now, warm.
        # When every source has them, most answers are 304s: start it on the first document.
        cold = any(
            self._validators(identify(s.country).slug, s.url) == (None, None) for s in self.sources
        )
        async with AsyncReader(self.config.extract, warm=cold) as self.reader:
            await self._download_all(queue, stop)
            await asyncio.gather(*self.parsing)
        self.ready.put_nowait(None)
        await committer
        self._write_bookkeeping()  # this thread holds the lock; one small file
        return [r for r in self.results if r is not None]

    async def _download_all(
        self, queue: asyncio.Queue[tuple[int, SourceConfig]], stop: Stop | None
    ) -> None:
        tls = self.tls.result()  # one for the run's clients
        workers = min(self.config.fetch.concurrency, len(self.sources))
        downloads: asyncio.Future[Any] = asyncio.gather(
            *(self._download_worker(queue, tls) for _ in range(workers))
        )
        if stop is None:
            await downloads
            return
        loop = asyncio.get_running_loop()

        def abandon() -> None:  # a stop request abandons the downloads under way
            if not downloads.done():
                log.info("fetch: stopping; downloads under way are abandoned")
                downloads.cancel()

        def wake() -> None:  # in the thread that set ``stop``
            with contextlib.suppress(RuntimeError):  # the run ended meanwhile
                loop.call_soon_threadsafe(abandon)

        with stop.calling(wake), contextlib.suppress(asyncio.CancelledError):
            await downloads

    async def _download_worker(
        self, queue: asyncio.Queue[tuple[int, SourceConfig]], tls: ssl.SSLContext
    ) -> None:
        """One worker, one connection: httpcore's shared pool scans every connection on
        every event, which costs more than the download at high concurrency."""
        fetch = self.config.fetch
        client = make_client(
            timeout=fetch.timeout, user_agent=fetch.user_agent, concurrency=1, tls=tls
        )
        async with client:
            while not queue.empty():
                index, source = queue.get_nowait()
                slug = identify(source.country).slug
                etag, last_modified = self._validators(slug, source.url)
                try:
                    got = await download(
                        client,
                        source.url,
                        max_bytes=fetch.max_bytes,
                        retries=fetch.retries,
                        wait_initial=fetch.backoff,
                        etag=etag,
                        last_modified=last_modified,
                        label=source.country,
                        deadline=fetch.deadline,
                    )
                except MonitorError as exc:
                    self.ready.put_nowait(_Ready(index, source, slug, error=str(exc)))
                    continue
                except Exception as exc:  # one source's bug must not stop the others
                    log.exception("%s: unexpected error", source.country)
                    error = f"internal error: {type(exc).__name__}: {exc}"
                    self.ready.put_nowait(_Ready(index, source, slug, error=error))
                    continue
                if got.not_modified:
                    self.ready.put_nowait(_Ready(index, source, slug, got.attempts, got=got))
                else:
                    self.parsing.append(asyncio.ensure_future(self._parse(index, source, got)))

    def _validators(self, slug: str, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified for a conditional GET, only while the store still holds
        the snapshot they describe (a wiped store must fetch the document again). The
        bookkeeping holds the URL without credentials, as everything stored does."""
        state = self.states.get(slug)
        if state is None or state.url != public_url(url) or slug not in self.stored:
            return None, None  # a folder exists only once a snapshot was written into it
        return state.etag, state.last_modified

    async def _parse(self, index: int, source: SourceConfig, got: Download) -> None:
        slug = identify(source.country).slug
        try:
            incoming = await self._incoming(source, got)
            ready = _Ready(index, source, incoming.profile.slug, got.attempts, incoming, got)
        except MonitorError as exc:
            ready = _Ready(index, source, slug, got.attempts, error=str(exc))
        except Exception as exc:  # one document's bug must not stop the others
            log.exception("%s: unexpected error", source.country)
            error = f"internal error: {type(exc).__name__}: {exc}"
            ready = _Ready(index, source, slug, got.attempts, error=error)
        self.ready.put_nowait(ready)

    async def _incoming(self, source: SourceConfig, got: Download) -> Incoming:
        """Read and parse one download in the bounded reader's child."""
        assert got.content is not None
        filename = (
            PurePosixPath(urlsplit(got.url).path).name
            or PurePosixPath(urlsplit(source.url).path).name
        )
        return await read_download(
            self.reader,
            got.content,
            got.content_type,
            filename,
            country=source.country,
            now=self.clock(),
            url=got.url,
        )

    async def _commit_loop(self) -> None:
        """Commit what is ready, a batch at a time, until the end marker."""
        done = False
        while not done:
            batch: list[_Ready] = []
            item = await self.ready.get()
            while item is not None:
                batch.append(item)
                if len(batch) >= BATCH or self.ready.empty():
                    break
                item = self.ready.get_nowait()
            done = item is None
            if not batch:
                continue
            results = await self._commit(batch, self.clock())
            for ready, result in zip(batch, results, strict=True):
                self.results[ready.index] = result
                if self.on_done:
                    self.on_done(result)

    async def _commit(self, batch: list[_Ready], when: datetime) -> list[FetchResult]:
        """Save the batch's documents in one group commit: planned here (under the run's
        lock), written in a thread while the downloads go on; their bookkeeping is kept in
        memory and written once, at the end of the run."""
        planned = self.store.plan_batch([r.incoming for r in batch if r.incoming])
        outcomes = planned.results
        if planned.files:
            try:
                await asyncio.to_thread(write_all, planned.files, error=StoreError, mkdir=True)
            except StoreError as exc:
                outcomes = planned.failed(exc)
        saved = iter(outcomes)
        stamp = when.replace(microsecond=0)  # bookkeeping is kept to the second
        results = []
        for ready in batch:
            result = self._result(ready, next(saved) if ready.incoming else None)
            results.append(result)
            fields = self._bookkeeping(ready, result, stamp)
            previous = self.states.get(result.slug) or CountryState(result.slug)
            self.states[result.slug] = replace(previous, **fields)
        return results

    def _write_bookkeeping(self) -> None:
        """Every source's validators, last check and failures, in one write (under the
        run's lock). Lost in a crash, it costs one unconditional GET a source."""
        try:
            self.store.write_states(self.states)
        except (MonitorError, OSError) as exc:
            log.warning("fetch: could not write the bookkeeping: %s", exc)

    def _result(self, ready: _Ready, saved: SaveResult | StoreError | None) -> FetchResult:
        source, url = ready.source, public_url(ready.source.url) or ""
        if ready.error is not None or isinstance(saved, StoreError):
            error = scrubbed(ready.error if ready.error is not None else str(saved))
            return FetchResult(
                source.country, ready.slug, url, Outcome.ERROR, error=error,
                attempts=ready.attempts,
            )  # fmt: skip
        if saved is None:
            return FetchResult(
                source.country, ready.slug, url, Outcome.NOT_MODIFIED,
                attempts=ready.attempts,
            )  # fmt: skip
        return FetchResult(
            source.country, saved.ref.slug, url, saved.outcome, saved.ref.name,
            attempts=ready.attempts,
        )  # fmt: skip

    def _bookkeeping(self, ready: _Ready, result: FetchResult, stamp: datetime) -> dict[str, Any]:
        """A success ends any run of failures; a failure is counted, nothing stored before
        is touched."""
        if result.error:
            previous = self.states.get(result.slug) or CountryState(result.slug)
            return {
                "url": result.url,
                "last_check": stamp,
                "consecutive_failures": previous.consecutive_failures + 1,
                "failing_since": previous.failing_since or stamp,
                "last_error": result.error,
            }
        fields: dict[str, Any] = {
            "url": result.url,
            "last_check": stamp,
            "last_success": stamp,
            "consecutive_failures": 0,
            "failing_since": None,
            "last_error": None,
        }
        if ready.incoming is not None and ready.got is not None:
            profile = ready.incoming.profile
            fields |= {
                "country": profile.country,
                "iso2": profile.iso2,
                "iso3": profile.iso3,
                "etag": ready.got.etag,
                "last_modified": ready.got.last_modified,
            }
        return fields
