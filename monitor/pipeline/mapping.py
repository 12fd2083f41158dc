"""The world map from what the reports gathered: the shapes (``edges.shapes``) meet the
countries' state (``render.worldmap``)."""

from __future__ import annotations

from pathlib import Path

from monitor.core.overview import indicator_keys
from monitor.edges.shapes import world_shapes
from monitor.pipeline.gathering import Gathered
from monitor.render.worldmap import WorldMap, world_map

DEFAULT = "national_cirt"


def keys_of(found: Gathered) -> tuple[str, ...]:
    return indicator_keys([h for h in found.histories if h.snapshots]) if found.histories else ()


def world_of(
    found: Gathered, key: str = DEFAULT, as_of: str | None = None, cache: Path | None = None
) -> WorldMap:
    """The map of ``key`` as of ``as_of`` (None: latest); a ValueError for a bad date.
    ``cache``: where the projected shapes are kept between runs (``edges.shapes``)."""
    shapes = world_shapes(cache)
    return world_map(shapes, list(found.nows.values()), found.marks, key, as_of)
