"""HTML pages: one comparison, the weekly digest (one template for browsers and for mail
clients), the overview, the country pages and the index (``templating``: autoescape on)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.core.diff import Comparison
from monitor.core.overview import CountryNow, Mark, country_now, indicator_keys, overview_of
from monitor.core.periods import CountryHistory, Digest
from monitor.core.summary import DigestSummary
from monitor.render.templating import render
from monitor.render.worldmap import WorldMap

LATEST = 12  # changes listed first on the index


Neighbours = tuple[tuple[str, str] | None, tuple[str, str] | None]
"""The diffs before and after one (old ref, new ref), as the service links them."""


def to_html(comparison: Comparison, around: Neighbours | None = None) -> str:
    """A standalone page: inline CSS, no scripts, readable on a phone and on paper. With
    ``around`` (the service), a site page: the header, a link back to the country and to
    the diffs before and after it."""
    return render("diff.html", c=comparison, around=around, site=around is not None)


def digest_html(digest: Digest, summary: DigestSummary) -> str:
    """The weekly page, its links relative to reports/. ``summary`` is
    ``core.summary.summarise(digest)``, made once for every form of the digest."""
    return render("digest.html", d=digest, s=summary, pages="", mail=False)


def digest_email_html(digest: Digest, summary: DigestSummary, base_url: str = "") -> str:
    """The same page for mail clients, which drop <style>: its CSS is inlined into each
    element (css-inline). Its links go to the published pages when ``base_url`` (where
    reports/ is served) is given; without it, there is nothing to link to."""
    import css_inline

    page = render("digest.html", d=digest, s=summary, pages=base_url or None, mail=True)
    return str(css_inline.inline(page))


def country_html(history: CountryHistory, generated_at: datetime) -> str:
    """The current state first (indicators, figures and their trends), then the history."""
    now = country_now(history, indicator_keys([history])) if history.snapshots else None
    return render("country.html", h=history, now=now, generated_at=generated_at)


VALUES = ("yes", "no", "unknown", "planned", "draft", "defunct", "partial")


@dataclass(frozen=True)
class Filters:
    """The overview's filters, as the URL spells them
    (``?indicator=national_cirt&value=planned&since=2016-01-01``)."""

    indicator: str = ""
    value: str = ""
    since: str = ""

    def keeps(self, now: CountryNow) -> bool:
        cell = now.cells.get(self.indicator) if self.indicator else None
        if self.indicator and cell is None:
            return False
        if cell is not None and self.value:
            word = {True: "yes", False: "no", None: "unknown"}[cell.value]
            if self.value not in (word, cell.status):
                return False
        if self.since:
            changed = [cell] if cell is not None else list(now.cells.values())
            if not any(not c.since.from_first and c.since.day >= self.since for c in changed):
                return False
        return True


def overview_html(
    nows: Sequence[CountryNow],
    marks: Mapping[str, Sequence[Mark]],
    generated_at: datetime,
    *,
    world: WorldMap | None = None,
    filters: Filters | None = None,
) -> str:
    """Every country by every indicator, since when each value holds, totals, the share of
    the countries covered with each indicator over time (``core.overview``), and the map.
    With ``filters`` (the live page), only the rows they keep, and a form to change them."""
    view = overview_of(nows, marks)
    shown = {c.slug for c in view.countries if filters is None or filters.keeps(c)}
    return render(
        "overview.html",
        o=view,
        generated_at=generated_at,
        world=world,
        filters=filters,
        shown=shown,
        values=VALUES,
    )


def index_html(
    weeks: Sequence[str],
    histories: Sequence[CountryHistory],
    nows: Mapping[str, CountryNow],
    generated_at: datetime,
    *,
    world: WorldMap | None = None,
    search_url: str | None = None,
    headline_text: str | None = None,
) -> str:
    """The landing page: a search box (when there is a search to send it to), the latest
    changes first, the map, the weekly reports and every country with when it last changed."""
    events = sorted((e for h in histories for e in h.events), key=lambda e: e.seen_at, reverse=True)
    return render(
        "index.html",
        weeks=sorted(weeks, reverse=True),
        histories=histories,
        nows=nows,
        generated_at=generated_at,
        latest=events[:LATEST],
        world=world,
        search_url=search_url,
        headline_text=headline_text,
    )


def map_html(
    m: WorldMap,
    keys: Sequence[str],
    generated_at: datetime,
    link: Callable[[str, str | None], str],
    search_url: str | None = None,
    *,
    dated: bool = True,
) -> str:
    """The map page: a link per indicator and per date (``link(key, as_of)`` spells them),
    so the control works without a script."""
    return render(
        "map.html",
        m=m,
        keys=keys,
        link=link,
        root="",
        generated_at=generated_at,
        search_url=search_url,
        dated=dated,
    )


def map_svg(m: WorldMap, root: str = "") -> str:
    """The map alone, as ``reports/map-<indicator>.svg``."""
    return '<?xml version="1.0" encoding="utf-8"?>\n' + render("worldmap.svg", m=m, root=root)
