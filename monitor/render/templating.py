"""The one jinja2 environment behind every page, the Atom feed and the SVG charts.

One escaping path for all of them: autoescape always on, and ``finalize`` removes the
characters XML forbids from every value printed (a feed reader or an XHTML parser would drop
the whole document), so no template or caller escapes by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from monitor.core.diff import format_number
from monitor.core.extract import XML_FORBIDDEN
from monitor.core.overview import folded, short_label
from monitor.core.profile import INDICATORS
from monitor.render import charts
from monitor.render.text import (
    bounded,
    counts,
    dates_line,
    field_label,
    grouped,
    headline,
    plain,
    side_label,
    trimmed,
)

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup


def _plural_word(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _web_link(location: str | None) -> str | None:
    """A document's address, only when it is one a browser should follow (http/https)."""
    return location if location and location.startswith(("http://", "https://")) else None


def _xml_safe(value: Any) -> Any:
    """Characters XML forbids never reach a document. Markup (a macro's output) stays
    markup: it is escaped already."""
    if not isinstance(value, str) or not XML_FORBIDDEN.search(value):
        return value
    from markupsafe import Markup

    cleaned = XML_FORBIDDEN.sub("", value)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


def _drawn(geometry: Callable[..., charts.Chart | None]) -> Callable[..., Markup]:
    """A chart function for templates: its geometry drawn by ``chart.svg`` (nothing when
    there is nothing to draw)."""
    from markupsafe import Markup

    def draw(*args: Any, **kwargs: Any) -> Markup:
        chart = geometry(*args, **kwargs)
        return Markup(render("chart.svg", c=chart) if chart else "")

    return draw


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Built on first use: a command that renders nothing never imports jinja2."""
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
        charts=SimpleNamespace(
            line_chart=_drawn(charts.line_chart), step_chart=_drawn(charts.step_chart)
        ),
        headline=headline,
        counts=counts,
        dates_line=dates_line,
        web_link=_web_link,
        change_count=lambda events: sum(len(e.comparison.changes) for e in events),
    )
    env.filters["bounded"] = bounded
    return env


def render(template: str, **context: Any) -> str:
    return str(environment().get_template(template).render(**context))
