"""The snapshot store: one folder per country, one JSON file per version, never overwritten.

Layout (see ../shared/DESIGN.md): ``<root>/<slug>/<YYYY-MM-DD>[.rN].json`` beside the raw
document it came from, and ``<root>/<slug>/state.json``. File names carry everything
needed to list and resolve refs, so neither reads a snapshot file. Every write is atomic
(temp file, fsync, rename); every read-modify-write holds the store lock.
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

from monitor.core.countries import resolve, slugify, suggest
from monitor.core.jsonform import dumps, loads
from monitor.core.profile import Profile, from_dict, to_dict
from monitor.core.snapshot import (
    Capture,
    Outcome,
    SaveResult,
    Snapshot,
    SnapshotRef,
    Source,
    content_hash,
    source_data,
)
from monitor.edges.files import remove_temp_files, write_all
from monitor.edges.state import CountryState, all_states, country_states
from monitor.errors import SnapshotNotFound, StoreError

SCHEMA = 1
log = logging.getLogger("monitor")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.r(\d+))?\.json$")
_REF = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.r(\d+))?$")
_RELATIVE = re.compile(r"^(latest|first)(?:~(\d+))?$")


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
            match = _NAME.match(entry.name)
            if match:
                found.append(SnapshotRef(match.group(1), int(match.group(2) or 1), slug))
        return sorted(found)

    def resolve(self, slug: str, ref: str) -> SnapshotRef:
        """``YYYY-MM-DD``, ``YYYY-MM-DD.rN``, ``latest``, ``previous``, ``first``, ``latest~N``."""
        refs = self.refs(slug)
        if not refs:
            raise SnapshotNotFound(f"{slug}: no snapshots stored")
        wanted = ref.strip().lower()
        if wanted == "previous":
            wanted = "latest~1"
        relative = _RELATIVE.match(wanted)
        if relative:
            back = int(relative.group(2) or 0)
            index = len(refs) - 1 - back if relative.group(1) == "latest" else back
            if 0 <= index < len(refs):
                return refs[index]
            raise SnapshotNotFound(
                f"{slug}: {ref} goes beyond the {len(refs)} snapshots stored ({_list_refs(refs)})"
            )
        exact = _REF.match(wanted)
        if exact:
            same_day = [r for r in refs if r.key == exact.group(1)]
            if exact.group(2):
                same_day = [r for r in same_day if r.revision == int(exact.group(2))]
            if same_day:
                return same_day[-1]
        raise SnapshotNotFound(f"{slug}: no snapshot {ref!r}; stored: {_list_refs(refs)}")

    def path(self, ref: SnapshotRef) -> Path:
        return self.country_dir(ref.slug) / f"{ref.name}.json"

    def load(self, ref: SnapshotRef) -> Snapshot:
        path = self.path(ref)
        try:
            data = loads(_read_no_link(path))
        except FileNotFoundError as exc:
            raise SnapshotNotFound(f"{path}: no such snapshot") from exc
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StoreError(
                    f"{path}: a symbolic link inside the store; the store never follows links"
                ) from exc
            raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        except ValueError as exc:
            raise StoreError(f"{path}: corrupt snapshot ({exc})") from exc
        try:
            if data.get("schema") != SCHEMA:
                raise StoreError(f"{path}: unknown snapshot schema {data.get('schema')!r}")
            source = Source(**data["source"])
            if datetime.fromisoformat(source.seen_at).tzinfo is None:
                raise StoreError(
                    f"{path}: corrupt snapshot (seen_at {source.seen_at!r} has no timezone)"
                )
            from monitor.core.findings import rederive  # the rules: only readers need them

            return Snapshot(
                ref=ref,
                profile=rederive(from_dict(data["profile"])),  # judged by today's rules
                source=source,
                dated_by=data["dated_by"],
                content_sha256=data["content_sha256"],
            )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{path}: corrupt snapshot ({type(exc).__name__}: {exc})") from exc

    def read_states(self, repair: bool = True) -> dict[str, CountryState]:
        """Every country's bookkeeping (``.state.json``; a country it does not know yet is
        read from its own ``state.json``, where older versions kept it). A damaged file is
        set aside and rebuilt, unless ``repair`` is off (a read-only reader)."""
        states = all_states(self.root).read(repair)
        for slug in self.countries():
            if slug not in states and (self.root / slug / "state.json").is_file():
                states[slug] = country_states(self.country_dir(slug), slug).read(repair)
        return states

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
        item = Incoming(profile, raw, kind, content_type, now, url, file, capture)
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
            seen_at=now.isoformat(timespec="seconds"),
            sha256=hashlib.sha256(item.raw).hexdigest(),
            content_type=item.content_type,
            url=item.url,
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


def _list_refs(refs: list[SnapshotRef], limit: int = 12) -> str:
    names = [r.name for r in refs]
    if len(names) > limit:
        names = [*names[: limit // 2], "…", *names[-limit // 2 :]]
    return ", ".join(names)


def find_country(store: Store, query: str) -> str:
    """The stored country a user means: slug, ISO code or name, any case.

    An unknown country is a ``SnapshotNotFound`` suggesting close matches.
    """
    known = store.countries()
    wanted = query.strip()
    if slugify(wanted) in known:
        return slugify(wanted)
    states = {}
    for slug in known:
        try:
            states[slug] = store.read_state(slug)
        except StoreError:
            continue
    upper = wanted.upper()
    for slug, state in states.items():
        if upper in (state.iso2, state.iso3) or wanted.lower() == state.country.lower():
            return slug
    resolved = resolve(wanted).slug
    if resolved in known:
        return resolved
    names = known + [s.country for s in states.values() if s.country]
    close = suggest(wanted, names)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    if not known:
        hint = f"; the store {store.root} is empty (run `monitor fetch` or `monitor import`)"
    raise SnapshotNotFound(f"no country {query!r} in the store{hint}")
