"""Small charts, as the geometry of an inline SVG: readable without JavaScript, in print, and
at phone width. ``templates/chart.svg`` draws them (autoescaped, like every page).

Each chart has a ``viewBox`` (it scales to its box), a ``<title>`` and an ``aria-label`` that
say what it shows in words, axis labels as text, and the last value written beside the line.
Dates are ISO days (``YYYY-MM-DD``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from monitor.core.diff import format_number


@dataclass(frozen=True)
class Chart:
    """What ``chart.svg`` draws: the frame's labels, then a step path or polylines and dots."""

    WIDTH: ClassVar[int] = 300
    HEIGHT: ClassVar[int] = 110
    LEFT: ClassVar[int] = 34
    RIGHT: ClassVar[int] = 58
    TOP: ClassVar[int] = 10
    BOTTOM: ClassVar[int] = 22
    PLOT_W: ClassVar[int] = WIDTH - LEFT - RIGHT
    PLOT_H: ClassVar[int] = HEIGHT - TOP - BOTTOM

    label: str  # the title and aria-label: what the chart shows, in words
    colour: str
    ceiling: str  # the y axis' top label (its bottom is 0)
    first: str  # the first and last day, under the x axis
    last: str
    end: str  # the last value, beside the end of the line
    end_y: float
    steps: str = ""  # an SVG path ``d``: a count that holds until the next date
    lines: tuple[str, ...] = ()  # polyline ``points``: a figure, broken where it is unknown
    dots: tuple[tuple[float, float], ...] = ()


def _x_scale(days: Sequence[str]) -> tuple[int, int]:
    ordinals = [date.fromisoformat(d).toordinal() for d in days]
    low, high = min(ordinals), max(ordinals)
    return low, max(high - low, 1)


def _x(day: str, low: int, span: int) -> float:
    return round(Chart.LEFT + (date.fromisoformat(day).toordinal() - low) / span * Chart.PLOT_W, 1)


def _y(value: float, ceiling: float) -> float:
    return round(Chart.TOP + Chart.PLOT_H - value / ceiling * Chart.PLOT_H, 1)


def step_chart(
    points: Sequence[tuple[str, int]], label: str, top: int | None = None
) -> Chart | None:
    """A count over time as steps (it holds until the next date): countries with a CIRT."""
    if not points:
        return None
    days = [d for d, _ in points]
    low, span = _x_scale(days)
    ceiling = max(top or 0, max(v for _, v in points), 1)
    path: list[str] = []
    for index, (day, value) in enumerate(points):
        x, y = _x(day, low, span), _y(value, ceiling)
        path.append(f"H{x}V{y}" if index else f"M{x},{y}")
    path.append(f"H{Chart.LEFT + Chart.PLOT_W}")
    return Chart(
        label=label,
        colour="#0b57d0",
        ceiling=str(ceiling),
        first=days[0],
        last=days[-1],
        end=str(points[-1][1]),
        end_y=_y(points[-1][1], ceiling),
        steps="".join(path),
    )


def line_chart(
    points: Sequence[tuple[str, int | float | None]], label: str, percent: bool = False
) -> Chart | None:
    """A figure across snapshots (population, internet users), a dot at each snapshot; a
    snapshot that states no figure leaves a gap."""
    known = [(d, v) for d, v in points if v is not None]
    if not known:
        return None
    days = [d for d, _ in points]
    low, span = _x_scale(days)
    ceiling = max(v for _, v in known) * 1.1 or 1
    one_day = span == 1 and len(set(days)) == 1

    def x_of(day: str) -> float:
        if one_day:
            return round(Chart.LEFT + Chart.PLOT_W / 2, 1)
        return round(
            Chart.LEFT + (date.fromisoformat(day).toordinal() - low) / span * Chart.PLOT_W, 1
        )

    lines: list[str] = []
    dots: list[tuple[float, float]] = []
    run: list[str] = []
    for day, value in [*points, ("", None)]:
        if value is None:
            if len(run) > 1:
                lines.append(" ".join(run))
            run = []
            continue
        x = round(Chart.LEFT + Chart.PLOT_W / 2, 1) if one_day else _x(day, low, span)
        y = _y(value, ceiling)
        run.append(f"{x},{y}")
        dots.append((x, y))
    return Chart(
        label=label,
        colour="#1a7f37",
        ceiling=_short(ceiling, percent),
        first=days[0],
        last=days[-1],
        end=_short(known[-1][1], percent),
        end_y=_y(known[-1][1], ceiling),
        lines=tuple(lines),
        dots=tuple(dots),
    )


def _short(value: float, percent: bool) -> str:
    """``36.0 M``, ``950 k``, ``12.5 %``: what fits beside a small chart."""
    if percent:
        return f"{value:.3g} %"
    if value >= 1e6:
        return f"{value / 1e6:.3g} M"
    if value >= 1e4:
        return f"{value / 1e3:.3g} k"
    return format_number(round(value))
