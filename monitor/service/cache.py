"""Parsed snapshots and rendered answers kept in memory, bounded, and never stale.

Keyed by the files' identities (``store.FileIdentity``: a snapshot file is never rewritten
in place), so any change to the store invalidates them without watching it. The store is
still listed on every request (``refs`` reads the folder), so a new snapshot is seen at once.
They pay: with them a diff is answered about 4x as often per second as with every LRU empty
(in process, the 9 pairs of bench_serve's 10-version store).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from monitor.core.snapshot import Snapshot, SnapshotRef
from monitor.edges.state import CountryState
from monitor.edges.store import FileIdentity, Store
from monitor.errors import SnapshotNotFound

K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A thread-safe LRU mapping that holds at most ``size`` entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The cached value, or ``make()`` stored (two threads may both make it: harmless)."""
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def __len__(self) -> int:
        return len(self._items)


class CachedStore(Store):
    """A read-only view of the store: ``load`` is served from memory when the file has not
    changed since it was parsed, and ``read_state`` never repairs."""

    def __init__(self, root: Path, size: int = 2048) -> None:
        super().__init__(root)
        self.snapshots: Bounded[FileIdentity, Snapshot] = Bounded(size)

    def read_state(self, slug: str, repair: bool = False) -> CountryState:
        """As the store's, but never repairs (writes) a damaged file: the service only reads."""
        return super().read_state(slug, repair=False)

    def read_states(self, repair: bool = False) -> dict[str, CountryState]:
        return super().read_states(repair=False)

    def load(self, ref: SnapshotRef) -> Snapshot:
        return self.load_keyed(ref)[0]

    def generation(self) -> tuple[object, ...]:
        """The store as it is now, known from ``stat`` alone: the store's folder, each
        country's folder (a snapshot or bookkeeping file added, removed or renamed over
        changes its folder's time) and the bookkeeping file. Whatever is built from the
        whole store (the index, the overview, the feed) keys on it, so it is made again only
        after the store changed."""
        folders = [self.root, *(self.country_dir(slug) for slug in self.countries())]
        return tuple(_stat(path) for path in (*folders, self.root / ".state.json"))

    def load_keyed(self, ref: SnapshotRef) -> tuple[Snapshot, FileIdentity]:
        """The snapshot and the identity of the file it was read from."""
        key = self.identity(ref)
        if key is None:
            raise SnapshotNotFound(f"{ref.slug}: snapshot {ref.name} is gone from the store")
        return self.snapshots.get_or_make(key, lambda: super(CachedStore, self).load(ref)), key


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        found = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)
