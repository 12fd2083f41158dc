"""What the reports are made from, read incrementally: a country whose snapshot files are
as the last run left them comes from the report cache (its events rebuilt from the diff
cache) without reading a snapshot; any other country is read from the store and diffed.

A run with nothing new thus reads two cache files and the store's file identities (``stat``,
not the bytes: about 6x cheaper than hashing each file, measured on 1,000 snapshots),
instead of every snapshot. Cache entries are dataclasses here, written with
``jsonform.builtins`` and checked back with ``jsonform.convert``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.core.diff import Comparison, Side
from monitor.core.jsonform import Malformed, builtins, convert
from monitor.core.overview import (
    CountryNow,
    Mark,
    country_now,
    in_reading_order,
    indicator_keys,
    marks_of,
)
from monitor.core.periods import CountryHistory, Event, side
from monitor.edges import diffcache, reportcache
from monitor.edges.store import Store
from monitor.pipeline.history import country_history
from monitor.render.feed import FeedItem, feed_items


@dataclass(frozen=True)
class Gathered:
    """What the reports need of every country: its events, its state now, its timeline
    marks and its feed entries.

    A country read from the store in this run (named in ``reread``: its page must be
    written again) has its snapshots and every event; a country from the cache has no
    snapshots, and only the events seen at or after ``since`` (None: every event).
    """

    histories: tuple[CountryHistory, ...]
    nows: Mapping[str, CountryNow]
    marks: Mapping[str, tuple[Mark, ...]]
    feed: tuple[FeedItem, ...]
    reread: frozenset[str]
    since: datetime | None = None
    # writes the report cache back: only once the pages it vouches for are published
    remember: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)

    def covers(self, moment: datetime | None) -> bool:
        """Whether every event seen from ``moment`` on is here."""
        return self.since is None or (moment is not None and self.since <= moment)


def from_histories(histories: tuple[CountryHistory, ...]) -> Gathered:
    """From histories read in full (every page is written)."""
    present = [h for h in histories if h.snapshots]
    keys = indicator_keys(present)
    return Gathered(
        histories,
        {h.slug: country_now(h, keys) for h in present},
        {h.slug: marks_of(h, keys) for h in present},
        tuple(item for h in histories for item in feed_items(h.events)),
        frozenset(h.slug for h in histories),
    )


@dataclass(frozen=True)
class _Snapshot:
    """What the cache keeps of a snapshot: its side of a comparison and its content."""

    ref: str
    side: Side
    hash: str
    history: bool  # stored after a newer version


@dataclass(frozen=True)
class _Entry:
    """What the report cache keeps of a country (beside its files' fingerprint)."""

    country: str
    snapshots: tuple[_Snapshot, ...]
    unreadable: tuple[str, ...]
    now: CountryNow
    marks: tuple[Mark, ...]
    feed: tuple[FeedItem, ...]


def _entry(history: CountryHistory, now: CountryNow, marks: tuple[Mark, ...]) -> dict[str, Any]:
    snapshots = tuple(
        _Snapshot(s.ref.name, side(s), s.content_sha256, s.source.history)
        for s in history.snapshots
    )
    feed = tuple(feed_items(history.events))
    entry = _Entry(history.country, snapshots, history.unreadable, now, marks, feed)
    return builtins(entry)


Cached = tuple[CountryHistory, CountryNow, tuple[Mark, ...], tuple[FeedItem, ...]]


def _from_entry(
    slug: str, data: Mapping[str, Any], diffs: diffcache.DiffCache, since: datetime | None
) -> Cached | None:
    """A country rebuilt from its cache entry (events from ``since`` on); None when the
    entry does not fit or a pair's diff is no longer cached (it is then read again)."""
    try:
        entry = convert(data, _Entry)
    except Malformed:
        return None
    events, before = [], None
    for snap in entry.snapshots:
        if snap.history:  # its digests compare around history: read it again
            return None
        seen = snap.side.seen_at
        if seen is None:
            return None
        if since is None or seen >= since:
            comparison = None
            if before is not None:
                changes = diffs.lookup(before.hash, snap.hash)
                if changes is None:
                    return None
                comparison = Comparison(slug, entry.country, before.side, snap.side, changes)
            events.append(Event(slug, entry.country, snap.ref, seen, comparison))
        elif before is not None and not diffs.keep(before.hash, snap.hash):
            return None  # the pair's diff is gone: read the country again
        before = snap
    if before is None:
        return None
    # no history among its snapshots: what digests tell is every event
    history = CountryHistory(
        slug, entry.country, (), tuple(events), entry.unreadable, tuple(events)
    )
    return history, in_reading_order(entry.now), entry.marks, entry.feed


def gather(
    store: Store, reports: Path, *, page_dir: Path | None = None, since: datetime | None = None
) -> Gathered:
    """Every country, from the caches where nothing changed; the diff cache is written
    back, the report cache by ``remember`` once the pages are published (a report that
    fails must not leave a cache that says its pages are up to date).

    A country whose page is missing from ``page_dir`` is read again, so its page can be
    written. Cached countries bring only the events seen from ``since`` on."""
    diffs = diffcache.DiffCache(diffcache.cache_path(store.root))
    cache = reportcache.ReportCache(reportcache.cache_path(reports))
    histories, nows, marks, reread = [], {}, {}, set()
    feed: list[FeedItem] = []
    for slug in store.countries():
        refs = store.refs(slug)
        if not refs:
            continue
        prints = reportcache.fingerprint(store, refs)
        entry = cache.get(slug, prints)
        page_missing = page_dir is not None and not (page_dir / f"{slug}.html").exists()
        found = None
        if entry is not None and not page_missing:
            found = _from_entry(slug, entry, diffs, since)
        if entry is not None and found is not None:
            history, now, marked, items = found
            feed += items
            cache.keep(slug, entry)
        else:
            history = country_history(store, slug, diffs.diff)
            reread.add(slug)
            if not history.snapshots:
                histories.append(history)
                continue
            now = country_now(history, indicator_keys([history]))
            marked = marks_of(history, tuple(now.cells))
            feed += feed_items(history.events)
            cache.keep(slug, {"fingerprint": prints, **_entry(history, now, marked)})
        histories.append(history)
        nows[slug], marks[slug] = now, marked
    diffs.save()
    return Gathered(
        tuple(histories), nows, marks, tuple(feed), frozenset(reread), since, cache.save
    )
