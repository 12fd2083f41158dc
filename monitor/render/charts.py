"""Small inline SVG charts: readable without JavaScript, in print, and at phone width.

Each chart is a self-contained ``<svg>`` with a ``viewBox`` (it scales to its box), a
``<title>`` and an ``aria-label`` that says what it shows in words, axis labels as text, and
the last value written beside the line. Dates are ISO days (``YYYY-MM-DD``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from monitor.core.diff import format_number

WIDTH, HEIGHT = 300, 110
LEFT, RIGHT, TOP, BOTTOM = 34, 58, 10, 22


def _x_scale(days: Sequence[str]) -> tuple[int, int]:
    ordinals = [date.fromisoformat(d).toordinal() for d in days]
    low, high = min(ordinals), max(ordinals)
    return low, max(high - low, 1)


def _frame(label: str, body: list[str], first: str, last: str, top_label: str) -> Markup:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" role="img" aria-label={quoteattr(label)} '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
        f'<text x="{LEFT - 3}" y="{TOP + 8}" text-anchor="end" font-size="9" '
        f'fill="#555">{escape(top_label)}</text>',
        f'<text x="{LEFT - 3}" y="{TOP + plot_h}" text-anchor="end" font-size="9" '
        'fill="#555">0</text>',
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="9" fill="#555">{escape(first)}</text>',
        f'<text x="{LEFT + plot_w}" y="{HEIGHT - 6}" text-anchor="end" font-size="9" '
        f'fill="#555">{escape(last)}</text>',
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))


def step_chart(points: Sequence[tuple[str, int]], label: str, top: int | None = None) -> Markup:
    """A count over time as steps (it holds until the next date): countries with a CIRT."""
    if not points:
        return Markup("")
    days = [d for d, _ in points]
    low, span = _x_scale(days)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ceiling = max(top or 0, max(v for _, v in points), 1)

    def xy(day: str, value: float) -> tuple[float, float]:
        x = LEFT + (date.fromisoformat(day).toordinal() - low) / span * plot_w
        return round(x, 1), round(TOP + plot_h - value / ceiling * plot_h, 1)

    path: list[str] = []
    for index, (day, value) in enumerate(points):
        x, y = xy(day, value)
        if index:
            path.append(f"H{x}V{y}")
        else:
            path.append(f"M{x},{y}")
    _, end_y = xy(points[-1][0], points[-1][1])
    path.append(f"H{LEFT + plot_w}")
    body = [
        f'<path d="{"".join(path)}" fill="none" stroke="#0b57d0" stroke-width="2"/>',
        f'<text x="{LEFT + plot_w + 4}" y="{end_y + 4}" font-size="11" font-weight="bold" '
        f'fill="#0b57d0">{points[-1][1]}</text>',
    ]
    return _frame(label, body, days[0], days[-1], str(ceiling))


def line_chart(
    points: Sequence[tuple[str, int | float | None]], label: str, percent: bool = False
) -> Markup:
    """A figure across snapshots (population, internet users), a dot at each snapshot; a
    snapshot that states no figure leaves a gap."""
    known = [(d, v) for d, v in points if v is not None]
    if not known:
        return Markup("")
    days = [d for d, _ in points]
    low, span = _x_scale(days)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ceiling = max(v for _, v in known) * 1.1 or 1

    def xy(day: str, value: float) -> tuple[float, float]:
        x = LEFT + (date.fromisoformat(day).toordinal() - low) / span * plot_w
        if span == 1 and len({d for d, _ in points}) == 1:
            x = LEFT + plot_w / 2
        return round(x, 1), round(TOP + plot_h - value / ceiling * plot_h, 1)

    body: list[str] = []
    run: list[str] = []
    for day, value in [*points, ("", None)]:
        if value is None:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="#1a7f37" '
                    'stroke-width="2"/>'
                )
            run = []
            continue
        x, y = xy(day, value)
        run.append(f"{x},{y}")
        body.append(f'<circle cx="{x}" cy="{y}" r="3" fill="#1a7f37"/>')
    last_day, last = known[-1]
    _, end_y = xy(last_day, last)
    shown = _short(last, percent)
    body.append(
        f'<text x="{LEFT + plot_w + 4}" y="{end_y + 4}" font-size="11" font-weight="bold" '
        f'fill="#1a7f37">{escape(shown)}</text>'
    )
    return _frame(label, body, days[0], days[-1], _short(ceiling, percent))


def _short(value: float, percent: bool) -> str:
    """``36.0 M``, ``950 k``, ``12.5 %``: what fits beside a small chart."""
    if percent:
        return f"{value:.3g} %"
    if value >= 1e6:
        return f"{value / 1e6:.3g} M"
    if value >= 1e4:
        return f"{value / 1e3:.3g} k"
    return format_number(round(value))
