"""Time as the reports see it: ISO weeks, change events, and a period's digest, as data.

A change event is a stored snapshot together with its diff from the snapshot before it; it
belongs to the moment the monitor first saw it (``seen_at``), not to the profile's own
"last updated" date, so a revision published under an old date still shows up this week.

A version stored after a newer one (an old PDF imported by hand, a capture found in a web
archive) is history: country pages and the feed place it by its date, but a digest tells
what was news when it was seen, so it never announces history, and compares each version
with the one before it that was news.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from monitor.core.diff import Change, Comparison, Side, diff
from monitor.core.refs import parse_period
from monitor.core.snapshot import Snapshot

FIRST_YEAR, LAST_YEAR = 1900, 9998  # weeks a report can be about (room for week arithmetic)
Clock = Callable[[], datetime]
"""What a long-running job reads the time from; plain functions take ``now: datetime``."""


@dataclass(frozen=True)
class Period:
    """A reporting window: an ISO week (``2026-W47``) or everything since a date."""

    label: str
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def iso_week(label: str) -> Period:
    """``2026-W47`` (any case, as a person types it; ``core/refs`` reads the label) →
    Monday 00:00 UTC to the next Monday."""
    name = parse_period(label.strip().upper())
    try:
        if name is None or name.since is not None:
            raise ValueError(label)
        monday = date.fromisocalendar(name.year, name.week, 1)
    except ValueError as exc:
        raise ValueError(f"{label!r} is not an ISO week like 2026-W47") from exc
    if not FIRST_YEAR <= monday.year <= LAST_YEAR:
        raise ValueError(f"{label!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return Period(f"{name.year}-W{name.week:02d}", start, start + timedelta(days=7))


def week_of(moment: datetime) -> Period:
    year, week, _ = moment.isocalendar()
    return iso_week(f"{year}-W{week:02d}")


def since(day: date, now: datetime) -> Period:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{day} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Period(f"since-{day.isoformat()}", start, now)


def period_named(label: str, now: datetime) -> Period:
    """The period a report file or outbox entry is named after (``core/refs``:
    ``2026-W47``, ``since-2026-01-01``); a ``ValueError`` for any other label."""
    name = parse_period(label)
    if name is None:
        raise ValueError(f"{label!r} is not a period like 2026-W47 or since-2026-01-01")
    if name.since is not None:
        return since(date.fromisoformat(name.since), now)
    return iso_week(label)


def last_complete_week(now: datetime) -> Period:
    """The most recent ISO week that has ended: what the weekly report is about."""
    return week_of(now - timedelta(days=7))


@dataclass(frozen=True)
class Event:
    slug: str
    country: str
    ref: str
    seen_at: datetime
    comparison: Comparison | None  # None for the first snapshot of a country
    history: bool = False  # stored after a newer version: never news in a digest

    @property
    def first(self) -> bool:
        return self.comparison is None

    @property
    def without_new_date(self) -> bool:
        """Content changed under a date already stored: the publisher did not say so."""
        return ".r" in self.ref


@dataclass(frozen=True)
class Failure:
    slug: str
    country: str
    error: str
    since: str | None
    failures: int


@dataclass(frozen=True)
class CountryHistory:
    slug: str
    country: str
    snapshots: tuple[Snapshot, ...]
    events: tuple[Event, ...]  # each snapshot against the one before it by date
    unreadable: tuple[str, ...] = ()  # snapshot files that could not be read, with why
    news: tuple[Event, ...] = ()  # what digests tell: each non-history snapshot against the
    # non-history one before it (history inserted later never rewrites an old digest)


def side(snapshot: Snapshot) -> Side:
    updated = snapshot.profile.last_updated
    return Side(
        snapshot.ref.name,
        updated.isoformat() if updated else None,
        snapshot.source.shown,
        snapshot.source.seen_at,
    )


PairDiff = Callable[[Snapshot, Snapshot], tuple[Change, ...]]
"""The changes from one snapshot to the next; a caller may answer from a cache."""


def pair_diff(old: Snapshot, new: Snapshot) -> tuple[Change, ...]:
    return tuple(diff(old.profile, new.profile))


def history_of(
    slug: str,
    snapshots: Sequence[Snapshot],
    unreadable: Sequence[str] = (),
    changes_of: PairDiff = pair_diff,
) -> CountryHistory:
    """A country's snapshots (oldest first) and the events between consecutive ones."""
    country = snapshots[-1].profile.country if snapshots else slug

    def event(snap: Snapshot, before: Snapshot | None) -> Event:
        comparison = None
        if before is not None:
            comparison = Comparison(
                slug, country, side(before), side(snap), changes_of(before, snap)
            )
        return Event(
            slug, country, snap.ref.name, snap.source.seen_at, comparison, snap.source.history
        )

    events: list[Event] = []
    news: list[Event] = []
    last_news: Snapshot | None = None
    for index, snap in enumerate(snapshots):
        previous = snapshots[index - 1] if index else None
        events.append(event(snap, previous))
        if snap.source.history:
            continue
        news.append(events[-1] if last_news is previous else event(snap, last_news))
        last_news = snap
    return CountryHistory(
        slug, country, tuple(snapshots), tuple(events), tuple(unreadable), tuple(news)
    )


@dataclass(frozen=True)
class Digest:
    period: Period
    events: tuple[Event, ...]  # seen in the period, oldest first
    failures: tuple[Failure, ...]
    checked: tuple[str, ...]  # slugs checked in the period
    generated_at: datetime

    @property
    def changes(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.comparison is not None and e.comparison.changes)

    @property
    def first_seen(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.first)

    @property
    def changed_countries(self) -> list[str]:
        return sorted({e.slug for e in self.changes})

    @property
    def failed_countries(self) -> list[str]:
        return sorted({f.slug for f in self.failures})

    @property
    def unchanged_countries(self) -> list[str]:
        busy = set(self.changed_countries) | set(self.failed_countries)
        return sorted(set(self.checked) - busy)

    @property
    def without_new_date(self) -> tuple[Event, ...]:
        return tuple(e for e in self.changes if e.without_new_date)

    def by_country(self) -> list[tuple[str, list[Event]]]:
        countries: dict[str, list[Event]] = {}
        for event in self.changes:
            countries.setdefault(event.country, []).append(event)
        return sorted(countries.items())


def make_digest(
    period: Period,
    histories: Sequence[CountryHistory],
    failures: Sequence[Failure],
    checked: Sequence[str],
    generated_at: datetime,
) -> Digest:
    events = sorted(
        (e for h in histories for e in h.news if period.contains(e.seen_at)),
        key=lambda e: (e.seen_at, e.slug, e.ref),
    )
    checked_all = sorted(set(checked) | {e.slug for e in events})
    return Digest(period, tuple(events), tuple(failures), tuple(checked_all), generated_at)
