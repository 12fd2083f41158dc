"""HTML pages: one comparison, the weekly digest (for browsers and for mail clients), the
country pages and the index. Jinja2 with autoescape always on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from monitor.core.diff import Comparison
from monitor.core.extract import XML_FORBIDDEN
from monitor.core.periods import CountryHistory, Digest
from monitor.render.text import bounded, field_label, grouped, plain, trimmed


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
        grouped=grouped, trimmed=trimmed, field_label=field_label, plain=plain, plural=_plural_word
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


def digest_html(digest: Digest) -> str:
    return _render("digest.html", d=digest)


def digest_email_html(digest: Digest) -> str:
    """The digest for mail clients, which drop <style>: every style inline."""
    return _render("email.html", d=digest)


def country_html(history: CountryHistory, generated_at: datetime) -> str:
    return _render("country.html", h=history, generated_at=generated_at)


def index_html(
    weeks: Sequence[str], histories: Sequence[CountryHistory], generated_at: datetime
) -> str:
    return _render(
        "index.html",
        weeks=sorted(weeks, reverse=True),
        histories=histories,
        generated_at=generated_at,
    )
