"""HTML pages: one comparison, the weekly digest (for browsers and for mail clients), the
country pages and the index. Jinja2 with autoescape always on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from monitor.core.diff import Comparison, format_number
from monitor.core.extract import XML_FORBIDDEN
from monitor.core.overview import (
    CountryNow,
    Mark,
    country_now,
    folded,
    indicator_keys,
    overview_of,
    short_label,
)
from monitor.core.periods import CountryHistory, Digest
from monitor.core.profile import INDICATORS
from monitor.core.summary import summarise
from monitor.render import charts
from monitor.render.summary import counts, dates_line, headline
from monitor.render.text import bounded, field_label, grouped, plain, side_label, trimmed


def _plural_word(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


@lru_cache(maxsize=1)
def environment() -> Any:
    """Jinja environment for every HTML the monitor writes: autoescape always on."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("monitor.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_xml_safe,  # every value printed, before escaping
    )
    env.globals.update(
        grouped=grouped,
        trimmed=trimmed,
        field_label=field_label,
        plain=plain,
        plural=_plural_word,
        side_label=side_label,
        short_label=short_label,
        folded=folded,
        full_label=lambda key: INDICATORS.get(key, key),
        number=format_number,
        charts=charts,
        headline=headline,
        counts=counts,
        dates_line=dates_line,
        web_link=_web_link,
        change_count=lambda events: sum(len(e.comparison.changes) for e in events),
    )
    env.filters["bounded"] = bounded
    return env


def _xml_safe(value: Any) -> Any:
    """Characters XML forbids never reach a page (a reader would drop the document).
    Markup (a macro's output) stays markup: it is escaped already."""
    if not isinstance(value, str) or not XML_FORBIDDEN.search(value):
        return value
    from markupsafe import Markup

    cleaned = XML_FORBIDDEN.sub("", value)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


def _render(template: str, **context: Any) -> str:
    return str(environment().get_template(template).render(**context))


def to_html(comparison: Comparison) -> str:
    """A standalone page: inline CSS, no scripts, readable on a phone and on paper."""
    return _render("diff.html", c=comparison)


def _web_link(location: str | None) -> str | None:
    """A document's address, only when it is one a browser should follow (http/https)."""
    return location if location and location.startswith(("http://", "https://")) else None


def digest_html(digest: Digest) -> str:
    return _render("digest.html", d=digest, s=summarise(digest))


def digest_email_html(digest: Digest, base_url: str = "") -> str:
    """The digest for mail clients, which drop <style>: every style inline. With
    ``base_url`` (where reports/ is published) it links to the pages."""
    return _render("email.html", d=digest, s=summarise(digest), base=base_url)


def country_html(history: CountryHistory, generated_at: datetime) -> str:
    """The current state first (indicators, figures and their trends), then the history."""
    now = country_now(history, indicator_keys([history])) if history.snapshots else None
    return _render("country.html", h=history, now=now, generated_at=generated_at)


def overview_html(
    nows: Sequence[CountryNow], marks: Mapping[str, Sequence[Mark]], generated_at: datetime
) -> str:
    """Every country by every indicator, since when each value holds, totals, and the
    number of countries with each indicator over time (``core.overview``)."""
    return _render("overview.html", o=overview_of(nows, marks), generated_at=generated_at)


def index_html(
    weeks: Sequence[str],
    histories: Sequence[CountryHistory],
    nows: Mapping[str, CountryNow],
    generated_at: datetime,
) -> str:
    """The weekly reports and every country (with its snapshot count and latest one)."""
    return _render(
        "index.html",
        weeks=sorted(weeks, reverse=True),
        histories=histories,
        nows=nows,
        generated_at=generated_at,
    )
