"""The stages wired together; both the CLI and the daemon call these and nothing deeper."""

from __future__ import annotations

from pathlib import Path

from monitor.errors import ExtractError, MonitorError
from monitor.extract import extract
from monitor.profile import Profile, parse

MAX_LOCAL_BYTES = 50_000_000


def document_to_profile(
    data: bytes,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    country: str | None = None,
) -> Profile:
    """Bytes of a PDF, HTML page or text file → Profile (pure: extract, then parse)."""
    return parse(extract(data, content_type=content_type, filename=filename), country=country)


def read_local(path: Path) -> bytes:
    """A local document's bytes, with errors a user can act on."""
    try:
        size = path.stat().st_size
        if size > MAX_LOCAL_BYTES:
            raise ExtractError(f"{path}: {size} bytes is more than the {MAX_LOCAL_BYTES} allowed")
        return path.read_bytes()
    except IsADirectoryError as exc:
        raise MonitorError(f"{path}: is a directory, not a document") from exc
    except FileNotFoundError as exc:
        raise MonitorError(f"{path}: no such file") from exc
    except OSError as exc:
        raise MonitorError(f"{path}: cannot read ({exc.strerror})") from exc


def parse_file(path: Path, country: str | None = None) -> Profile:
    """Parse one local document; errors name the file."""
    data = read_local(path)
    try:
        return document_to_profile(data, filename=path.name, country=country)
    except MonitorError as exc:
        raise type(exc)(f"{path}: {exc}") from exc
