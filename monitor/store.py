"""The snapshot store: one folder per country, one JSON file per version, never overwritten.

Layout (see ../shared/DESIGN.md): ``<root>/<slug>/<YYYY-MM-DD>[.rN].json`` beside the raw
document it came from, and ``<root>/<slug>/state.json``. File names carry everything
needed to list and resolve refs, so neither reads a snapshot file. Every write is atomic
(temp file, fsync, rename); every read-modify-write holds the store lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from monitor.errors import SnapshotNotFound, StoreError
from monitor.files import sync_dir, write_atomic
from monitor.outcome import Outcome
from monitor.profile import Profile, from_dict, to_dict

SCHEMA = 1
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.r(\d+))?\.json$")
_REF = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.r(\d+))?$")
_RELATIVE = re.compile(r"^(latest|first)(?:~(\d+))?$")
_RAW_EXTENSIONS = {"pdf": "pdf", "html": "html", "text": "txt"}


@dataclass(frozen=True, order=True)
class SnapshotRef:
    """One stored version, known from its file name alone."""

    key: str  # the "last updated" date (or first-seen day), YYYY-MM-DD
    revision: int  # 1 for YYYY-MM-DD.json, N for YYYY-MM-DD.rN.json
    slug: str = field(compare=False)

    @property
    def name(self) -> str:
        return self.key if self.revision == 1 else f"{self.key}.r{self.revision}"

    @property
    def date(self) -> date:
        return date.fromisoformat(self.key)


@dataclass(frozen=True)
class Source:
    """Where a document came from: a URL or a local file, and the raw bytes' identity."""

    seen_at: str  # ISO timestamp (UTC) when the monitor first saw this content
    sha256: str
    content_type: str
    url: str | None = None
    file: str | None = None
    raw: str | None = None  # file name of the raw document beside the snapshot


@dataclass(frozen=True)
class Snapshot:
    ref: SnapshotRef
    profile: Profile
    source: Source
    dated_by: str  # "footer" or "first_seen" (the document has no "Last updated" line)
    content_sha256: str


@dataclass(frozen=True)
class SaveResult:
    outcome: Outcome
    ref: SnapshotRef


@dataclass
class CountryState:
    """Per-country bookkeeping for fetching and status (``state.json``)."""

    slug: str
    country: str = ""
    iso2: str | None = None
    iso3: str | None = None
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_check: str | None = None
    last_success: str | None = None
    consecutive_failures: int = 0
    failing_since: str | None = None
    last_error: str | None = None


def content_hash(profile: Profile | dict[str, Any]) -> str:
    """Identity by parsed content: equal profiles hash equal, whatever the bytes were."""
    data = profile if isinstance(profile, dict) else to_dict(profile)
    compact = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(compact.encode()).hexdigest()


def _file_json(data: Any) -> bytes:
    """Canonical JSON for files: sorted keys, UTF-8, one line (json's fast C encoder; the
    indented form is what `monitor show --format json` prints)."""
    return (json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n").encode()


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
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(str(self.root / ".lock"), timeout=self.lock_timeout)
        lock = self._lock
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

    def _write_atomic(self, path: Path, data: bytes, *, durable: bool = True) -> None:
        """Snapshots are durable (fsync before the rename); bookkeeping (state.json) is not:
        after a power cut it may be stale or unreadable, and is then rebuilt, costing one
        unconditional GET."""
        try:
            write_atomic(path, data, durable=durable)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc

    # -- reading -----------------------------------------------------------------------

    def country_dir(self, slug: str) -> Path:
        return self.root / check_slug(slug)

    def countries(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            entry.name
            for entry in os.scandir(self.root)
            if entry.is_dir() and _SLUG.match(entry.name)
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
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SnapshotNotFound(f"{path}: no such snapshot") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{path}: corrupt snapshot ({exc})") from exc
        try:
            if data.get("schema") != SCHEMA:
                raise StoreError(f"{path}: unknown snapshot schema {data.get('schema')!r}")
            return Snapshot(
                ref=ref,
                profile=from_dict(data["profile"]),
                source=Source(**data["source"]),
                dated_by=data["dated_by"],
                content_sha256=data["content_sha256"],
            )
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{path}: corrupt snapshot ({type(exc).__name__}: {exc})") from exc

    def read_state(self, slug: str) -> CountryState:
        path = self.country_dir(slug) / "state.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            known = {k: v for k, v in data.items() if k in CountryState.__dataclass_fields__}
            return CountryState(**{**known, "slug": slug})
        except FileNotFoundError:
            return CountryState(slug)
        except (OSError, ValueError, TypeError) as exc:
            raise StoreError(f"{path}: corrupt state file ({exc})") from exc

    def write_state(self, state: CountryState) -> None:
        directory = self.country_dir(state.slug)
        directory.mkdir(parents=True, exist_ok=True)
        self._write_atomic(directory / "state.json", _file_json(asdict(state)), durable=False)

    def update_state(self, slug: str, **changes: Any) -> CountryState:
        """Read-modify-write of state.json under the lock (a corrupt one is rebuilt)."""
        with self.lock():
            try:
                state = self.read_state(slug)
            except StoreError:
                state = CountryState(slug)  # a corrupt state file is rebuilt, not fatal
            state = replace(state, **changes)
            self.write_state(state)
            return state

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
    ) -> SaveResult:
        """Store a parsed document unless the same content is already stored.

        Same content under its date → ``unchanged`` (nothing written); other content under
        a stored date → a new revision; a new date → ``new``. A document without a "Last
        updated" line is keyed by the day it is first seen.
        """
        slug = check_slug(profile.slug)
        profile_data = to_dict(profile)
        digest = content_hash(profile_data)
        with self.lock():
            refs = self.refs(slug)
            if profile.last_updated:
                key, dated_by = profile.last_updated.isoformat(), "footer"
                same_key = [r for r in refs if r.key == key]
                if same_key and self._content_of(same_key[-1]) == digest:
                    return SaveResult(Outcome.UNCHANGED, same_key[-1])
            else:
                key, dated_by = now.date().isoformat(), "first_seen"
                if refs and self._content_of(refs[-1]) == digest:
                    return SaveResult(Outcome.UNCHANGED, refs[-1])
                same_key = [r for r in refs if r.key == key]
            revision = same_key[-1].revision + 1 if same_key else 1
            ref = SnapshotRef(key, revision, slug)
            raw_name = f"{ref.name}.{_RAW_EXTENSIONS.get(kind, 'bin')}"
            source = Source(
                seen_at=now.isoformat(timespec="seconds"),
                sha256=hashlib.sha256(raw).hexdigest(),
                content_type=content_type,
                url=url,
                file=file,
                raw=raw_name,
            )
            document = {
                "schema": SCHEMA,
                "profile": profile_data,
                "source": asdict(source),
                "dated_by": dated_by,
                "content_sha256": digest,
            }
            directory = self.country_dir(slug)
            directory.mkdir(parents=True, exist_ok=True)
            # Raw first: a snapshot JSON only ever appears once everything it names exists.
            self._write_atomic(directory / raw_name, raw)
            self._write_atomic(self.path(ref), _file_json(document))
            sync_dir(directory)
            return SaveResult(Outcome.REVISED if same_key else Outcome.NEW, ref)

    def _content_of(self, ref: SnapshotRef) -> str | None:
        """The content hash of a stored snapshot; None when it cannot be read."""
        try:
            return self.load(ref).content_sha256
        except StoreError:
            return None  # unreadable: never equal, so the new content becomes a revision

    def remove_stale_temp_files(self) -> int:
        """Temp files left by a process killed mid-write; they are never read, only tidied."""
        removed = 0
        for temp in self.root.glob("*/.*.tmp"):
            with contextlib.suppress(OSError):
                temp.unlink()
                removed += 1
        return removed


def _list_refs(refs: list[SnapshotRef], limit: int = 12) -> str:
    names = [r.name for r in refs]
    if len(names) > limit:
        names = [*names[: limit // 2], "…", *names[-limit // 2 :]]
    return ", ".join(names)


def find_country(store: Store, query: str) -> str:
    """The stored country a user means: slug, ISO code or name, any case.

    An unknown country is a ``SnapshotNotFound`` suggesting close matches.
    """
    from monitor.countries import resolve, slugify, suggest

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
