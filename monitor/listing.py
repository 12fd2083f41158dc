"""What ``monitor list`` and ``monitor show`` print, built from the store."""

from __future__ import annotations

from monitor.errors import StoreError
from monitor.store import Snapshot, Store, find_country
from monitor.summary import canonical_json, describe


def store_listing(store: Store, fmt: str) -> str:
    """One line per country; reads file names and state.json only, never snapshots."""
    rows = []
    for slug in store.countries():
        refs = store.refs(slug)
        if not refs:
            continue
        try:
            name = store.read_state(slug).country or slug
            problem = None
        except StoreError as exc:
            name, problem = slug, str(exc)
        rows.append((slug, name, [r.name for r in refs], problem))
    if fmt == "json":
        return canonical_json(
            [
                {"slug": slug, "country": name, "snapshots": names, "error": problem}
                for slug, name, names, problem in rows
            ]
        )
    if not rows:
        return f"no snapshots in {store.root}\n"
    width = max(len(slug) for slug, *_ in rows)
    lines = [f"{'COUNTRY':<{width}}  {'SNAPSHOTS':>9}  FIRST          LATEST         NAME"]
    for slug, name, names, problem in rows:
        note = f"  ({problem})" if problem else ""
        lines.append(
            f"{slug:<{width}}  {len(names):>9}  {names[0]:<13}  {names[-1]:<13}  {name}{note}"
        )
    return "\n".join(lines) + "\n"


def country_listing(store: Store, query: str, fmt: str) -> str:
    """Every snapshot of one country with where it came from; unreadable ones say why."""
    slug = find_country(store, query)
    entries = []
    for ref in store.refs(slug):
        try:
            snap = store.load(ref)
            entries.append((ref.name, snap, None))
        except StoreError as exc:
            entries.append((ref.name, None, str(exc)))
    if fmt == "json":
        return canonical_json(
            {
                "slug": slug,
                "snapshots": [
                    {
                        "ref": name,
                        "last_updated": snap.profile.last_updated.isoformat()
                        if snap and snap.profile.last_updated
                        else None,
                        "dated_by": snap.dated_by if snap else None,
                        "seen_at": snap.source.seen_at if snap else None,
                        "from": (snap.source.url or snap.source.file) if snap else None,
                        "error": error,
                    }
                    for name, snap, error in entries
                ],
            }
        )
    lines = [f"{slug}: {len(entries)} snapshot{'s' if len(entries) != 1 else ''}"]
    for name, snap, error in entries:
        if snap is None:
            lines.append(f"  {name:<15} error: {error}")
            continue
        dated = "first seen" if snap.dated_by == "first_seen" else "dated"
        origin = snap.source.url or snap.source.file or ""
        lines.append(f"  {name:<15} {dated:<10}  seen {snap.source.seen_at}  {origin}")
    return "\n".join(lines) + "\n"


def load_ref(store: Store, query: str, ref: str) -> Snapshot:
    slug = find_country(store, query)
    return store.load(store.resolve(slug, ref))


def show_snapshot(store: Store, query: str, ref: str, fmt: str) -> str:
    snap = load_ref(store, query, ref)
    if fmt == "json":
        from dataclasses import asdict

        from monitor.profile import to_dict

        return canonical_json(
            {
                "ref": snap.ref.name,
                "profile": to_dict(snap.profile),
                "source": asdict(snap.source),
                "dated_by": snap.dated_by,
            }
        )
    source = snap.source
    header = [
        f"snapshot {snap.ref.slug} {snap.ref.name}"
        + (
            " (no 'Last updated' line: keyed by the day first seen)"
            if snap.dated_by == "first_seen"
            else ""
        ),
        f"  from {source.url or source.file}  seen {source.seen_at}  sha256 {source.sha256[:12]}",
        "",
    ]
    return "\n".join(header) + describe(snap.profile)
