"""Local documents: parse one, import many, compare stored versions (or a file before
importing it)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.config import Config, ExtractConfig
from monitor.core.diff import Comparison, Side, compare
from monitor.core.extract import Limits, sniff
from monitor.core.parse import parse
from monitor.core.profile import Profile
from monitor.core.snapshot import Outcome
from monitor.edges.extraction import Bounds, extract_document
from monitor.edges.store import Store, find_country
from monitor.errors import ExtractError, MonitorError, SnapshotNotFound

_CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain"}

MAX_LOCAL_BYTES = 50_000_000
DEFAULT_BOUNDS = Bounds()
log = logging.getLogger("monitor")


def bounds_of(config: Config | None) -> Bounds:
    """The work allowed on one document, from ``[extract]``."""
    settings = config.extract if config else ExtractConfig()
    return Bounds(
        Limits(settings.max_pages, settings.max_chars),
        settings.timeout,
        settings.max_memory_mb,
    )


def document_to_profile(
    data: bytes,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    country: str | None = None,
    bounds: Bounds = DEFAULT_BOUNDS,
) -> Profile:
    """Bytes of a PDF, HTML page or text file → Profile: extract (bounded), then parse."""
    text = extract_document(data, content_type, filename, bounds)
    return parse(text, country=country)


def read_local(path: Path, limit: int = MAX_LOCAL_BYTES) -> bytes:
    """A local document's bytes, with errors a user can act on.

    Only a regular file is read (a FIFO would block, /dev/zero never end), and the size
    cap holds while reading, whatever the file claims to be."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise MonitorError(f"{path}: no such file") from exc
    except OSError as exc:
        raise MonitorError(f"{path}: cannot read ({exc.strerror})") from exc
    with os.fdopen(handle, "rb") as file:
        mode = os.fstat(handle).st_mode
        if stat.S_ISDIR(mode):
            raise MonitorError(f"{path}: is a directory, not a document")
        if not stat.S_ISREG(mode):
            raise MonitorError(f"{path}: not a regular file (a device, pipe or socket)")
        os.set_blocking(handle, True)
        try:
            data = file.read(limit + 1)
        except OSError as exc:
            raise MonitorError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > limit:
        raise ExtractError(f"{path}: more than the {limit:,} bytes allowed for a document")
    return data


def parse_file(path: Path, country: str | None = None, config: Config | None = None) -> Profile:
    """Parse one local document; errors name the file."""
    data = read_local(path)
    try:
        return document_to_profile(
            data, filename=path.name, country=country, bounds=bounds_of(config)
        )
    except MonitorError as exc:
        raise type(exc)(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class ImportResult:
    path: Path
    outcome: Outcome
    slug: str | None = None
    ref: str | None = None
    error: str | None = None


def import_files(
    store: Store,
    paths: list[Path],
    *,
    now: datetime,
    country: str | None = None,
    config: Config | None = None,
) -> Iterator[ImportResult]:
    """Backfill history from local documents; one bad file never stops the rest."""
    bounds = bounds_of(config)
    for path in paths:
        try:
            data = read_local(path)
            kind = sniff(data, filename=path.name)
            profile = document_to_profile(data, filename=path.name, country=country, bounds=bounds)
            saved = store.save(
                profile,
                data,
                kind=kind,
                content_type=_CONTENT_TYPES[kind],
                now=now,
                file=str(path.resolve()),
            )
            if saved.outcome is not Outcome.UNCHANGED:
                store.update_state(
                    profile.slug, country=profile.country, iso2=profile.iso2, iso3=profile.iso3
                )
            yield ImportResult(path, saved.outcome, profile.slug, saved.ref.name)
        except MonitorError as exc:
            message = str(exc).removeprefix(f"{path}: ")
            yield ImportResult(path, Outcome.ERROR, error=message)
        except Exception as exc:  # a bug met in one file must not stop the others
            log.exception("%s: unexpected error", path)
            yield ImportResult(path, Outcome.ERROR, error=f"internal error: {exc!r}")


def _side(store: Store, slug: str | None, arg: str) -> tuple[Side, Profile]:
    """A ref in the store, or the path of a local document (to compare before importing)."""
    path = Path(arg)
    if path.is_file():
        profile = parse_file(path)
        updated = profile.last_updated.isoformat() if profile.last_updated else None
        return Side(str(path), updated, source=str(path.resolve())), profile
    if slug is None:
        raise SnapshotNotFound(f"{arg}: not a file, and no stored country to look it up in")
    snap = store.load(store.resolve(slug, arg))
    updated = snap.profile.last_updated.isoformat() if snap.profile.last_updated else None
    return Side(snap.ref.name, updated, snap.source.url or snap.source.file, snap.source.seen_at), (
        snap.profile
    )


def compare_refs(store: Store, country: str, old: str, new: str) -> Comparison:
    """``monitor diff COUNTRY OLD NEW``: refs or local files on either side."""
    both_files = Path(old).is_file() and Path(new).is_file()
    slug = None
    try:
        slug = find_country(store, country)
    except SnapshotNotFound:
        if not both_files:
            raise
    old_side = _side(store, slug, old)
    new_side = _side(store, slug, new)
    profile = new_side[1]
    return compare(slug or profile.slug, profile.country, old_side, new_side)
