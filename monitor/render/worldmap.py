"""The world map: each country coloured by one indicator as of a date, as an inline SVG
(``templates/worldmap.svg``) that reads without JavaScript, prints, and stands alone as
``reports/map-<indicator>.svg``. Shapes come in as data (``edges.shapes``): this is pure.

A country's colour on a date is what its latest snapshot dated on or before that day says:
yes, planned or draft, no, or unknown, with its words (``no (draft)``), for an earlier date
as for today.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from monitor.core.overview import CountryNow, Mark, short_label
from monitor.core.refs import date_bound

# category → (legend label, fill colour); the colours keep 3:1 contrast with the white page
CATEGORIES: dict[str, tuple[str, str]] = {
    "yes": ("yes", "#1a7f37"),
    "planned": ("planned or draft", "#b58100"),
    "no": ("no", "#cf222e"),
    "unknown": ("unknown", "#6e7781"),
    "none": ("not covered", "#e1e4e8"),
}
RECENT = timedelta(days=365)


@dataclass(frozen=True)
class Region:
    """One covered country on the map."""

    slug: str
    country: str
    category: str
    word: str  # what the country said then: ``no (planned)``, ``yes``
    changed: bool  # its value changed in the year before the map's date
    d: str  # the SVG path; empty when the shapes have no outline for it
    past: tuple[str, ...] = ()  # its category on each of the map's ``dates``

    @property
    def fill(self) -> str:
        return CATEGORIES[self.category][1]


@dataclass(frozen=True)
class WorldMap:
    key: str
    label: str  # ``national CIRT``
    as_of: str | None  # ``2015-06`` (end of that month), ``2015-06-30``; None: latest
    day: str  # the last day the map counts
    regions: tuple[Region, ...]
    land: tuple[str, ...]  # outlines of the countries not covered
    counts: Mapping[str, int]  # category → countries
    dates: tuple[str, ...]  # the dates offered by the date control (YYYY-MM)

    @property
    def title(self) -> str:
        when = f"as of {self.as_of}" if self.as_of else "latest"
        said = ", ".join(f"{n} {CATEGORIES[c][0]}" for c, n in self.counts.items() if n)
        return f"World map of {self.label}, {when}: {said or 'no countries covered'}"

    @property
    def legend(self) -> tuple[tuple[str, str, str, int], ...]:
        return tuple(
            (c, label, fill, self.counts.get(c, 0)) for c, (label, fill) in CATEGORIES.items()
        )


def last_day(as_of: str) -> str:
    """``2015-06`` → ``2015-06-30``, ``2015`` → ``2015-12-31``; a day is itself. A ValueError
    for anything else (``core.refs`` says what a date looks like)."""
    date_bound(as_of)
    parts = as_of.split("-")
    if len(parts) == 3:
        return date.fromisoformat(as_of).isoformat()
    year, month = int(parts[0]), int(parts[1]) if len(parts) == 2 else 12
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).isoformat()


def _category(value: bool | None, status: str | None, word: str) -> tuple[str, str]:
    if value is None:
        return "unknown", word
    if value:
        return "yes", word
    return ("planned" if status in ("planned", "draft") else "no"), word


def _then(now: CountryNow, rows: Sequence[Mark], key: str, day: str) -> tuple[str, str] | None:
    """(category, word) of a country as its latest mark dated on or before ``day`` says;
    None when it was not covered yet."""
    then = [m for m in rows if m.day <= day]
    if not then:
        return None
    if then[-1] == rows[-1]:
        cell = now.cells.get(key)
        if cell is None:
            return "unknown", "unknown"
        return _category(cell.value, cell.status, cell.word)
    said = then[-1].stated(key)
    if said is None:
        return "unknown", "unknown"
    return _category(said.value, said.status, said.word)


def world_map(
    shapes: Mapping[str, str],
    nows: Sequence[CountryNow],
    marks: Mapping[str, Sequence[Mark]],
    key: str,
    as_of: str | None = None,
) -> WorldMap:
    """The map of ``key`` as of ``as_of`` (``YYYY``, ``YYYY-MM`` or a day; None: latest)."""
    every = sorted(m.day for rows in marks.values() for m in rows)
    day = last_day(as_of) if as_of else (every[-1] if every else date.min.isoformat())
    recent = (date.fromisoformat(day) - min(RECENT, date.fromisoformat(day) - date.min)).isoformat()
    regions, covered = [], set()
    counts = dict.fromkeys(CATEGORIES, 0)
    years = sorted({d[:4] for d in every})
    dates = tuple(f"{y}-12" for y in years)
    for now in nows:
        rows = sorted(marks.get(now.slug, ()), key=lambda m: (m.day, m.revision))
        said = _then(now, rows, key, day)
        if said is None:
            continue
        category, word = said
        then = [m for m in rows if m.day <= day]
        had = [key in m.yes for m in then]
        changed = any(then[i].day > recent and had[i] != had[i - 1] for i in range(1, len(then)))
        counts[category] += 1
        covered.add(now.iso3)
        past = tuple((_then(now, rows, key, last_day(d)) or ("none", ""))[0] for d in dates)
        regions.append(
            Region(
                now.slug, now.country, category, word, changed, shapes.get(now.iso3 or "", ""), past
            )
        )
    counts["none"] = len([code for code in shapes if code not in covered])
    return WorldMap(
        key=key,
        label=short_label(key),
        as_of=as_of,
        day=day,
        regions=tuple(sorted(regions, key=lambda r: r.changed)),  # outlines drawn on top
        land=tuple(d for code, d in sorted(shapes.items()) if code not in covered),
        counts=counts,
        dates=dates,
    )
