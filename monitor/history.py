"""Change events from the store: what the weekly digest, country pages and feed are made of.

A change event is a stored snapshot together with its diff from the snapshot before it; it
belongs to the moment the monitor first saw it (``seen_at``), not to the profile's own
"last updated" date, so a revision published under an old date still shows up this week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from monitor.diff import Comparison, Side, compare
from monitor.errors import StoreError
from monitor.store import Snapshot, Store


@dataclass(frozen=True)
class Event:
    slug: str
    country: str
    ref: str
    seen_at: datetime
    comparison: Comparison | None  # None for the first snapshot of a country

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
    events: tuple[Event, ...]
    unreadable: tuple[str, ...] = ()  # snapshot files that could not be read, with why


@dataclass(frozen=True)
class Period:
    """A reporting window: an ISO week (``2026-W47``) or everything since a date."""

    label: str
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def iso_week(label: str) -> Period:
    """``2026-W47`` → Monday 00:00 UTC to the next Monday."""
    try:
        year, week = label.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
    except ValueError as exc:
        raise ValueError(f"{label!r} is not an ISO week like 2026-W47") from exc
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return Period(f"{int(year)}-W{int(week):02d}", start, start + timedelta(days=7))


def week_of(moment: datetime) -> Period:
    year, week, _ = moment.isocalendar()
    return iso_week(f"{year}-W{week:02d}")


def since(day: date, now: datetime) -> Period:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Period(f"since-{day.isoformat()}", start, now)


def _side(snapshot: Snapshot) -> Side:
    updated = snapshot.profile.last_updated
    return Side(
        snapshot.ref.name,
        updated.isoformat() if updated else None,
        snapshot.source.url or snapshot.source.file,
        snapshot.source.seen_at,
    )


def country_history(store: Store, slug: str) -> CountryHistory:
    """Every readable snapshot of a country and the events between consecutive ones."""
    snapshots, unreadable = [], []
    for ref in store.refs(slug):
        try:
            snapshots.append(store.load(ref))
        except StoreError as exc:
            unreadable.append(str(exc))
    country = snapshots[-1].profile.country if snapshots else slug
    events = []
    for index, snap in enumerate(snapshots):
        comparison = None
        if index:
            before = snapshots[index - 1]
            comparison = compare(
                slug, country, (_side(before), before.profile), (_side(snap), snap.profile)
            )
        events.append(
            Event(
                slug,
                country,
                snap.ref.name,
                datetime.fromisoformat(snap.source.seen_at),
                comparison,
            )
        )
    return CountryHistory(slug, country, tuple(snapshots), tuple(events), tuple(unreadable))


def all_histories(store: Store) -> list[CountryHistory]:
    return [country_history(store, slug) for slug in store.countries() if store.refs(slug)]


def _states(store: Store):
    """Every readable state.json, with its country's slug (an unreadable one is skipped)."""
    for slug in store.countries():
        try:
            yield slug, store.read_state(slug)
        except StoreError:
            continue


def failures(store: Store) -> list[Failure]:
    """Countries whose last fetch failed, with the cause and since when."""
    return [
        Failure(
            slug,
            state.country or slug,
            state.last_error or "unknown error",
            state.failing_since,
            state.consecutive_failures,
        )
        for slug, state in _states(store)
        if state.consecutive_failures
    ]


def checked_in(store: Store, period: Period) -> list[str]:
    """Countries the monitor checked during the period (from state.json)."""
    return [
        slug
        for slug, state in _states(store)
        if state.last_check and period.contains(datetime.fromisoformat(state.last_check))
    ]
