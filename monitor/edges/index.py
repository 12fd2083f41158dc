"""The full-text index of every section of every stored snapshot (SQLite FTS5 through
sqlite-utils), at ``snapshots/.cache/search.db``.

Derived and rebuildable: it holds only what the snapshot files hold, so deleting it loses
nothing (the next search builds it again), and where it cannot be written (a store the
service may only read) it is built in memory instead. Each search first brings it up to date: a
country folder whose modification time moved (the store only ever adds a file by renaming
it into the folder) is listed again, and its new or replaced snapshot files are indexed, its
removed ones dropped; so a snapshot saved by any process is found by the next search. A
section's words are stored once however many snapshots repeat them (most sections do not
change between versions), and each snapshot's sections point at them. A damaged file is set
aside as ``search.db.corrupt-<time>`` with one log line and built again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.core.diff import number_order
from monitor.core.search import MARK_CLOSE, MARK_OPEN, Hit
from monitor.core.snapshot import SnapshotRef
from monitor.edges.store import Store
from monitor.errors import StoreError

SCHEMA = 1
SETTLE_NS = 2_000_000_000  # a folder changed this recently may change again in the same tick
log = logging.getLogger("monitor")


def index_path(snapshots: Path) -> Path:
    return Path(snapshots) / ".cache" / "search.db"


@dataclass(frozen=True)
class Scope:
    """Which snapshots a search looks at: countries (slugs), a section (and those under
    it), and the snapshot dates (``YYYYMMDD`` prefixes, as ``core/refs.date_bound`` gives)."""

    slugs: tuple[str, ...] = ()
    section: str | None = None
    date_from: str | None = None
    date_to: str | None = None


_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS snapshots (
    slug TEXT, ref TEXT, day TEXT, revision INTEGER, country TEXT,
    ino INTEGER, size INTEGER, mtime_ns INTEGER, PRIMARY KEY (slug, ref));
CREATE TABLE IF NOT EXISTS contents (
    id INTEGER PRIMARY KEY, hash TEXT UNIQUE, title TEXT, text TEXT, items TEXT);
CREATE TABLE IF NOT EXISTS sections (
    slug TEXT, ref TEXT, number TEXT, title TEXT, content INTEGER);
CREATE INDEX IF NOT EXISTS sections_content ON sections (content);
CREATE INDEX IF NOT EXISTS sections_snapshot ON sections (slug, ref);
"""


class Index:
    """The search index of one store; open once, ``refresh`` before each search."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = index_path(store.root)
        self.db = self._open()
        self.version = 0  # moves whenever ``refresh`` finds a country folder changed
        self._seen: dict[str, int] = {}  # country folder → its mtime when last looked at
        self._latest_of: dict[tuple[str | None, str | None], dict[str, tuple[str, str]]] = {}

    def _open(self) -> Any:
        """The index file; where it cannot be written (a store this process may only read,
        a disk that is full), an index in memory, built for this process alone."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for attempt in range(2):
                db = self._connect(str(self.path))
                try:
                    self._prepare(db)
                    return db
                except sqlite3.OperationalError:  # cannot open or write it: not damage
                    db.conn.close()
                    raise
                except sqlite3.DatabaseError as exc:
                    db.conn.close()
                    if attempt:
                        raise StoreError(
                            f"{self.path}: cannot build the search index: {exc}"
                        ) from exc
                    self._set_aside(exc)
        except (OSError, sqlite3.OperationalError) as exc:
            log.warning(
                "%s: cannot keep the search index there (%s); it is built in memory for "
                "this process",
                self.path,
                exc,
            )
            db = self._connect(":memory:")
            self._prepare(db)
            return db
        raise AssertionError("unreachable")

    @staticmethod
    def _connect(where: str) -> Any:
        import sqlite_utils

        connection = sqlite3.connect(where, timeout=60, check_same_thread=False)
        return sqlite_utils.Database(connection)

    def _prepare(self, db: Any) -> None:
        """Check the file is a database of our shape (``quick_check`` reads every page
        once: a few milliseconds for a store of 2,000 snapshots), or make it one."""
        db.execute("PRAGMA journal_mode=WAL")
        found = db.execute("PRAGMA quick_check").fetchone()[0]
        if found != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {found}")
        schema = None
        if "meta" in db.table_names():
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            schema = row[0] if row else None
        if schema != str(SCHEMA):
            for name in reversed(db.table_names()):
                if not name.startswith("contents_fts_"):
                    db.execute(f"DROP TABLE IF EXISTS [{name}]")
        db.executescript(_TABLES)
        if "contents_fts" not in db.table_names():
            db.table("contents").enable_fts(["title", "text", "items"], create_triggers=True)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", [str(SCHEMA)])
        db.conn.commit()

    def _set_aside(self, cause: Exception) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
        except OSError:
            self.path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        log.warning(
            "%s was damaged (%s); set aside as %s and rebuilt", self.path, cause, aside.name
        )

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
        try:
            yield
        except BaseException:
            self.db.conn.rollback()
            raise
        self.db.conn.commit()

    # -- keeping up with the store ---------------------------------------------------------

    def refresh(self) -> int:
        """Index what the store added, replaced or removed since this object last looked
        (by any process; what another process indexed meanwhile is found there and kept);
        returns how many snapshots were (re)indexed here."""
        started = time.time_ns()
        folders = self._folder_times()
        known = self._seen
        stale = [slug for slug, mtime in folders.items() if known.get(slug) != mtime]
        gone = [slug for slug in known if slug not in folders]
        if not known:  # first look: what the file holds of countries no longer stored
            indexed = self.db.execute("SELECT DISTINCT slug FROM snapshots").fetchall()
            gone = [slug for (slug,) in indexed if slug not in folders]
        if not stale and not gone:
            return 0
        self.version += 1
        self._latest_of.clear()
        added = 0
        with self._writing():
            for slug in gone:
                self._drop(slug, None)
                known.pop(slug, None)
            for slug in stale:
                added += self._refresh_country(slug)
                # a folder that changed in the last moments may change again within the same
                # clock tick: leave it stale, so the next search lists it again
                settled = folders[slug] < started - SETTLE_NS
                known[slug] = folders[slug] if settled else -1
        return added

    def _folder_times(self) -> dict[str, int]:
        """Each country folder's modification time (``Store.countries`` lists only real
        folders, never links)."""
        found = {}
        root = self.store.root
        for slug in self.store.countries():
            try:
                found[slug] = os.lstat(root / slug).st_mtime_ns
            except OSError:
                continue
        return found

    def _refresh_country(self, slug: str) -> int:
        refs = self.store.refs(slug)
        identities = self.store.identities(refs)
        indexed = {
            row[0]: tuple(row[1:])
            for row in self.db.execute(
                "SELECT ref, ino, size, mtime_ns FROM snapshots WHERE slug = ?", [slug]
            )
        }
        now = {ref.name for ref in refs}
        for name in indexed.keys() - now:
            self._drop(slug, name)
        added = 0
        for ref, identity in zip(refs, identities, strict=True):
            if identity is None:
                continue
            stamp = (identity.inode, identity.size, identity.mtime_ns)
            if indexed.get(ref.name) == stamp:
                continue
            if ref.name in indexed:
                self._drop(slug, ref.name)
            added += self._add(ref, stamp)
        return added

    def _drop(self, slug: str, ref: str | None) -> None:
        where, args = ("slug = ?", [slug]) if ref is None else ("slug = ? AND ref = ?", [slug, ref])
        self.db.execute(f"DELETE FROM sections WHERE {where}", args)
        self.db.execute(f"DELETE FROM snapshots WHERE {where}", args)

    def _add(self, ref: SnapshotRef, stamp: tuple[int, int, int]) -> int:
        try:
            snap = self.store.load(ref)
        except StoreError as exc:  # damaged: reported by name, never read as valid
            log.warning("search index: skipped %s", exc)
            return 0
        self.db.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [ref.slug, ref.name, ref.key, ref.revision, snap.profile.country, *stamp],
        )
        rows = []
        for section in snap.profile.sections.values():
            items = "\n".join(section.items)
            digest = hashlib.sha256(
                "\0".join((section.title, section.text, items)).encode()
            ).hexdigest()[:32]
            found = self.db.execute("SELECT id FROM contents WHERE hash = ?", [digest]).fetchone()
            if found is None:
                cursor = self.db.execute(
                    "INSERT INTO contents (hash, title, text, items) VALUES (?, ?, ?, ?)",
                    [digest, section.title, section.text, items],
                )
                content = cursor.lastrowid
            else:
                content = found[0]
            rows.append((ref.slug, ref.name, section.number, section.title, content))
        self.db.conn.executemany("INSERT INTO sections VALUES (?, ?, ?, ?, ?)", rows)
        return 1

    # -- searching -------------------------------------------------------------------------

    def generation(self) -> str:
        """Changes whenever what the index holds changes (for ETags and answer caches)."""
        row = self.db.execute(
            "SELECT count(*), total(mtime_ns), total(size) FROM snapshots"
        ).fetchone()
        return f"{row[0]}-{int(row[1])}-{int(row[2])}"

    def fresh(self) -> int:
        """``refresh``, setting aside and building again a file found damaged meanwhile
        (once); returns ``version``."""
        try:
            self.refresh()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise StoreError(f"{self.path}: {exc}") from exc
            self.close()
            self._set_aside(exc)
            self.db = self._open()
            self.refresh()
        return self.version

    def answer(self, match: str, scope: Scope = Scope()) -> list[Hit]:
        """``search`` in an index brought up to date (``fresh``)."""
        self.fresh()
        try:
            return self.search(match, scope)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise
            self.close()
            self._set_aside(exc)
            self.db = self._open()
            self.refresh()
            return self.search(match, scope)

    def search(self, match: str, scope: Scope = Scope()) -> list[Hit]:
        """Every (country, section) whose words match the FTS5 expression ``match`` in
        some snapshot within ``scope``, by country and section number."""
        where, args = _scope_sql(scope)
        try:
            rows = self.db.execute(
                f"""
                WITH m AS (
                    SELECT rowid AS id,
                           snippet(contents_fts, -1, ?, ?, '…', 16) AS snip
                    FROM contents_fts WHERE contents_fts MATCH ?
                )
                SELECT s.slug, s.number, s.title, s.ref, m.snip
                FROM m JOIN sections s ON s.content = m.id
                JOIN snapshots n ON n.slug = s.slug AND n.ref = s.ref
                WHERE {where}
                ORDER BY s.slug, s.number, n.day, n.revision
                """,
                [MARK_OPEN, MARK_CLOSE, match, *args],
            ).fetchall()
        except sqlite3.OperationalError as exc:  # fts_query makes this unlikely
            if "fts5" not in str(exc):
                raise
            raise StoreError(f"search {match!r}: {exc}") from exc
        latest = self._latest(scope, {row[0] for row in rows})
        hits: dict[tuple[str, str], list[Any]] = {}
        for slug, number, title, ref, found in rows:
            snip = found.replace("\n", " · ")  # list items are stored one a line
            entry = hits.get((slug, number))
            if entry is None:
                hits[(slug, number)] = [title, ref, ref, snip]
            else:
                entry[0], entry[2], entry[3] = title, ref, snip
        return sorted(
            (
                Hit(
                    slug,
                    latest[slug][1],
                    number,
                    title,
                    last == latest[slug][0],
                    first,
                    last,
                    latest[slug][0],
                    snip,
                )
                for (slug, number), (title, first, last, snip) in hits.items()
            ),
            key=lambda hit: (hit.slug, number_order(hit.section)),
        )

    def _latest(self, scope: Scope, slugs: set[str]) -> dict[str, tuple[str, str]]:
        """Each country's newest snapshot within the scope's dates: ref and country name
        (remembered until the index changes)."""
        dates = (scope.date_from, scope.date_to)
        if dates not in self._latest_of:
            where, args = _scope_sql(Scope(date_from=scope.date_from, date_to=scope.date_to))
            found: dict[str, tuple[str, str]] = {}
            for slug, ref, country in self.db.execute(
                f"SELECT n.slug, n.ref, n.country FROM snapshots n WHERE {where} "
                "ORDER BY n.slug, n.day, n.revision",
                args,
            ):
                found[slug] = (ref, country)
            if len(self._latest_of) > 64:
                self._latest_of.clear()
            self._latest_of[dates] = found
        return self._latest_of[dates]


def _scope_sql(scope: Scope) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1"]
    args: list[Any] = []
    if scope.slugs:
        clauses.append(f"n.slug IN ({', '.join('?' * len(scope.slugs))})")
        args.extend(scope.slugs)
    if scope.section:
        clauses.append("(s.number = ? OR s.number LIKE ?)")
        args.extend([scope.section, f"{scope.section}.%"])
    day = "replace(n.day, '-', '')"
    if scope.date_from:
        clauses.append(f"{day} >= ?")
        args.append(scope.date_from)
    if scope.date_to:
        clauses.append(f"substr({day}, 1, ?) <= ?")
        args.extend([len(scope.date_to), scope.date_to])
    return " AND ".join(clauses), args


def open_index(store: Store) -> Index:
    """The store's index, brought up to date."""
    index = Index(store)
    index.refresh()
    return index
