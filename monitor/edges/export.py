"""Every snapshot as a table: CSV (the csv module), JSON Lines, and SQLite (sqlite-utils,
imported only here, only by `monitor export`). Columns are documented in README.md.

The row builders are pure (histories in, rows out); the writers return text (CSV, JSON
Lines) or write one database file atomically (built beside, then renamed into place).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from monitor.core.diff import Change, figure_note
from monitor.core.jsonform import dumps
from monitor.core.overview import indicator_keys
from monitor.core.periods import CountryHistory
from monitor.core.profile import to_dict
from monitor.core.snapshot import Snapshot, source_data
from monitor.edges.files import write_atomic
from monitor.errors import ExportError

FORMATS = ("csv", "jsonl", "sqlite")
COLUMNS = (
    "country",
    "slug",
    "iso3",
    "snapshot",
    "last_updated",
    "dated_by",
    "first_seen",
    "population",
    "population_source",
    "population_as_of",
    "internet_users_pct",
    "internet_users_source",
    "internet_users_as_of",
    "population_note",
    "internet_users_note",
)

CHANGE_COLUMNS = [
    "slug",
    "old",
    "new",
    "section",
    "field",  # the stable key (Change.key): national_cirt, population, section:1.1.2:items
    "path",
    "kind",
    "old_value",
    "new_value",
    "old_status",
    "new_status",
    "note",
]


def yes_no_empty(value: bool | None) -> str:
    return {True: "yes", False: "no", None: ""}[value]


def snapshot_row(
    snap: Snapshot, keys: Sequence[str], before: Snapshot | None = None
) -> dict[str, Any]:
    """One snapshot as the CSV row (and the ``snapshots`` table row); ``before`` is the
    country's previous snapshot, against which its figures are checked."""
    profile, background = snap.profile, snap.profile.background
    previous = before.profile.background if before else None
    row: dict[str, Any] = {
        "country": profile.country,
        "slug": snap.ref.slug,
        "iso3": profile.iso3 or "",
        "snapshot": snap.ref.name,
        "last_updated": profile.last_updated.isoformat() if profile.last_updated else "",
        "dated_by": snap.dated_by,
        "first_seen": snap.source.seen_at.isoformat(),
        "population": background.population.value,
        "population_source": background.population.source or "",
        "population_as_of": background.population.as_of or "",
        "internet_users_pct": background.internet_users_pct.value,
        "internet_users_source": background.internet_users_pct.source or "",
        "internet_users_as_of": background.internet_users_pct.as_of or "",
    }
    for key in ("population", "internet_users_pct"):
        old = getattr(previous, key) if previous else None
        note = figure_note(key, old, getattr(background, key))
        row[f"{key.removesuffix('_pct')}_note"] = note or ""
    for key in keys:
        finding = profile.indicators.get(key)
        row[key] = yes_no_empty(finding.value if finding else None)
    for key in keys:
        finding = profile.indicators.get(key)
        row[f"{key}_status"] = (finding.status if finding else None) or ""
        row[f"{key}_evidence"] = (finding.evidence if finding else None) or ""
    return row


def finding_columns(keys: Sequence[str]) -> list[str]:
    """Each indicator's yes / no, then each one's status word and deciding sentence."""
    return [*keys, *(f"{k}_{part}" for part in ("status", "evidence") for k in keys)]


def snapshot_rows(histories: Sequence[CountryHistory]) -> tuple[list[str], list[dict[str, Any]]]:
    keys = indicator_keys(histories)
    rows = [
        snapshot_row(s, keys, h.snapshots[i - 1] if i else None)
        for h in histories
        for i, s in enumerate(h.snapshots)
    ]
    return [*COLUMNS, *finding_columns(keys)], rows


def value_text(value: Any) -> str | None:
    """A change's old or new value as text: yes / no for indicators, NULL for none."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def change_row(slug: str, old: str, new: str, change: Change) -> dict[str, Any]:
    return {
        "slug": slug,
        "old": old,
        "new": new,
        "section": change.group,
        "field": change.key,
        "path": change.path,
        "kind": change.kind,
        "old_value": value_text(change.old),
        "new_value": value_text(change.new),
        "old_status": change.old_status,
        "new_status": change.new_status,
        "note": change.note,
    }


def change_rows(histories: Sequence[CountryHistory]) -> Iterator[dict[str, Any]]:
    """Every consecutive pair's changes (what `monitor diff COUNTRY OLD NEW` lists)."""
    for history in histories:
        for event in history.events:
            if event.comparison is None:
                continue
            old, new = event.comparison.old.ref, event.comparison.new.ref
            for change in event.comparison.changes:
                yield change_row(history.slug, old, new, change)


def section_rows(histories: Sequence[CountryHistory]) -> Iterator[dict[str, Any]]:
    for history in histories:
        for snap in history.snapshots:
            for section in snap.profile.sections.values():
                yield {
                    "slug": history.slug,
                    "snapshot": snap.ref.name,
                    "number": section.number,
                    "title": section.title,
                    "text": section.text,
                    "items": "\n".join(section.items),
                }


def country_rows(histories: Sequence[CountryHistory]) -> Iterator[dict[str, Any]]:
    for history in histories:
        if not history.snapshots:
            continue
        latest = history.snapshots[-1]
        yield {
            "slug": history.slug,
            "country": latest.profile.country,
            "official_name": latest.profile.official_name,
            "iso2": latest.profile.iso2,
            "iso3": latest.profile.iso3,
            "snapshots": len(history.snapshots),
            "first": history.snapshots[0].ref.name,
            "latest": latest.ref.name,
        }


def snapshot_document(snap: Snapshot) -> dict[str, Any]:
    """The stored snapshot JSON (schemas/snapshot.schema.json) with its ``ref``."""
    return {
        "schema": 1,
        "ref": snap.ref.name,
        "profile": to_dict(snap.profile),
        "source": source_data(snap.source),
        "dated_by": snap.dated_by,
        "content_sha256": snap.content_sha256,
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """A CSV cell a spreadsheet never runs: text that starts like a formula gets a single
    quote in front (OWASP's advice for CSV injection); numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(histories: Sequence[CountryHistory]) -> str:
    columns, rows = snapshot_rows(histories)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: cell(v) for k, v in row.items()})
    return out.getvalue()


def to_jsonl(histories: Sequence[CountryHistory]) -> str:
    return "".join(
        dumps(snapshot_document(s), compact=True) + "\n" for h in histories for s in h.snapshots
    )


def write_text(path: Path, text: str) -> None:
    write_atomic(path, text.encode(), error=ExportError)


def write_sqlite(path: Path, histories: Sequence[CountryHistory]) -> None:
    """Tables ``snapshots``, ``sections`` (full-text search in ``sections_fts``),
    ``changes`` and ``countries``: ready for ``datasette PATH``. Built in a temporary file,
    then written over ``path`` atomically."""
    import sqlite3

    import sqlite_utils

    columns, rows = snapshot_rows(histories)
    with tempfile.TemporaryDirectory(prefix="monitor-export-") as tmp:
        built = Path(tmp) / "export.db"
        db = sqlite_utils.Database(built)
        try:
            types: dict[str, Any] = dict.fromkeys(columns, str)
            types.update(population=int, internet_users_pct=float)
            db.table("snapshots").insert_all(
                rows, pk=("slug", "snapshot"), columns=types, column_order=columns
            )
            db.table("sections").insert_all(
                section_rows(histories),
                columns={"slug": str, "snapshot": str, "number": str, "title": str, "text": str},
                column_order=["slug", "snapshot", "number", "title", "text", "items"],
            )
            db.table("changes").insert_all(
                change_rows(histories),
                columns=dict.fromkeys(CHANGE_COLUMNS, str),
                column_order=CHANGE_COLUMNS,
            )
            db.table("countries").insert_all(country_rows(histories), pk="slug")
            for name in ("snapshots", "sections", "changes", "countries"):
                db.table(name).create(_empty(name), if_not_exists=True)
            db.table("sections").enable_fts(["title", "text", "items"])
            db.close()
            data = built.read_bytes()
        except sqlite3.Error as exc:
            raise ExportError(f"cannot build {path}: {exc}") from exc
    write_atomic(Path(path), data, error=ExportError)


def _empty(name: str) -> dict[str, Any]:
    """A table's columns, so an export of an empty store still has every table."""
    shapes: dict[str, dict[str, Any]] = {
        "snapshots": dict.fromkeys(COLUMNS, str),
        "sections": dict.fromkeys(("slug", "snapshot", "number", "title", "text", "items"), str),
        "changes": dict.fromkeys(CHANGE_COLUMNS, str),
        "countries": dict.fromkeys(("slug", "country", "iso3"), str),
    }
    return shapes[name]
