"""Backfill: rebuild each source's past from a web archive, oldest capture first.

For each source: list the archive's captures of its URL, download each one not seen
before, and save it through the normal extract → parse → store path, dated by the capture
(``seen_at`` is when the archive first shows it). What was processed (stored, unchanged or
skipped) is remembered per country in ``<slug>/archive.json``, so a second run lists only
what is newer and downloads nothing it has seen; a duplicate digest is never downloaded.
A bad capture (an error page archived at a PDF's URL, a truncated PDF, not a profile) is
skipped with its reason, never fatal; an archive that cannot be listed fails that source,
and one that keeps answering 429 stops the run.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

import msgspec

from monitor.config import Config, SourceConfig
from monitor.core.countries import KnownCountries, identify
from monitor.core.jsonform import Malformed, convert
from monitor.core.periods import Clock
from monitor.core.snapshot import Capture, Outcome, capture_moment, implausible
from monitor.edges.archive import Archive, Listed, canonical, under, within
from monitor.edges.fetch import create_tls_context, make_client
from monitor.edges.reading import AsyncReader
from monitor.edges.state import Ledger
from monitor.edges.store import Store
from monitor.errors import ArchiveBlocked, ArchiveError, FetchError, MonitorError
from monitor.pipeline.downloads import read_download

ITU_TEMPLATE = "https://www.itu.int/en/ITU-D/Cybersecurity/Documents/Country_Profiles/{name}.pdf"
_DOCUMENTS = (".pdf", ".html", ".htm", ".txt")


# -- what was processed, per country -----------------------------------------------------


@dataclass(frozen=True)
class Processed:
    """One capture already handled: never downloaded again."""

    timestamp: Annotated[str, msgspec.Meta(pattern=r"^[0-9]+$")]
    original: str
    outcome: Annotated[str, msgspec.Meta(pattern="^(new|revised|unchanged|skipped)$")]
    digest: str | None = None
    ref: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ArchiveLog:
    complete_until: str | None = None  # every capture up to this one has been handled
    captures: tuple[Processed, ...] = ()


@dataclass(frozen=True)
class _StoredLog:
    complete_until: str | None = None
    captures: list[Any] = field(default_factory=list)  # each entry checked alone


@dataclass(frozen=True)
class _ArchiveFile:
    archives: dict[str, _StoredLog] = field(default_factory=dict)


def _load_log(data: Any) -> tuple[dict[str, ArchiveLog], str | None]:
    out, dropped = {}, 0
    for root, entry in convert(data, _ArchiveFile).archives.items():
        kept = []
        for item in entry.captures:
            try:
                kept.append(convert(item, Processed))
            except Malformed:
                dropped += 1
        out[root] = ArchiveLog(entry.complete_until, tuple(kept))
    return out, (f"{dropped} malformed capture entries dropped" if dropped else None)


def _dump_log(log: dict[str, ArchiveLog]) -> dict[str, Any]:
    return {
        "archives": {
            root: {
                "complete_until": entry.complete_until,
                "captures": [
                    {k: v for k, v in c.__dict__.items() if v is not None} for c in entry.captures
                ],
            }
            for root, entry in sorted(log.items())
        }
    }


def archive_log(store: Store, slug: str) -> Ledger[dict[str, ArchiveLog]]:
    """``<slug>/archive.json``: the captures handled, per archive."""
    return Ledger(store.country_dir(slug) / "archive.json", _load_log, _dump_log, dict)


# -- the run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """Progress for the CLI: ``listed``, ``downloaded``, ``stored``, ``unchanged``,
    ``skipped``, ``failed`` or ``waiting``."""

    kind: str
    country: str = ""
    timestamp: str | None = None
    message: str = ""
    count: int = 0
    seconds: float = 0.0


@dataclass
class BackfillResult:
    country: str
    slug: str
    url: str
    listed: int = 0  # captures the archive lists in the range
    known: int = 0  # already handled, or a digest already seen: not downloaded
    downloaded: int = 0
    stored: list[str] = field(default_factory=list)  # refs of new versions and revisions
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0  # captures the archive did not serve (tried again next run)
    error: str | None = None  # the source could not be listed


Sleep = Callable[[float], Awaitable[None]]


def backfill(
    config: Config,
    store: Store,
    sources: Sequence[SourceConfig],
    *,
    clock: Clock,
    since: str | None = None,
    until: str | None = None,
    on_step: Callable[[Step], None] | None = None,
    sleep: Sleep = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> list[BackfillResult]:
    """Backfill every source; ``since``/``until`` are timestamp prefixes (``2015``,
    ``20150310``). Raises ``ArchiveBlocked`` when the archive stops the run (429 again).
    ``sleep`` and ``monotonic`` pace the requests (tests pass a clock that only pretends)."""
    pace = (sleep, monotonic)
    return asyncio.run(_backfill(config, store, sources, clock, since, until, on_step, pace))


async def _backfill(
    config: Config,
    store: Store,
    sources: Sequence[SourceConfig],
    clock: Clock,
    since: str | None,
    until: str | None,
    on_step: Callable[[Step], None] | None,
    pace: tuple[Sleep, Callable[[], float]],
) -> list[BackfillResult]:
    def step(item: Step) -> None:
        if on_step:
            on_step(item)

    results = []
    async with _client(config) as client, AsyncReader(config.extract) as reader:
        archive = _archive(config, client, pace, step)
        shared = await _listed_together(archive, store, config, sources, since, until)
        for source in sources:
            result = BackfillResult(source.country, identify(source.country).slug, source.url)
            results.append(result)
            listed = shared.get(source.url)
            try:
                await _one(
                    archive, store, source, result, clock, since, until, step, reader, listed,
                )  # fmt: skip
            except ArchiveBlocked:
                raise  # asking again, even for the next source, would get us firewalled
            except ArchiveError as exc:
                result.error = str(exc)
                step(Step("failed", source.country, message=str(exc)))
    return results


def _client(config: Config) -> Any:
    return make_client(
        timeout=config.archive.timeout,
        user_agent=config.fetch.user_agent,
        concurrency=1,
        tls=create_tls_context(),
    )


def _archive(
    config: Config,
    client: Any,
    pace: tuple[Sleep, Callable[[], float]],
    step: Callable[[Step], None],
) -> Archive:
    return Archive(
        config.archive,
        client,
        sleep=pace[0],
        monotonic=pace[1],
        on_wait=lambda seconds, why: step(Step("waiting", message=why, seconds=seconds)),
        retries=config.fetch.retries,
        backoff=config.fetch.backoff,
        max_bytes=config.fetch.max_bytes,
    )


def _start(entry: ArchiveLog, since: str | None) -> str | None:
    """Only what is newer than the last complete run, unless --from asks for a later start."""
    return max(filter(None, (since, entry.complete_until)), default=None)


async def _listed_together(
    archive: Archive,
    store: Store,
    config: Config,
    sources: Sequence[SourceConfig],
    since: str | None,
    until: str | None,
) -> dict[str, list[Listed] | ArchiveError]:
    """The captures of every source under the folder of ``url_template``, from one prefix
    listing (from the earliest start any of them needs); the others are listed one by one.
    A TimeMap (``kind = "memento"``) lists one URL only, so there each source is listed."""
    template = config.url_template
    if config.archive.kind != "wayback" or not template:
        return {}
    folder = template[: template.rindex("/") + 1]
    together = [s for s in sources if under(s.url, folder)]
    if len(together) < 2:
        return {}
    starts = [
        _start(
            archive_log(store, identify(s.country).slug).read().get(archive.root, ArchiveLog()),
            since,
        )
        for s in together
    ]
    start = None if None in starts else min(s for s in starts if s)
    urls = [s.url for s in together]
    try:
        found = await archive.captures_under(folder, urls, since=start, until=until)
    except ArchiveBlocked:
        raise
    except ArchiveError as exc:
        return dict.fromkeys(urls, exc)
    return dict(found)


async def _one(
    archive: Archive,
    store: Store,
    source: SourceConfig,
    result: BackfillResult,
    clock: Clock,
    since: str | None,
    until: str | None,
    step: Callable[[Step], None],
    reader: AsyncReader,
    listed: list[Listed] | ArchiveError | None = None,
) -> None:
    ledger = archive_log(store, result.slug)
    entry = ledger.read().get(archive.root, ArchiveLog())
    start = _start(entry, since)
    contiguous = not since or bool(entry.complete_until and since <= entry.complete_until)
    if isinstance(listed, ArchiveError):
        raise listed
    if listed is None:
        label = source.country
        captures = await archive.captures(source.url, since=start, until=until, label=label)
    else:  # from the folder's listing, which may start earlier than this source needs
        captures = [c for c in listed if within(c.timestamp, start, until)]
    result.listed = len(captures)
    step(Step("listed", source.country, count=len(captures)))
    handled = {(c.timestamp, canonical(c.original)) for c in entry.captures}
    digests = {c.digest for c in entry.captures if c.digest}
    reached = entry.complete_until
    for capture in captures:
        if (capture.timestamp, canonical(capture.original)) in handled or (
            capture.digest and capture.digest in digests
        ):
            result.known += 1
        else:
            done = await _capture(archive, store, source, capture, result, clock, step, reader)
            if done is None:
                contiguous = False  # not served: try it again next run
                continue
            handled.add((capture.timestamp, canonical(capture.original)))
            if capture.digest:
                digests.add(capture.digest)
            _remember(ledger, archive.root, done)
        if contiguous:
            reached = max(filter(None, (reached, capture.timestamp)))
    if contiguous and reached != entry.complete_until:
        ledger.update(
            lambda log: {
                **log,
                archive.root: replace(log.get(archive.root, ArchiveLog()), complete_until=reached),
            }
        )


def _remember(ledger: Ledger[dict[str, ArchiveLog]], root: str, done: Processed) -> None:
    def change(log: dict[str, ArchiveLog]) -> dict[str, ArchiveLog]:
        entry = log.get(root, ArchiveLog())
        return {**log, root: replace(entry, captures=(*entry.captures, done))}

    ledger.update(change)


async def _capture(
    archive: Archive,
    store: Store,
    source: SourceConfig,
    capture: Listed,
    result: BackfillResult,
    clock: Clock,
    step: Callable[[Step], None],
    reader: AsyncReader,
) -> Processed | None:
    """Download, parse and store one capture; None when the archive did not serve it.
    The capture is read as a fetched document is (``edges/reading``, within ``[extract]``)."""

    def skipped(reason: str) -> Processed:
        result.skipped += 1
        step(Step("skipped", source.country, capture.timestamp, reason))
        return Processed(
            capture.timestamp, capture.original, "skipped", capture.digest, None, reason
        )

    moment = capture_moment(capture.timestamp)
    if moment is None:
        return skipped(f"timestamp {capture.timestamp!r} is not a real moment (YYYYMMDDhhmmss)")
    if why := implausible(moment, clock()):
        return skipped(f"timestamp {capture.timestamp}: {why}")
    try:
        got = await archive.fetch(capture, label=source.country)
    except ArchiveError:
        raise
    except FetchError as exc:
        result.failed += 1
        step(Step("failed", source.country, capture.timestamp, str(exc)))
        return None
    if got.content is None:
        return skipped(got.skip or "no content")
    result.downloaded += 1
    step(Step("downloaded", source.country, capture.timestamp))
    filename = PurePosixPath(urlsplit(capture.original).path).name
    try:
        incoming = await read_download(
            reader,
            got.content,
            got.content_type,
            filename,
            country=source.country,
            now=clock(),
            url=capture.original,
            capture=Capture(capture.timestamp, archive.capture_url(capture)),
        )
        profile = incoming.profile
        saved = store.save_one(incoming)
        if saved.outcome is not Outcome.UNCHANGED:
            store.update_state(
                saved.ref.slug, country=profile.country, iso2=profile.iso2, iso3=profile.iso3
            )
    except MonitorError as exc:
        return skipped(str(exc))
    if saved.outcome is Outcome.UNCHANGED:
        result.unchanged += 1
    else:
        result.stored.append(saved.ref.name)
    what = f"{saved.outcome.label} {saved.ref.slug} {saved.ref.name}"
    kind_of_step = "unchanged" if saved.outcome is Outcome.UNCHANGED else "stored"
    step(Step(kind_of_step, source.country, capture.timestamp, what))
    return Processed(
        capture.timestamp, capture.original, saved.outcome.value, capture.digest, saved.ref.name
    )


# -- discovering every profile the archive holds --------------------------------------------


@dataclass(frozen=True)
class Discovery:
    folder: str
    found: tuple[SourceConfig, ...]  # new sources, one per country
    configured: tuple[str, ...]  # countries found that are already configured
    unmatched: tuple[str, ...]  # document URLs no country name could be read from


def discover(
    config: Config,
    template: str,
    *,
    on_step: Callable[[Step], None] | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Discovery:
    """Every document the archive holds under the template's folder, mapped to countries."""
    folder = template[: template.rindex("/") + 1]

    async def run() -> list[str]:
        async with _client(config) as client:
            pace = (sleep, time.monotonic)
            archive = _archive(config, client, pace, on_step or (lambda _step: None))
            return await archive.folder(folder)

    urls = asyncio.run(run())
    return map_documents(config, folder, urls)


def map_documents(config: Config, folder: str, urls: Sequence[str]) -> Discovery:
    """File names → countries (``Saudi_Arabia.pdf`` → Saudi Arabia); URLs rebuilt on the
    folder's own scheme and host."""
    configured = KnownCountries.named(s.country for s in config.sources)
    found: dict[str, SourceConfig] = {}
    already, unmatched = set(), []
    for url in urls:
        name = PurePosixPath(urlsplit(url).path).name
        if not name.lower().endswith(_DOCUMENTS):
            continue
        country = identify(_file_country(name))
        if country.iso2 is None:
            unmatched.append(url)
        elif configured.find(country.iso2) is not None:
            already.add(country.name)
        else:
            found.setdefault(country.slug, SourceConfig(country.name, folder + name))
    return Discovery(
        folder,
        tuple(sorted(found.values(), key=lambda s: s.country)),
        tuple(sorted(already)),
        tuple(unmatched),
    )


def _file_country(name: str) -> str:
    """``Saudi_Arabia.pdf`` → ``Saudi Arabia``; ``Congo(DRC).pdf`` → ``Congo DRC``."""
    stem = unquote(PurePosixPath(name).stem)
    return " ".join(re.sub(r"[_()]", " ", stem).split())


def source_lines(found: Sequence[SourceConfig]) -> str:
    """TOML to append to config.toml: one ``[[sources.extra]]`` table per country."""
    return "".join(
        f"\n[[sources.extra]]\ncountry = {_toml(s.country)}\nurl = {_toml(s.url)}\n" for s in found
    )


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def add_sources(path: Path, found: Sequence[SourceConfig]) -> None:
    """Append the sources to the config file, atomically, after checking the result loads."""
    import tomllib

    from monitor.config import parse_config
    from monitor.edges.files import write_atomic
    from monitor.errors import ConfigError

    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    after = before + ("" if before.endswith("\n") or not before else "\n") + source_lines(found)
    try:
        parse_config(tomllib.loads(after), path)
    except (tomllib.TOMLDecodeError, ConfigError) as exc:
        raise ConfigError(f"{path}: cannot add the sources ({exc})") from exc
    write_atomic(path, after.encode(), error=ConfigError)
