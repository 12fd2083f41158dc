"""What `monitor list`, `show` and `status` print, from data the pipeline gathered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from monitor.core.jsonform import dumps
from monitor.core.snapshot import Snapshot, public_url
from monitor.render.json_forms import snapshot_data
from monitor.render.text import describe, plural


@dataclass(frozen=True)
class CountryRow:
    slug: str
    name: str
    refs: tuple[str, ...]
    problem: str | None = None


def store_listing(rows: Sequence[CountryRow], root: str, fmt: str) -> str:
    """One line per country."""
    if fmt == "json":
        return dumps(
            [
                {"slug": r.slug, "country": r.name, "snapshots": list(r.refs), "error": r.problem}
                for r in rows
            ]
        )
    if not rows:
        return f"no snapshots in {root}\n"
    width = max(len(r.slug) for r in rows)
    lines = [f"{'COUNTRY':<{width}}  {'SNAPSHOTS':>9}  FIRST          LATEST         NAME"]
    for r in rows:
        note = f"  ({r.problem})" if r.problem else ""
        first, last = r.refs[0], r.refs[-1]
        lines.append(
            f"{r.slug:<{width}}  {len(r.refs):>9}  {first:<13}  {last:<13}  {r.name}{note}"
        )
    return "\n".join(lines) + "\n"


def country_listing(
    slug: str, entries: Sequence[tuple[str, Snapshot | None, str | None]], fmt: str
) -> str:
    """Every snapshot of one country with where it came from; unreadable ones say why."""
    if fmt == "json":
        return dumps(
            {
                "slug": slug,
                "snapshots": [
                    {
                        "ref": name,
                        "last_updated": snap.profile.last_updated.isoformat()
                        if snap and snap.profile.last_updated
                        else None,
                        "dated_by": snap.dated_by if snap else None,
                        "seen_at": snap.source.seen_at.isoformat() if snap else None,
                        "from": snap.source.shown if snap else None,
                        "error": error,
                    }
                    for name, snap, error in entries
                ],
            }
        )
    lines = [f"{slug}: {plural(len(entries), 'snapshot')}"]
    for name, snap, error in entries:
        if snap is None:
            lines.append(f"  {name:<15} error: {error}")
            continue
        dated = "first seen" if snap.dated_by == "first_seen" else "dated"
        origin = public_url(snap.source.url) or snap.source.file or ""
        lines.append(f"  {name:<15} {dated:<10}  seen {snap.source.seen_at.isoformat()}  {origin}")
    return "\n".join(lines) + "\n"


def snapshot_text(snap: Snapshot, fmt: str) -> str:
    if fmt == "json":
        return dumps(snapshot_data(snap))
    source = snap.source
    undated = " (no 'Last updated' line: keyed by the day first seen)"
    header = [
        f"snapshot {snap.ref.slug} {snap.ref.name}"
        + (undated if snap.dated_by == "first_seen" else ""),
        f"  from {public_url(source.url) or source.file}  seen {source.seen_at.isoformat()}"
        f"  sha256 {source.sha256[:12]}",
        "",
    ]
    return "\n".join(header) + describe(snap.profile)


def status_text(data: dict[str, Any], snapshots: str, reports: str, timezone: str, fmt: str) -> str:
    """Last and next runs, then one line per country."""
    if fmt == "json":
        return dumps(data)
    runs, schedule, countries = data["runs"], data["schedule"], data["countries"]
    lines = [f"store {snapshots}, reports {reports}", ""]
    for job in ("fetch", "report"):
        last = runs.get(job, {})
        started = last.get("started") or "never"
        outcome = f" ({last['outcome']})" if last.get("outcome") else ""
        lines.append(
            f"{job:<7} last run {started}{outcome}; next {schedule[job]['next']} "
            f"[{schedule[job]['cron']} {timezone}]"
        )
    lines += ["", f"{'COUNTRY':<28} {'SNAPSHOTS':>9}  {'LAST CHECK':<26} FAILURES"]
    for c in countries:
        if "error" in c:
            lines.append(f"{c['slug']:<28} {c['error']}")
            continue
        failing = (
            f"{c['consecutive_failures']}: {c['last_error']}" if c["consecutive_failures"] else "0"
        )
        lines.append(
            f"{c['slug']:<28} {c['snapshots']:>9}  {c['last_check'] or 'never':<26} {failing}"
        )
    if not countries:
        lines.append("(no countries yet: run `monitor fetch` or `monitor import`)")
    return "\n".join(lines) + "\n"
