"""The JSON forms programs read: a comparison (``schemas/diff.schema.json``), a profile,
a stored snapshot. Always the one spelling of ``core.jsonform``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from monitor.core.diff import Comparison, Side
from monitor.core.jsonform import dumps
from monitor.core.profile import Profile, to_dict
from monitor.core.snapshot import Snapshot, source_data

DIFF_SCHEMA_VERSION = 1


def _side(side: Side) -> dict[str, Any]:
    return {**asdict(side), "seen_at": side.seen_at.isoformat() if side.seen_at else None}


def to_json_data(comparison: Comparison) -> dict[str, Any]:
    """The documented JSON form (monitor/schemas/diff.schema.json)."""
    return {
        "schema": DIFF_SCHEMA_VERSION,
        "country": {"slug": comparison.slug, "name": comparison.country},
        "old": _side(comparison.old),
        "new": _side(comparison.new),
        "changes": [
            {
                "path": c.path,
                "kind": c.kind,
                "old": c.old,
                "new": c.new,
                "group": c.group,
                "field": c.field,
                "key": c.key,
                "old_status": c.old_status,
                "new_status": c.new_status,
                "note": c.note,
                "summary": c.summary,
                "words": [{"op": w.op, "text": w.text} for w in c.words],
            }
            for c in comparison.changes
        ],
    }


def to_json(comparison: Comparison) -> str:
    return dumps(to_json_data(comparison))


def profile_json(profile: Profile) -> str:
    return dumps(to_dict(profile))


def snapshot_data(snap: Snapshot) -> dict[str, Any]:
    """What ``monitor show --format json`` prints for one stored snapshot (and the API
    serves): a local file by its name only."""
    return {
        "ref": snap.ref.name,
        "profile": to_dict(snap.profile),
        "source": source_data(snap.source.public()),
        "dated_by": snap.dated_by,
    }
