"""Local documents: parse one, import many, compare stored versions (or a file before
importing it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitor.core.diff import Comparison, Side, compare
from monitor.core.extract import extract, sniff
from monitor.core.parse import parse
from monitor.core.periods import side
from monitor.core.profile import Profile
from monitor.core.snapshot import Outcome, Snapshot, SnapshotRef
from monitor.edges.store import Store, find_country
from monitor.errors import ExtractError, MonitorError, SnapshotNotFound

_CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain"}

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


@dataclass(frozen=True)
class ImportResult:
    path: Path
    outcome: Outcome
    slug: str | None = None
    ref: str | None = None
    error: str | None = None


def import_files(
    store: Store, paths: list[Path], *, now: datetime, country: str | None = None
) -> Iterator[ImportResult]:
    """Backfill history from local documents; one bad file never stops the rest."""
    for path in paths:
        try:
            data = read_local(path)
            kind = sniff(data, filename=path.name)
            profile = document_to_profile(data, filename=path.name, country=country)
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
    return side(snap), snap.profile


def compare_snapshots(old: Snapshot, new: Snapshot) -> Comparison:
    """Two stored snapshots of one country, compared: what ``monitor diff`` prints for refs."""
    return compare(
        old.ref.slug, new.profile.country, (side(old), old.profile), (side(new), new.profile)
    )


def resolve_pair(store: Store, country: str, old: str, new: str) -> tuple[SnapshotRef, SnapshotRef]:
    """A country and two refs → the two stored versions they name. Refs only, never paths:
    what the HTTP service accepts (a ref that names no snapshot is ``SnapshotNotFound``)."""
    slug = find_country(store, country)
    return store.resolve(slug, old), store.resolve(slug, new)


def compare_stored(store: Store, country: str, old: str, new: str) -> Comparison:
    """``monitor diff COUNTRY OLD NEW`` for two refs; no local file is ever read."""
    old_ref, new_ref = resolve_pair(store, country, old, new)
    return compare_snapshots(store.load(old_ref), store.load(new_ref))


def compare_refs(store: Store, country: str, old: str, new: str) -> Comparison:
    """``monitor diff COUNTRY OLD NEW``: refs or local files on either side."""
    if not (Path(old).is_file() or Path(new).is_file()):
        return compare_stored(store, country, old, new)
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
