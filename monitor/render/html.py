"""HTML pages: one comparison, the weekly digest (one template for browsers and for mail
clients), the overview, the country pages and the index (``templating``: autoescape on)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from monitor.core.diff import Comparison
from monitor.core.overview import CountryNow, Mark, country_now, indicator_keys, overview_of
from monitor.core.periods import CountryHistory, Digest
from monitor.core.summary import DigestSummary
from monitor.render.templating import render


def to_html(comparison: Comparison) -> str:
    """A standalone page: inline CSS, no scripts, readable on a phone and on paper."""
    return render("diff.html", c=comparison)


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


def overview_html(
    nows: Sequence[CountryNow], marks: Mapping[str, Sequence[Mark]], generated_at: datetime
) -> str:
    """Every country by every indicator, since when each value holds, totals, and the
    number of countries with each indicator over time (``core.overview``)."""
    return render("overview.html", o=overview_of(nows, marks), generated_at=generated_at)


def index_html(
    weeks: Sequence[str],
    histories: Sequence[CountryHistory],
    nows: Mapping[str, CountryNow],
    generated_at: datetime,
) -> str:
    """The weekly reports and every country (with its snapshot count and latest one)."""
    return render(
        "index.html",
        weeks=sorted(weeks, reverse=True),
        histories=histories,
        nows=nows,
        generated_at=generated_at,
    )
