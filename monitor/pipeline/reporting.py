"""Writing the reports of a period and mailing the digest: the report stage of a cycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from monitor.config import Config
from monitor.core.periods import (
    CountryHistory,
    Digest,
    Period,
    make_digest,
    period_named,
    week_of,
)
from monitor.core.refs import parse_period
from monitor.core.summary import DigestSummary, summarise
from monitor.edges import state
from monitor.edges.files import remove_temp_files, write_all
from monitor.edges.store import Store
from monitor.errors import DeliveryError
from monitor.pipeline.gathering import Gathered, gather
from monitor.pipeline.history import all_histories, checked_in, failures
from monitor.pipeline.mapping import DEFAULT, world_of
from monitor.pipeline.notifying import chosen_feed
from monitor.render.feed import atom_feed
from monitor.render.html import (
    country_html,
    digest_email_html,
    digest_html,
    index_html,
    map_html,
    map_svg,
    overview_html,
)
from monitor.render.text import digest_text, headline, subject


@dataclass(frozen=True)
class ReportResult:
    digest: Digest
    path: Path
    written: int  # pages: the digest, index, overview, feeds and country pages
    summary: DigestSummary  # the digest's, made once for the page, the mail and the CLI
    emailed: tuple[str, ...] = ()  # periods whose email went out in this run
    email_error: str | None = None
    histories: tuple[CountryHistory, ...] = ()  # what the reports were made from
    gathered: Gathered | None = None  # the same, with each country's state now
    maps: int = 0  # map files (map*.html, map-*.svg) written beside the pages


def build_digest(
    store: Store,
    period: Period,
    now: datetime,
    histories: Sequence[CountryHistory] | None = None,
) -> tuple[Digest, list[CountryHistory]]:
    """The period's digest; ``histories`` (every snapshot read and diffed, the costly part)
    is read from the store unless the caller already has it."""
    found = list(histories) if histories is not None else all_histories(store)
    digest = make_digest(period, found, failures(store), checked_in(store, period), now)
    return digest, found


def _static_map_link(key: str, as_of: str | None) -> str:
    """The written map pages: one per indicator, as of the latest snapshots (the service's
    /map takes any date)."""
    return "map.html" if key == DEFAULT else f"map-{key}.html"


def _publish(files: Sequence[tuple[Path, str]]) -> None:
    """A report publishes as a whole: every file is written beside its place first (so a
    full disk fails before anything published changes), then each is renamed into place in
    the order given: country pages, the digest that links to them, the overview, then the
    feed and the index that link to the digest. No file ever links to one not yet there."""
    write_all([(p, text.encode()) for p, text in files], error=DeliveryError, mkdir=True)


def write_reports(
    config: Config,
    store: Store,
    period: Period,
    now: datetime,
    gathered: Gathered | None = None,
    since: datetime | None = None,
) -> ReportResult:
    """The period's digest, the overview, the index, the feed, and the page of every
    country read from the store in this run (the others' pages are as they were: nothing
    new), each atomically. Countries come from the report and diff caches where their
    snapshot files are unchanged (``pipeline/gathering.py``); ``since`` is the earliest
    moment whose events the caller will need (default: the period's start)."""
    root = config.storage.reports
    remove_temp_files(root)  # left by a run killed mid-write
    remove_temp_files(root / "countries")
    pages = root / "countries"
    needed = min(since or period.start, period.start)
    if config.notify:  # the subscriptions' feeds need every event of the feed's weeks
        needed = min(needed, week_of(now).start - timedelta(days=7 * config.reports.feed_weeks))
    found = gathered
    if found is None or not found.covers(needed):
        # a week more than needed: the daemon's next report (the week before) reuses it
        found = gather(store, root, page_dir=pages, since=needed - timedelta(days=7))
    digest, _ = build_digest(store, period, now, found.histories)
    summary = summarise(digest)
    path = root / f"{period.label}.html"
    files = [
        (pages / f"{history.slug}.html", country_html(history, now))
        for history in found.histories
        if history.slug in found.reread
    ]
    weeks = {p.stem for p in root.glob("*.html") if parse_period(p.stem)} | {period.label}
    base, weeks_kept = config.reports.base_url, config.reports.feed_weeks
    shapes = root / ".cache" / "shapes.json"
    world = world_of(found, cache=shapes)
    search = f"{base}search" if base else None
    keys = tuple(found.nows[next(iter(found.nows))].cells) if found.nows else (DEFAULT,)
    # the maps change only with a country's snapshots (they are what the index shows)
    maps: list[tuple[Path, str]] = []
    for key in keys if found.reread or not (root / "map.html").exists() else ():
        shown = world if key == world.key else world_of(found, key, cache=shapes)
        maps += [
            (root / f"map-{key}.svg", map_svg(shown)),
            (
                root / ("map.html" if key == DEFAULT else f"map-{key}.html"),
                map_html(shown, keys, now, _static_map_link, search, dated=False),
            ),
        ]
    files += [
        *maps,
        (path, digest_html(digest, summary)),
        (
            root / "overview.html",
            overview_html(list(found.nows.values()), found.marks, now, world=world),
        ),
        (root / "feed.atom", atom_feed(found.feed, base, now, weeks_kept)),
    ]
    for subscription in config.notify:  # names are checked to be safe file names
        where = f"feeds/{subscription.name}.atom"
        items = chosen_feed(found.histories, subscription)
        text = atom_feed(
            items, base or "../", now, weeks_kept, name=subscription.name, self_path=where
        )
        files.append((root / where, text))
    index = index_html(
        sorted(weeks),
        found.histories,
        found.nows,
        now,
        world=world,
        search_url=search,
        headline_text=" · ".join(headline(summary)),
    )
    files.append((root / "index.html", index))
    _publish(files)
    found.remember()
    return ReportResult(
        digest,
        path,
        len(files) - len(maps),
        summary,
        histories=found.histories,
        gathered=found,
        maps=len(maps),
    )


def _starts(labels: Sequence[str], now: datetime) -> list[datetime]:
    """Where the owed periods begin (a label that names no period is left to fail later)."""
    starts = []
    for label in labels:
        try:
            starts.append(period_named(label, now).start)
        except ValueError:
            continue
    return starts


def should_mail(config: Config, digest: Digest) -> bool:
    """``email.when = "changes"`` mails when something changed or failed; "always" always."""
    return config.email.when == "always" or bool(digest.changes or digest.failures)


def report(
    config: Config,
    store: Store,
    period: Period,
    *,
    now: datetime,
    email: bool,
    gathered: Gathered | None = None,
) -> ReportResult:
    """Write the reports; then, if asked, mail this digest and any earlier one still owed.

    A mail failure never loses anything: the files are written first, and the period goes
    to the outbox to be sent on the next run.
    """
    reports = config.storage.reports
    owed = [w for w in state.outbox(reports).read() if w != period.label] if email else []
    since = min([period.start, *_starts(owed, now)])
    result = write_reports(config, store, period, now, gathered, since)
    if not email:
        return result
    sent: list[str] = []
    try:
        for label in owed:
            old, _ = build_digest(store, period_named(label, now), now, result.histories)
            _mail(config, old, summarise(old))
            state.paid(reports, label)
            sent.append(label)
        if should_mail(config, result.digest):
            _mail(config, result.digest, result.summary)
            sent.append(period.label)
        state.paid(reports, period.label)
    except DeliveryError as exc:
        if should_mail(config, result.digest):
            state.owe(reports, period.label)
        return replace(result, emailed=tuple(sent), email_error=str(exc))
    return replace(result, emailed=tuple(sent))


def _mail(config: Config, digest: Digest, summary: DigestSummary) -> None:
    from monitor.edges.mail import build_email, send_email

    base = config.reports.base_url
    message = build_email(
        subject(digest),
        digest_text(digest, summary, base),
        digest_email_html(digest, summary, base),
        config.email.sender,
        config.email.to,
    )
    send_email(message, config.email)
