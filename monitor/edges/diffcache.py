"""A cache of per-pair diffs, keyed by the two snapshots' content hashes.

Diffing every consecutive pair is most of a report's cost, and a pair's changes depend only
on the two contents. The cache is one file (``snapshots/.cache/diffs.json``): safe to delete,
rewritten holding only the pairs the last run used (so it never grows past the store), and
shape-checked on read: a damaged or foreign file is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from monitor.core.diff import Change
from monitor.core.jsonform import builtins, convert, dumps, loads
from monitor.core.periods import PairDiff, pair_diff
from monitor.core.snapshot import Snapshot
from monitor.edges.files import write_json
from monitor.edges.reportcache import code_key, read_cache
from monitor.errors import StoreError

SCHEMA = 4  # each pair a JSON string of its changes, parsed only when asked for
MAX_PAIRS = 200_000
log = logging.getLogger("monitor")


def cache_path(snapshots: Path) -> Path:
    return Path(snapshots) / ".cache" / "diffs.json"


class DiffCache:
    """Per-pair diffs read once from disk, answered from memory, written back once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.stored = self._read()
        self.used: dict[str, tuple[Change, ...]] = {}
        self.kept: set[str] = set()  # pairs still in the store, not decoded in this run
        self.misses = 0

    def _read(self) -> dict[str, Any]:
        pairs = read_cache(self.path, SCHEMA, "diff cache").get("pairs")
        return pairs if isinstance(pairs, dict) else {}

    def lookup(self, old: str, new: str) -> tuple[Change, ...] | None:
        """The cached changes between two contents (by hash); None when not cached."""
        key = f"{old}:{new}"
        if key in self.used:
            return self.used[key]
        found = self.stored.get(key)
        if found is None:
            return None
        try:
            changes = convert(loads(convert(found, str)), tuple[Change, ...])
        except ValueError as exc:  # not JSON, or Malformed
            log.info("diff cache %s: a damaged entry (%s); diffing again", self.path, exc)
            return None
        self.used[key] = changes
        return changes

    def keep(self, old: str, new: str) -> bool:
        """Keep a pair the store still holds without decoding it; False if not cached."""
        key = f"{old}:{new}"
        if key in self.used or isinstance(self.stored.get(key), str):
            self.kept.add(key)
            return True
        return False

    def changes_of(self, old: Snapshot, new: Snapshot) -> tuple[Change, ...]:
        found = self.lookup(old.content_sha256, new.content_sha256)
        if found is not None:
            return found
        key = f"{old.content_sha256}:{new.content_sha256}"
        self.misses += 1
        self.used[key] = pair_diff(old, new)
        return self.used[key]

    @property
    def diff(self) -> PairDiff:
        return self.changes_of

    def save(self) -> None:
        """Write the pairs this run used or kept (only when something new was diffed, or
        some stored pair went unused: the file then shrinks to what the store holds)."""
        wanted = set(self.used) | self.kept
        if not self.misses and set(self.stored) == wanted:
            return
        pairs = {k: dumps(builtins(v), compact=True) for k, v in self.used.items()}
        for key in self.kept - set(self.used):
            pairs[key] = self.stored[key]
        data = {
            "schema": SCHEMA,
            "code": code_key(),
            "pairs": dict(list(pairs.items())[:MAX_PAIRS]),
        }
        try:
            write_json(self.path, data, durable=False, error=StoreError, mkdir=True)
        except StoreError as exc:  # a cache that cannot be written only costs time
            log.warning("%s", exc)
