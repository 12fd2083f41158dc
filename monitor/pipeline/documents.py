"""Local documents: parse one, import many, compare stored versions (or a file before
importing it)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from monitor.config import Config
from monitor.core.countries import identify
from monitor.core.diff import Comparison, Side, compare
from monitor.core.extract import sniff
from monitor.core.limits import DEFAULT_LIMITS, Limits
from monitor.core.periods import side
from monitor.core.profile import Profile
from monitor.core.refs import split_country
from monitor.core.snapshot import Outcome, Snapshot, SnapshotRef
from monitor.edges.reading import read_profile
from monitor.edges.store import Store, find_country
from monitor.errors import ExtractError, MonitorError, SnapshotNotFound

_CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain"}

MAX_LOCAL_BYTES = 50_000_000
log = logging.getLogger("monitor")


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


def parse_file(
    path: Path,
    country: str | None = None,
    force_country: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Profile:
    """Parse one local document, within ``limits`` (``[extract]``); errors name the file."""
    data = read_local(path)
    try:
        return read_profile(
            data,
            filename=path.name,
            country=country,
            force_country=force_country,
            limits=limits,
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
    force_country: bool = False,
    config: Config | None = None,
) -> Iterator[ImportResult]:
    """Backfill history from local documents; one bad file never stops the rest."""
    limits = config.extract if config else DEFAULT_LIMITS
    for path in paths:
        try:
            data = read_local(path)
            kind = sniff(data, filename=path.name)
            profile = read_profile(
                data,
                filename=path.name,
                country=country,
                force_country=force_country,
                limits=limits,
            )
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


@dataclass(frozen=True)
class _End:
    """One side of ``monitor diff``, and whose profile it is."""

    side: Side
    profile: Profile
    slug: str
    explicit: bool  # named as COUNTRY:REF, so it may belong to another country
    stored: bool = True  # a snapshot in the store, not a local file


def _end(store: Store, slug: str | None, arg: str, limits: Limits) -> _End:
    """A ref in the store, the path of a local document (to compare before importing), or
    either prefixed with its country (``uganda:latest``, ``uganda:Uganda.pdf``)."""
    country, explicit = None, False
    if not Path(arg).is_file():
        country, arg = split_country(arg)
        explicit = country is not None
    path = Path(arg)
    if path.is_file():
        # The title must agree with the prefix.
        profile = parse_file(path, country=country, limits=limits)
        updated = profile.last_updated.isoformat() if profile.last_updated else None
        local = Side(str(path), updated, source=str(path.resolve()))
        return _End(local, profile, profile.slug, explicit, stored=False)
    if country is not None:
        slug = find_country(store, country)
    if slug is None:
        raise SnapshotNotFound(f"{arg}: not a file, and no stored country to look it up in")
    snap = store.load(store.find_ref(slug, arg))
    return _End(side(snap), snap.profile, slug, explicit)


def compare_snapshots(old: Snapshot, new: Snapshot, slug: str | None = None) -> Comparison:
    """Two stored snapshots compared: what ``monitor diff`` prints for refs. Of two
    countries (``monitor diff kenya latest uganda:latest``; ``slug`` is the one the command
    named), the heading says so and each ref names its country."""
    ends = [(side(old), old.profile), (side(new), new.profile)]
    name = new.profile.country
    if old.ref.slug != new.ref.slug:
        name = f"{old.profile.country} → {new.profile.country} (two countries)"
        for index, snap in enumerate((old, new)):
            prefixed = replace(ends[index][0], ref=f"{snap.ref.slug}:{snap.ref.name}")
            ends[index] = (prefixed, snap.profile)
    return compare(slug or old.ref.slug, name, ends[0], ends[1])


def resolve_pair(
    store: Store, country: str, old: str, new: str
) -> tuple[str, SnapshotRef, SnapshotRef]:
    """A country and two refs → its slug and the two stored versions they name; either ref
    may be another country's (``uganda:latest``). Refs only, never paths: what the HTTP
    service accepts (a ref that names no snapshot is ``SnapshotNotFound``)."""
    slug = find_country(store, country)

    def resolved(arg: str) -> SnapshotRef:
        other, ref = split_country(arg)
        return store.find_ref(find_country(store, other) if other else slug, ref)

    return slug, resolved(old), resolved(new)


def compare_stored(store: Store, country: str, old: str, new: str) -> Comparison:
    """``monitor diff COUNTRY OLD NEW`` for two refs; no local file is ever read."""
    slug, old_ref, new_ref = resolve_pair(store, country, old, new)
    return compare_snapshots(store.load(old_ref), store.load(new_ref), slug)


def compare_refs(
    store: Store, country: str, old: str, new: str, limits: Limits = DEFAULT_LIMITS
) -> Comparison:
    """``monitor diff COUNTRY OLD NEW``: refs or local files on either side.

    Both sides are COUNTRY's unless one is named as another country's explicitly
    (``monitor diff kenya latest uganda:latest``); such a comparison says so in its heading.
    A local file of another country given as a plain path is an error naming both.
    """
    files = any(Path(arg).is_file() or Path(split_country(arg)[1]).is_file() for arg in (old, new))
    if not files and (
        not any(split_country(arg)[0] for arg in (old, new)) or store_has(store, country)
    ):
        return compare_stored(store, country, old, new)  # what the HTTP service answers
    slug = None
    try:
        slug = find_country(store, country)
    except SnapshotNotFound:
        if not all(Path(arg).is_file() or split_country(arg)[0] for arg in (old, new)):
            raise
    ends = (_end(store, slug, old, limits), _end(store, slug, new, limits))
    expected = slug or identify(country).slug
    for arg, end in zip((old, new), ends, strict=True):
        if end.slug != expected and not end.explicit:
            raise MonitorError(
                f"{arg} is the profile of {end.profile.country}, not of {country}; to compare "
                f"two countries, name the other one: monitor diff {country} ... {end.slug}:{arg}"
            )
    first, second = ends
    name = second.profile.country
    if first.slug != second.slug:  # asked for explicitly: every ref names its country
        name = f"{first.profile.country} → {second.profile.country} (two countries)"
        first, second = (_prefixed(first), _prefixed(second))
    return compare(expected, name, (first.side, first.profile), (second.side, second.profile))


def store_has(store: Store, country: str) -> bool:
    try:
        find_country(store, country)
    except SnapshotNotFound:
        return False
    return True


def _prefixed(end: _End) -> _End:
    if not end.stored:
        return end
    return replace(end, side=replace(end.side, ref=f"{end.slug}:{end.side.ref}"))
