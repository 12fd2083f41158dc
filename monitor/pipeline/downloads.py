"""A downloaded document (a fetch's, or a web archive's capture) on its way into the store;
apart from ``documents`` so that a fetch imports no comparison or report code."""

from __future__ import annotations

from datetime import datetime

from monitor.core.extract import sniff
from monitor.core.snapshot import Capture
from monitor.edges.reading import AsyncReader
from monitor.edges.store import Incoming


async def read_download(
    reader: AsyncReader,
    content: bytes,
    content_type: str | None,
    filename: str,
    *,
    country: str,
    now: datetime,
    url: str,
    capture: Capture | None = None,
) -> Incoming:
    """Read and parse in the reader's child, so the event loop goes on downloading."""
    profile = await reader.read_profile(
        content, content_type=content_type, filename=filename, country=country
    )
    declared = (content_type or "application/octet-stream").split(";")[0].strip()
    kind = sniff(content, content_type, filename)
    return Incoming(profile, content, kind, declared, now, url=url, capture=capture)
