"""The work allowed on one untrusted document: the ``[extract]`` section of config.toml.

Its own module so that reading the configuration does not import the extraction code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Work allowed on one untrusted document (a profile has 3 to 6 pages and about 20,000
    characters): the ``[extract]`` section of config.toml, whose keys these are. ``core/extract``
    enforces the first two; ``edges/reading`` the time and memory of a PDF's reading
    child."""

    max_pages: int = 50
    max_chars: int = 2_000_000
    timeout: float = 60.0  # seconds to read one PDF
    max_memory_mb: int = 1024  # the PDF reader's address space


DEFAULT_LIMITS = Limits()
