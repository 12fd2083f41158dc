"""What the reports are made from, read incrementally: a country whose snapshot files are
as the last run left them comes from the report cache (its events rebuilt from the diff
cache) without reading a snapshot; any other country is read from the store and diffed.

A run with nothing new thus reads two cache files and the file names and sizes of the
store, instead of every snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.core.diff import Comparison, Side
from monitor.core.overview import (
    CountryNow,
    Mark,
    country_now,
    indicator_keys,
    marks_of,
    now_from_dict,
    now_to_dict,
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


def _entry(history: CountryHistory, now: CountryNow, marks: tuple[Mark, ...]) -> dict[str, Any]:
    return {
        "country": history.country,
        "snapshots": [
            {
                "ref": s.ref.name,
                "side": list(astuple(side(s))),
                "hash": s.content_sha256,
                "history": s.source.history,
            }
            for s in history.snapshots
        ],
        "unreadable": list(history.unreadable),
        "now": now_to_dict(now),
        "marks": [list(m) for m in marks],
        "feed": [
            [i.ref, i.seen_at.isoformat(), i.title, i.summary] for i in feed_items(history.events)
        ],
    }


Cached = tuple[CountryHistory, CountryNow, tuple[Mark, ...], tuple[FeedItem, ...]]


def _from_entry(
    slug: str, entry: Mapping[str, Any], diffs: diffcache.DiffCache, since: datetime | None
) -> Cached | None:
    """A country rebuilt from its cache entry (events from ``since`` on); None when the
    entry does not fit or a pair's diff is no longer cached (it is then read again)."""
    try:
        country = entry["country"]
        events, before = [], None
        for snap in entry["snapshots"]:
            if snap["history"]:  # its digests compare around history: read it again
                return None
            here = Side(*snap["side"])
            seen = datetime.fromisoformat(str(here.seen_at))
            if since is None or seen >= since:
                comparison = None
                if before is not None:
                    changes = diffs.lookup(before[1], snap["hash"])
                    if changes is None:
                        return None
                    comparison = Comparison(slug, country, before[0], here, changes)
                events.append(Event(slug, country, str(snap["ref"]), seen, comparison))
            elif before is not None and not diffs.keep(before[1], snap["hash"]):
                return None  # the pair's diff is gone: read the country again
            before = (here, str(snap["hash"]))
        marks = tuple((str(d), int(r), tuple(map(str, yes))) for d, r, yes in entry["marks"])
        now = now_from_dict(entry["now"])
        unreadable = tuple(map(str, entry["unreadable"]))
        feed = tuple(
            FeedItem(slug, str(ref), datetime.fromisoformat(seen), str(title), str(summary))
            for ref, seen, title, summary in entry["feed"]
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(country, str) or before is None:
        return None
    # no history among its snapshots: what digests tell is every event
    history = CountryHistory(slug, country, (), tuple(events), unreadable, tuple(events))
    return history, now, marks, feed


def gather(
    store: Store, reports: Path, *, page_dir: Path | None = None, since: datetime | None = None
) -> Gathered:
    """Every country, from the caches where nothing changed; both caches are written back.

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
        prints = reportcache.fingerprint([(ref, store.path(ref)) for ref in refs])
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
    cache.save()
    return Gathered(tuple(histories), nows, marks, tuple(feed), frozenset(reread), since)
