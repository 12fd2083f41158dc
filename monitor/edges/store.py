"""The snapshot store: one folder per country, one JSON file per version, never overwritten.

Layout (see ../shared/DESIGN.md): ``<root>/<slug>/<YYYY-MM-DD>[.rN].json`` beside the raw
document it came from, and every country's fetch bookkeeping in ``<root>/.state.json``
(``edges/state``). File names carry everything needed to list and resolve refs, so neither
reads a snapshot file. A snapshot file is read whole into typed values at one place
(``load``, through ``jsonform.convert``); one that does not fit is ``SnapshotDamaged``. Every
write is atomic (temp file, fsync, rename); every read-modify-write holds the store lock.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor.core import refs as grammar
from monitor.core.countries import REGION, Country, KnownCountries, slugify
from monitor.core.jsonform import convert, dumps, loads
from monitor.core.profile import Profile, from_stored, to_dict
from monitor.core.snapshot import (
    Capture,
    Outcome,
    SaveResult,
    Snapshot,
    SnapshotRef,
    Source,
    StoredSnapshot,
    content_hash,
    public_url,
    source_data,
)
from monitor.edges.files import remove_temp_files, write_all
from monitor.edges.state import CountryState, all_states, country_states
from monitor.errors import SnapshotDamaged, SnapshotNotFound, StoreError

SCHEMA = 1
log = logging.getLogger("monitor")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class Incoming:
    """A parsed document on its way into the store, and where it came from."""

    profile: Profile
    raw: bytes
    kind: str  # "pdf", "html" or "text": the raw file's extension
    content_type: str
    now: datetime  # when it was seen (a capture's own time wins)
    url: str | None = None
    file: str | None = None
    capture: Capture | None = None


_RAW_EXTENSIONS = {"pdf": "pdf", "html": "html", "text": "txt"}


@dataclass(frozen=True)
class Batch:
    """What saving some documents means: each one's result, and the files to write for
    those that are new (raw documents first, then the snapshots that name them)."""

    results: list[SaveResult | StoreError]
    files: list[tuple[Path, bytes]]
    writing: frozenset[int]  # the items those files are

    def failed(self, error: StoreError) -> list[SaveResult | StoreError]:
        """The results once writing the files failed: the items being written failed."""
        return [error if i in self.writing else r for i, r in enumerate(self.results)]


@dataclass(frozen=True)
class FileIdentity:
    """A snapshot file as it is now, known without reading it. The store never rewrites a
    file in place (it writes a new one and renames it over), so a file whose identity is
    unchanged holds the same content: what the report cache and the service key on."""

    path: str
    inode: int
    size: int
    mtime_ns: int


def check_slug(slug: str) -> str:
    """A slug is the only thing that becomes a path: refuse anything that could escape."""
    if not _SLUG.match(slug):
        raise StoreError(f"not a valid country key: {slug!r}")
    return slug


class Store:
    def __init__(self, root: Path, lock_timeout: float = 60.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._lock: Any = None

    # -- locking and atomic files ------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's write lock; waits at most ``lock_timeout`` seconds.

        Re-entrant within a thread: a caller can hold it around several writes (one
        acquisition per document instead of one per write).
        """
        from filelock import FileLock, Timeout

        if self._lock is None:
            self._make(self.root)
            self._lock = FileLock(str(self.root / ".lock"), timeout=self.lock_timeout)
        lock = self._lock
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.info("waiting for the store lock of %s (another monitor process)", self.root)
            try:
                lock.acquire()
            except Timeout as exc:
                raise StoreError(
                    f"the store {self.root} is locked by another monitor process "
                    f"(waited {self.lock_timeout:g} s); try again when it has finished"
                ) from exc
        try:
            yield
        finally:
            lock.release()

    # -- reading -----------------------------------------------------------------------

    def check(self) -> None:
        """Fail early, in one line, when the store's path names something else."""
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root}: not a folder (storage.snapshots must name a folder)")

    def _make(self, directory: Path) -> None:
        """Create a folder of the store, refusing a link or a file in its place."""
        self.check()
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise StoreError(f"{directory}: a file is in the way of a store folder") from exc
        except OSError as exc:
            raise StoreError(f"cannot create {directory}: {exc.strerror or exc}") from exc

    def country_dir(self, slug: str) -> Path:
        """A country's folder; a symbolic link there is refused, never followed."""
        path = self.root / check_slug(slug)
        if path.is_symlink():
            raise StoreError(
                f"{path}: a symbolic link inside the store; the store never follows links "
                "(replace it with the real folder)"
            )
        return path

    def countries(self) -> list[str]:
        """Country folders (links are not followed, so a planted one is never read)."""
        if not self.root.exists():
            return []
        self.check()
        return sorted(
            entry.name
            for entry in os.scandir(self.root)
            if entry.is_dir(follow_symlinks=False) and _SLUG.match(entry.name)
        )

    def refs(self, slug: str) -> list[SnapshotRef]:
        """Every stored version of a country, oldest first, from file names only."""
        directory = self.country_dir(slug)
        if not directory.is_dir():
            return []
        found = []
        for entry in os.scandir(directory):
            stem = entry.name.removesuffix(".json")
            named = grammar.version(stem) if stem != entry.name else None
            if named is not None:
                found.append(SnapshotRef(*named, slug))
        return sorted(found)

    def find_ref(self, slug: str, ref: str) -> SnapshotRef:
        """The stored version a ref names (``core/refs``: ``2016-02-10``, ``2016-02-10.r2``,
        ``2016``, ``2016-02``, ``latest``, ``previous``, ``first``, ``latest~N``)."""
        return grammar.pick(self.refs(slug), ref, slug)

    def path(self, ref: SnapshotRef) -> Path:
        return self.country_dir(ref.slug) / f"{ref.name}.json"

    def identity(self, ref: SnapshotRef) -> FileIdentity | None:
        """The identity of a snapshot's file now (see ``FileIdentity``); None when it is gone."""
        return self.identities([ref])[0]

    def identities(self, refs: Sequence[SnapshotRef]) -> list[FileIdentity | None]:
        """``identity`` of many files, each country's folder checked once."""
        folders: dict[str, Path] = {}
        out: list[FileIdentity | None] = []
        for ref in refs:
            if ref.slug not in folders:
                folders[ref.slug] = self.country_dir(ref.slug)
            path = os.path.join(folders[ref.slug], f"{ref.name}.json")
            try:
                stat = os.stat(path, follow_symlinks=False)
            except OSError:
                out.append(None)
                continue
            out.append(FileIdentity(path, stat.st_ino, stat.st_size, stat.st_mtime_ns))
        return out

    def load(self, ref: SnapshotRef) -> Snapshot:
        """A stored snapshot; a file that is not one is ``SnapshotDamaged``, naming it."""
        path = self.path(ref)
        try:
            raw = _read_no_link(path)
        except FileNotFoundError as exc:
            raise SnapshotNotFound(f"{path}: no such snapshot") from exc
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoreError(
                    f"{path}: a symbolic link inside the store; the store never follows links"
                ) from exc
            raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        try:
            stored = convert(loads(raw), StoredSnapshot)
            profile = from_stored(stored.profile)
        except (ValueError, SnapshotDamaged) as exc:  # not JSON, Malformed, another schema
            raise SnapshotDamaged(f"{path}: corrupt snapshot ({exc})") from exc
        if stored.schema != SCHEMA:
            raise SnapshotDamaged(f"{path}: unknown snapshot schema {stored.schema!r}")
        from monitor.core.findings import rederive  # the rules: only readers need them

        return Snapshot(
            ref=ref,
            profile=rederive(profile),  # judged by today's rules
            source=stored.source,
            dated_by=stored.dated_by,
            content_sha256=stored.content_sha256,
        )

    def read_states(self, repair: bool = True) -> dict[str, CountryState]:
        """Every country's bookkeeping (``.state.json``; a country it does not know yet is
        read from its own ``state.json``, where older versions kept it). A damaged file is
        set aside and rebuilt, unless ``repair`` is off (a read-only reader)."""
        states = all_states(self.root).read(repair)
        for slug in self.countries():
            if slug not in states and (self.root / slug / "state.json").is_file():
                states[slug] = country_states(self.country_dir(slug), slug).read(repair)
        return states

    def stored_states(self) -> dict[str, CountryState | StoreError]:
        """Each stored country's bookkeeping, the file read once; where it cannot be read
        (damaged, for a reader that does not repair), each country's own answer: its
        bookkeeping or the error, so one damaged file costs only what it holds."""
        slugs = self.countries()
        try:
            states = self.read_states()
            return {slug: states.get(slug) or CountryState(slug) for slug in slugs}
        except StoreError:
            pass
        found: dict[str, CountryState | StoreError] = {}
        for slug in slugs:
            try:
                found[slug] = self.read_state(slug)
            except StoreError as exc:
                found[slug] = exc
        return found

    def known_countries(self) -> KnownCountries:
        """The stored countries as the lookup knows them: slug, and where the bookkeeping
        says, name and ISO codes."""
        return KnownCountries(
            Country(state.country or slug, state.iso2, state.iso3, slug)
            if isinstance(state, CountryState)
            else Country(slug, None, None, slug)
            for slug, state in self.stored_states().items()
        )

    def read_state(self, slug: str, repair: bool = True) -> CountryState:
        """A country's bookkeeping (see ``read_states``)."""
        check_slug(slug)
        found = all_states(self.root).read(repair).get(slug)
        if found is None and (self.root / slug / "state.json").is_file():
            found = country_states(self.country_dir(slug), slug).read(repair)
        return found or CountryState(slug)

    def update_states(self, changes: dict[str, dict[str, Any]]) -> None:
        """Apply ``{slug: {field: value}}`` in one write, under the store lock."""
        if not changes:
            return
        with self.lock():
            ledger = all_states(self.root)
            states = ledger.read()
            for slug, fields in changes.items():
                if slug not in states:
                    states[slug] = self.read_state(slug)
                states[slug] = replace(states[slug], **fields)
            ledger.write(states)

    def write_states(self, states: dict[str, CountryState]) -> None:
        """Replace every country's bookkeeping with ``states`` (a fetch run, which read
        them at its start and held the lock since)."""
        with self.lock():
            all_states(self.root).write(states)

    def update_state(self, slug: str, **changes: Any) -> CountryState:
        """Read-modify-write of one country's bookkeeping under the store lock."""
        self.update_states({check_slug(slug): changes})
        return self.read_state(slug)

    # -- saving ------------------------------------------------------------------------

    def save(
        self,
        profile: Profile,
        raw: bytes,
        *,
        kind: str,
        content_type: str,
        now: datetime,
        url: str | None = None,
        file: str | None = None,
        capture: Capture | None = None,
    ) -> SaveResult:
        """Store a parsed document unless the same content is already stored.

        Same content under its date → ``unchanged`` (nothing written); other content under
        a stored date → a new revision; a new date → ``new``. A document without a "Last
        updated" line is keyed by the day it is first seen. A web-archive ``capture`` is
        recorded, and is when the document was first seen; a version older than the newest
        stored one is marked as history (reports do not announce it as news).
        """
        return self.save_one(Incoming(profile, raw, kind, content_type, now, url, file, capture))

    def save_one(self, item: Incoming) -> SaveResult:
        """``save`` for a document already on its way in (``Incoming``)."""
        (result,) = self.save_batch([item])
        if isinstance(result, StoreError):
            raise result
        return result

    def save_batch(self, items: Sequence[Incoming]) -> list[SaveResult | StoreError]:
        """``save`` for many documents with one group commit: all their files made durable
        together, then published (raw documents before the snapshots that name them), then
        the folders once. One item's error is its own result; a failed commit fails the
        items it was writing."""
        with self.lock():
            batch = self.plan_batch(items)
            if batch.files:
                try:
                    write_all(batch.files, error=StoreError, mkdir=True)
                except StoreError as exc:
                    return batch.failed(exc)
            return batch.results

    def plan_batch(self, items: Sequence[Incoming]) -> Batch:
        """What ``save_batch`` would do, without writing: for a caller that holds the lock
        and writes ``files`` its own way (a fetch run, in a thread while it downloads)."""
        planned: dict[str, list[tuple[SnapshotRef, str]]] = {}
        results: list[SaveResult | StoreError] = []
        writes: list[tuple[int, Path, bytes, Path, dict[str, Any]]] = []
        for index, item in enumerate(items):
            try:
                result, write = self._plan(item, planned)
            except StoreError as exc:
                results.append(exc)
                continue
            results.append(result)
            if write is not None:
                writes.append((index, *write))
        files = [(raw_path, raw) for _, raw_path, raw, _, _ in writes] + [
            (json_path, (dumps(doc, compact=True) + "\n").encode())
            for _, _, _, json_path, doc in writes
        ]
        return Batch(results, files, frozenset(index for index, *_ in writes))

    def _plan(
        self, item: Incoming, planned: dict[str, list[tuple[SnapshotRef, str]]]
    ) -> tuple[SaveResult, tuple[Path, bytes, Path, dict[str, Any]] | None]:
        """Decide what saving ``item`` does, given what is stored and what this batch has
        planned already; the files to write, if any."""
        profile, capture = item.profile, item.capture
        now = capture.moment if capture is not None else item.now
        slug = check_slug(profile.slug)
        profile_data = to_dict(profile)
        digest = content_hash(profile_data)
        if slug not in planned:
            planned[slug] = [(ref, "") for ref in self.refs(slug)]
        known = planned[slug]
        refs = [ref for ref, _ in known]

        def content(ref: SnapshotRef) -> str | None:
            fresh = next((d for r, d in known if r == ref and d), None)
            return fresh or self._content_of(ref)

        if profile.last_updated:
            key, dated_by = profile.last_updated.isoformat(), "footer"
            same_key = [r for r in refs if r.key == key]
            if same_key and content(same_key[-1]) == digest:
                return SaveResult(Outcome.UNCHANGED, same_key[-1]), None
        else:
            key, dated_by = now.date().isoformat(), "first_seen"
            if refs and content(refs[-1]) == digest:
                return SaveResult(Outcome.UNCHANGED, refs[-1]), None
            same_key = [r for r in refs if r.key == key]
        revision = same_key[-1].revision + 1 if same_key else 1
        ref = SnapshotRef(key, revision, slug)
        raw_name = f"{ref.name}.{_RAW_EXTENSIONS.get(item.kind, 'bin')}"
        source = Source(
            seen_at=now.replace(microsecond=0),  # stored to the second
            sha256=hashlib.sha256(item.raw).hexdigest(),
            content_type=item.content_type,
            url=public_url(item.url),
            file=item.file,
            raw=raw_name,
            capture=capture.timestamp if capture else None,
            capture_url=capture.url if capture else None,
            history=bool(refs) and key < max(refs).key,
        )
        document = {
            "schema": SCHEMA,
            "profile": profile_data,
            "source": source_data(source),
            "dated_by": dated_by,
            "content_sha256": digest,
        }
        known.append((ref, digest))
        known.sort()
        directory = self.country_dir(slug)
        outcome = Outcome.REVISED if same_key else Outcome.NEW
        return SaveResult(outcome, ref), (directory / raw_name, item.raw, self.path(ref), document)

    def _content_of(self, ref: SnapshotRef) -> str | None:
        """The content hash of a stored snapshot, recomputed (the stored ``content_sha256``
        may have been written under an older formula); None when it cannot be read."""
        try:
            return content_hash(self.load(ref).profile)
        except StoreError:
            return None  # unreadable: never equal, so the new content becomes a revision

    def remove_stale_temp_files(self) -> int:
        """Temp files left by a process killed mid-write; they are never read, only tidied."""
        removed = remove_temp_files(self.root)
        for slug in self.countries():
            removed += remove_temp_files(self.root / slug)
        return removed


def _read_no_link(path: Path) -> bytes:
    """A file's bytes, refusing (ELOOP) if the file itself is a symbolic link."""
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(handle, "rb") as file:
        return file.read()


def find_country(store: Store, query: str) -> str:
    """The stored country a user means (``KnownCountries.find``: slug, ISO code, name or
    ITU spelling, any case); the bookkeeping is read once, and not at all for a slug.

    An unknown country is a ``SnapshotNotFound`` suggesting close matches.
    """
    slug = slugify(query.strip())
    if slug in store.countries():  # the rule's first step, without reading the bookkeeping
        return slug
    known = store.known_countries()
    found = known.find(query)
    if found is not None:
        return found.slug
    close = known.suggest(query)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    if not known.countries:
        hint = f"; the store {store.root} is empty (run `monitor fetch` or `monitor import`)"
    raise SnapshotNotFound(f"no country {query!r} in the store{hint}")


def find_countries(store: Store, queries: Sequence[str]) -> list[str]:
    """The stored countries a list of names means, in order, each once: a country as
    ``find_country`` reads it, or every stored country of a UN M49 region
    (``region:africa``, ``region:western-asia``; ``core/countries.region_codes``)."""
    slugs: list[str] = []
    for query in queries:
        if not query.strip().lower().startswith(REGION):
            slugs.append(find_country(store, query))
            continue
        try:
            inside = store.known_countries().in_region(query)
        except LookupError as exc:
            raise SnapshotNotFound(str(exc)) from exc
        slugs.extend(c.slug for c in inside if store.refs(c.slug))
    return list(dict.fromkeys(slugs))
