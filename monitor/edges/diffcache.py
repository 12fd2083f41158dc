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

from monitor.core.diff import Change, WordRun
from monitor.core.jsonform import dumps, loads
from monitor.core.periods import PairDiff, pair_diff
from monitor.core.snapshot import Snapshot
from monitor.edges.files import write_json
from monitor.edges.reportcache import code_key, read_cache
from monitor.errors import StoreError

SCHEMA = 4  # 3: each pair a JSON string of positional rows, parsed only when asked for;
# 4: rows end with the statuses and the note
MAX_PAIRS = 200_000
log = logging.getLogger("monitor")
_KINDS = {"added", "removed", "changed"}
_OPS = {"equal", "insert", "delete"}
_SCALAR = (str, int, float, bool, type(None))


def cache_path(snapshots: Path) -> Path:
    return Path(snapshots) / ".cache" / "diffs.json"


def _change(row: Any) -> Change:
    """A change from its positional form; anything of another shape raises."""
    path, kind, old, new, group, field, summary, words, old_status, new_status, note = row
    if kind not in _KINDS or not (type(path) is type(group) is type(field) is type(summary) is str):
        raise ValueError("a change has the wrong shape")
    if not all(isinstance(v, _SCALAR) for v in (old, new, old_status, new_status, note)):
        raise ValueError("a change value is not a scalar")
    if not all(v is None or type(v) is str for v in (old_status, new_status, note)):
        raise ValueError("a status or note is not text")
    runs = tuple(WordRun(op, text) for op, text in words)
    if runs and not ({r.op for r in runs} <= _OPS and all(type(r.text) is str for r in runs)):
        raise ValueError("a word run has the wrong shape")
    return Change(path, kind, old, new, group, field, summary, runs, old_status, new_status, note)


def _row(change: Change) -> list[Any]:
    return [
        change.path,
        change.kind,
        change.old,
        change.new,
        change.group,
        change.field,
        change.summary,
        [[w.op, w.text] for w in change.words],
        change.old_status,
        change.new_status,
        change.note,
    ]


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
            if not isinstance(found, str):
                raise TypeError("a pair is not a JSON string")
            rows = loads(found)
            if not isinstance(rows, list):
                raise TypeError("a pair is not a list")
            changes = tuple(_change(c) for c in rows)
        except (KeyError, TypeError, ValueError) as exc:
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
        pairs = {k: dumps([_row(c) for c in v], compact=True) for k, v in self.used.items()}
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
