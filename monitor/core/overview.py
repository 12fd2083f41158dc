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
from dataclasses import dataclass

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
        text = {True: "yes", False: "no", None: "unknown"}[self.value]
        return f"{text} ({self.status})" if self.status else text


@dataclass(frozen=True)
class Figure:
    """A background figure now, where it came from and since which snapshot it holds."""

    value: int | float | None
    source: str | None
    as_of: str | None
    since: Dated


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
    trend: tuple[tuple[str, int | float | None, int | float | None], ...]  # day, pop, users

    def series(self, column: int) -> list[tuple[str, int | float | None]]:
        """(day, figure) across snapshots: column 1 is population, 2 internet users."""
        if column == 1:
            return [(day, population) for day, population, _ in self.trend]
        return [(day, users) for day, _, users in self.trend]


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
    return Figure(now.value, now.source, now.as_of, _since(snapshots, value))


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
        source=latest.source.url or latest.source.file,
        snapshots=len(snaps),
        cells=cells,
        population=_figure(snaps, "population"),
        internet_users=_figure(snaps, "internet_users_pct"),
        trend=tuple(
            (
                s.ref.key,
                s.profile.background.population.value,
                s.profile.background.internet_users_pct.value,
            )
            for s in snaps
        ),
    )


def timeline(histories: Sequence[CountryHistory], keys: Sequence[str]) -> tuple[Point, ...]:
    """For each date a snapshot is dated by, the countries that had each indicator then
    (each country as its latest snapshot dated on or before that day says)."""
    dated_snaps = sorted(
        ((s.ref.key, s.ref.revision, h.slug, s) for h in histories for s in h.snapshots),
        key=lambda t: (t[0], t[2], t[1]),
    )
    state: dict[str, dict[str, bool]] = {}
    counts = dict.fromkeys(keys, 0)
    points: list[Point] = []
    for index, (day, _, slug, snap) in enumerate(dated_snaps):
        found = snap.profile.indicators
        now = {k: found[k].value is True if k in found else False for k in keys}
        before = state.get(slug, dict.fromkeys(keys, False))
        for k in keys:
            counts[k] += int(now[k]) - int(before[k])
        state[slug] = now
        if index + 1 < len(dated_snaps) and dated_snaps[index + 1][0] == day:
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
    countries = tuple(
        sorted((country_now(h, keys) for h in present), key=lambda c: (folded(c.country), c.slug))
    )
    totals = {
        key: {
            word: sum(1 for c in countries if c.cells[key].value is value)
            for word, value in (("yes", True), ("no", False), ("unknown", None))
        }
        for key in keys
    }
    return Overview(keys, countries, totals, timeline(present, keys))
