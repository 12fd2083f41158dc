"""Across countries and over time: each country's current state, since when each value
holds, and how many countries had each indicator on each date. Pure: histories in, data out.

"Since when" is the snapshot in which a value last changed, named by the date the document
prints ("Last updated"), or by the day the monitor first saw it when the document prints
none (``first_seen``, never passed off as the document's own date); a value that never
changed holds "since the first snapshot".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from monitor.core.diff import figure_note, finding_word
from monitor.core.periods import CountryHistory
from monitor.core.profile import INDICATORS, Indicator
from monitor.core.snapshot import Snapshot

# Column headings for tables and charts; the full label (INDICATORS) goes in a tooltip.
SHORT: dict[str, str] = {
    "national_cirt": "national CIRT",
    "cybercrime_legislation": "cybercrime law",
    "cybersecurity_regulation": "regulation",
    "standards_framework": "standards",
    "cybersecurity_strategy": "strategy",
    "responsible_agency": "agency",
    "cop_legislation": "COP law",
    "cop_agency": "COP agency",
    "reporting_mechanism": "reporting",
}


def folded(name: str) -> str:
    """A name for sorting and finding: lower case, accents dropped (Côte → cote)."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def short_label(key: str) -> str:
    return SHORT.get(key, INDICATORS.get(key, key.replace("_", " ")))


def status_of(finding: object) -> str | None:
    """The ``status`` word of a finding (planned / draft / defunct) when the model has one."""
    status = getattr(finding, "status", None)
    return status if isinstance(status, str) else None


@dataclass(frozen=True)
class Dated:
    """Which snapshot a value dates from, and how that snapshot is dated."""

    ref: str
    day: str  # YYYY-MM-DD: the "Last updated" date, or the first-seen day
    first_seen: bool  # the document prints no date: ``day`` is when the monitor saw it
    from_first: bool  # the value holds since the first snapshot the monitor has

    @property
    def text(self) -> str:
        """``since 2016-02-10``, ``since 2026-11-23 (first seen, undated)``, or
        ``since first snapshot``."""
        if self.from_first:
            return "since first snapshot"
        return f"since {dated_label(self.day, self.first_seen)}"


def dated_label(day: str, first_seen: bool) -> str:
    return f"{day} (first seen, undated)" if first_seen else day


def dated(snapshot: Snapshot, from_first: bool = False) -> Dated:
    return Dated(snapshot.ref.name, snapshot.ref.key, snapshot.dated_by == "first_seen", from_first)


@dataclass(frozen=True)
class Cell:
    """One indicator of one country now: yes / no / unknown, its status word, its evidence."""

    key: str
    value: bool | None
    status: str | None
    evidence: str | None
    since: Dated

    @property
    def word(self) -> str:
        return finding_word(self.value, self.status)


@dataclass(frozen=True)
class Figure:
    """A background figure now, where it came from and since which snapshot it holds."""

    value: int | float | None
    source: str | None
    as_of: str | None
    since: Dated
    note: str | None = None  # a doubt shown beside the value (diff.figure_note)


FigureName = Literal["population", "internet_users"]


@dataclass(frozen=True)
class Trend:
    """One snapshot's background figures, for the charts."""

    day: str
    population: int | float | None
    internet_users: int | float | None


@dataclass(frozen=True)
class CountryNow:
    slug: str
    country: str
    iso3: str | None
    latest: Dated  # the latest snapshot
    source: str | None  # the URL (or file) of the latest snapshot's document
    snapshots: int
    cells: Mapping[str, Cell]
    population: Figure
    internet_users: Figure
    trend: tuple[Trend, ...]  # one per snapshot, oldest first

    def series(self, figure: FigureName) -> list[tuple[str, int | float | None]]:
        """(day, figure) across snapshots: ``population`` or ``internet_users``."""
        return [(t.day, getattr(t, figure)) for t in self.trend]


@dataclass(frozen=True)
class Point:
    """On ``day``: how many countries the monitor had a profile for, and how many had each
    indicator (value yes) by then."""

    day: str
    countries: int
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Overview:
    keys: tuple[str, ...]  # indicator keys, in reading order
    countries: tuple[CountryNow, ...]  # sorted by country name
    totals: Mapping[str, Mapping[str, int]]  # key → {"yes": n, "no": n, "unknown": n}
    timeline: tuple[Point, ...]  # one point per date on which some snapshot is dated

    def series(self, key: str) -> list[tuple[str, int]]:
        """(day, countries with ``key``) over time."""
        return [(p.day, p.counts[key]) for p in self.timeline]

    def shares(self, key: str) -> list[tuple[str, int, int]]:
        """(day, countries with ``key``, countries covered) over time: a share of those
        covered, so a country entering the data never looks like one adopting ``key``."""
        return [(p.day, p.counts[key], p.countries) for p in self.timeline]

    def coverage(self) -> list[tuple[str, int]]:
        """(day, countries the monitor has a profile for) over time."""
        return [(p.day, p.countries) for p in self.timeline]


def _since(snapshots: Sequence[Snapshot], value: Callable[[Snapshot], Hashable]) -> Dated:
    """The snapshot where ``value`` last changed (walking oldest to newest)."""
    index = 0
    for i in range(1, len(snapshots)):
        if value(snapshots[i]) != value(snapshots[i - 1]):
            index = i
    return dated(snapshots[index], from_first=index == 0)


def _finding_key(key: str) -> Callable[[Snapshot], Hashable]:
    def value(snap: Snapshot) -> Hashable:
        finding = snap.profile.indicators.get(key)
        return (finding.value, status_of(finding)) if finding else (None, None)

    return value


def _figure(snapshots: Sequence[Snapshot], name: str) -> Figure:
    def value(snap: Snapshot) -> Hashable:
        return getattr(snap.profile.background, name).value

    now: Indicator = getattr(snapshots[-1].profile.background, name)
    before = getattr(snapshots[-2].profile.background, name) if len(snapshots) > 1 else None
    note = figure_note(name, before, now)
    return Figure(now.value, now.source, now.as_of, _since(snapshots, value), note)


def country_now(history: CountryHistory, keys: Sequence[str]) -> CountryNow:
    """A country's state as of its latest snapshot (the history must hold one)."""
    snaps = history.snapshots
    latest = snaps[-1]
    cells = {}
    for key in keys:
        finding = latest.profile.indicators.get(key)
        cells[key] = Cell(
            key,
            finding.value if finding else None,
            status_of(finding),
            finding.evidence if finding else None,
            _since(snaps, _finding_key(key)),
        )
    return CountryNow(
        slug=history.slug,
        country=latest.profile.country,
        iso3=latest.profile.iso3,
        latest=dated(latest, from_first=len(snaps) == 1),
        source=latest.source.shown,
        snapshots=len(snaps),
        cells=cells,
        population=_figure(snaps, "population"),
        internet_users=_figure(snaps, "internet_users_pct"),
        trend=tuple(
            Trend(
                s.ref.key,
                s.profile.background.population.value,
                s.profile.background.internet_users_pct.value,
            )
            for s in snaps
        ),
    )


@dataclass(frozen=True)
class Stated:
    """What one snapshot says of one indicator: yes, or no with its status word."""

    key: str
    value: bool
    status: str | None = None

    @property
    def word(self) -> str:
        return finding_word(self.value, self.status)


@dataclass(frozen=True)
class Mark:
    """One snapshot as the timeline and the map need it: its day, its revision, and what it
    says of each indicator it states (one it does not state is unknown, and left out)."""

    day: str
    revision: int
    said: tuple[Stated, ...]

    @property
    def yes(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.said if s.value)

    def stated(self, key: str) -> Stated | None:
        return next((s for s in self.said if s.key == key), None)


def marks_of(history: CountryHistory, keys: Sequence[str]) -> tuple[Mark, ...]:
    return tuple(
        Mark(
            s.ref.key,
            s.ref.revision,
            tuple(
                Stated(k, f.value, f.status)
                for k in keys
                if (f := s.profile.indicators.get(k)) and f.value is not None
            ),
        )
        for s in history.snapshots
    )


def timeline(marks: Mapping[str, Sequence[Mark]], keys: Sequence[str]) -> tuple[Point, ...]:
    """For each date a snapshot is dated by, the countries that had each indicator then
    (each country as its latest snapshot dated on or before that day says)."""
    ordered = sorted((m.day, slug, m.revision, m.yes) for slug, rows in marks.items() for m in rows)
    state: dict[str, frozenset[str]] = {}
    counts = dict.fromkeys(keys, 0)
    points: list[Point] = []
    for index, (day, slug, _, yes) in enumerate(ordered):
        now, before = frozenset(yes), state.get(slug, frozenset())
        for k in keys:
            counts[k] += int(k in now) - int(k in before)
        state[slug] = now
        if index + 1 < len(ordered) and ordered[index + 1][0] == day:
            continue
        points.append(Point(day, len(state), dict(counts)))
    return tuple(points)


def indicator_keys(histories: Sequence[CountryHistory]) -> tuple[str, ...]:
    """The known indicators in reading order, then any other key a snapshot holds."""
    extra = sorted(
        {
            k
            for h in histories
            for s in h.snapshots[-1:]
            for k in s.profile.indicators
            if k not in INDICATORS
        }
    )
    return (*INDICATORS, *extra)


def overview(histories: Sequence[CountryHistory]) -> Overview:
    """Every country with at least one readable snapshot, its state now, totals, timeline."""
    present = [h for h in histories if h.snapshots]
    keys = indicator_keys(present)
    return overview_of(
        [country_now(h, keys) for h in present], {h.slug: marks_of(h, keys) for h in present}
    )


def _in_order(keys: set[str] | Mapping[str, Any]) -> tuple[str, ...]:
    """Indicator keys in reading order (``INDICATORS``), then any others by name."""
    known = [k for k in INDICATORS if k in keys]
    return (*known, *sorted(k for k in keys if k not in INDICATORS))


def overview_of(nows: Sequence[CountryNow], marks: Mapping[str, Sequence[Mark]]) -> Overview:
    """The overview from each country's state now and its marks (which a cache may hold)."""
    found = {k for c in nows for k in c.cells}
    keys = _in_order(found) or tuple(INDICATORS)
    countries = tuple(sorted(nows, key=lambda c: (folded(c.country), c.slug)))
    totals = {
        key: {
            word: sum(1 for c in countries if key in c.cells and c.cells[key].value is value)
            for word, value in (("yes", True), ("no", False), ("unknown", None))
        }
        for key in keys
    }
    return Overview(keys, countries, totals, timeline(marks, keys))


def in_reading_order(now: CountryNow) -> CountryNow:
    """Its cells in reading order again (a JSON form sorts them by name)."""
    return replace(now, cells={key: now.cells[key] for key in _in_order(now.cells)})
