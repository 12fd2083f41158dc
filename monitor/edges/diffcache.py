"""A cache of per-pair diffs, keyed by the two snapshots' content hashes.

Diffing every consecutive pair is most of a report's cost, and a pair's changes depend only
on the two contents. The cache is one file (``snapshots/.cache/diffs.json``): safe to delete,
rewritten holding only the pairs the last run used (so it never grows past the store), and
shape-checked on read: a damaged or foreign file is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from monitor.core.diff import Change, WordRun
from monitor.core.jsonform import loads
from monitor.core.periods import PairDiff, pair_diff
from monitor.core.snapshot import Snapshot
from monitor.edges.files import write_json
from monitor.errors import StoreError

SCHEMA = 1
MAX_PAIRS = 200_000
log = logging.getLogger("monitor")
_KINDS = {"added", "removed", "changed"}
_OPS = {"equal", "insert", "delete"}
_SCALAR = (str, int, float, bool, type(None))


def cache_path(snapshots: Path) -> Path:
    return Path(snapshots) / ".cache" / "diffs.json"


def _change(data: Any) -> Change:
    if not isinstance(data, dict):
        raise TypeError("a change is not an object")
    words = tuple(WordRun(w["op"], w["text"]) for w in data["words"])
    change = Change(
        path=data["path"],
        kind=data["kind"],
        old=data["old"],
        new=data["new"],
        group=data["group"],
        field=data["field"],
        summary=data["summary"],
        words=words,
    )
    texts = (change.path, change.group, change.field, change.summary)
    if change.kind not in _KINDS or not all(isinstance(t, str) for t in texts):
        raise ValueError("a change has the wrong shape")
    if not isinstance(change.old, _SCALAR) or not isinstance(change.new, _SCALAR):
        raise ValueError("a change value is not a scalar")
    if any(w.op not in _OPS or not isinstance(w.text, str) for w in words):
        raise ValueError("a word run has the wrong shape")
    return change


def _plain(change: Change) -> dict[str, Any]:
    return {
        "path": change.path,
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
        "group": change.group,
        "field": change.field,
        "summary": change.summary,
        "words": [{"op": w.op, "text": w.text} for w in change.words],
    }


class DiffCache:
    """Per-pair diffs read once from disk, answered from memory, written back once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.stored = self._read()
        self.used: dict[str, tuple[Change, ...]] = {}
        self.misses = 0

    def _read(self) -> dict[str, Any]:
        try:
            data = loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.info("diff cache %s unreadable (%s); rebuilding it", self.path, exc)
            return {}
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            log.info("diff cache %s has another shape; rebuilding it", self.path)
            return {}
        pairs = data.get("pairs")
        return pairs if isinstance(pairs, dict) else {}

    def changes_of(self, old: Snapshot, new: Snapshot) -> tuple[Change, ...]:
        key = f"{old.content_sha256}:{new.content_sha256}"
        if key in self.used:
            return self.used[key]
        found = self.stored.get(key)
        if found is not None:
            try:
                if not isinstance(found, list):
                    raise TypeError("a pair is not a list")
                changes = tuple(_change(c) for c in found)
            except (KeyError, TypeError, ValueError) as exc:
                log.info("diff cache %s: a damaged entry (%s); diffing again", self.path, exc)
            else:
                self.used[key] = changes
                return changes
        self.misses += 1
        self.used[key] = pair_diff(old, new)
        return self.used[key]

    @property
    def diff(self) -> PairDiff:
        return self.changes_of

    def save(self) -> None:
        """Write the pairs this run used (only when something new was diffed, or some
        stored pair was not used: the file then shrinks to what the store holds)."""
        if not self.misses and set(self.stored) == set(self.used):
            return
        pairs: Mapping[str, tuple[Change, ...]] = dict(list(self.used.items())[:MAX_PAIRS])
        data = {"schema": SCHEMA, "pairs": {k: [_plain(c) for c in v] for k, v in pairs.items()}}
        try:
            write_json(self.path, data, durable=False, error=StoreError, mkdir=True)
        except StoreError as exc:  # a cache that cannot be written only costs time
            log.warning("%s", exc)
