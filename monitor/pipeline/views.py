"""What `monitor list`, `show` and `status` show: gathered from the store, rendered."""

from __future__ import annotations

from datetime import datetime

from monitor.config import Config
from monitor.core.snapshot import Snapshot
from monitor.edges import state
from monitor.edges.store import Store, find_country
from monitor.errors import StoreError
from monitor.render import listing


def store_listing(store: Store, fmt: str) -> str:
    """One line per country; reads file names and the bookkeeping (once), never snapshots."""
    rows = []
    for slug, found in store.stored_states().items():
        refs = store.refs(slug)
        if not refs:
            continue
        if isinstance(found, StoreError):
            name, problem = slug, str(found)
        else:
            name, problem = found.country or slug, None
        rows.append(listing.CountryRow(slug, name, tuple(r.name for r in refs), problem))
    return listing.store_listing(rows, str(store.root.resolve()), fmt)


def country_listing(store: Store, query: str, fmt: str) -> str:
    slug = find_country(store, query)
    entries: list[tuple[str, Snapshot | None, str | None]] = []
    for ref in store.refs(slug):
        try:
            entries.append((ref.name, store.load(ref), None))
        except StoreError as exc:
            entries.append((ref.name, None, str(exc)))
    return listing.country_listing(slug, entries, fmt)


def load_ref(store: Store, query: str, ref: str) -> Snapshot:
    slug = find_country(store, query)
    return store.load(store.find_ref(slug, ref))


def show_snapshot(store: Store, query: str, ref: str, fmt: str) -> str:
    return listing.snapshot_text(load_ref(store, query, ref), fmt)


def _spelled(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def status(config: Config, store: Store, now: datetime, fmt: str = "text") -> str:
    """Last and next runs, and each country's last check and consecutive failures."""
    runs = state.run_log(config.storage.snapshots).read()
    schedule = {}
    for job in ("fetch", "report"):
        trigger = config.trigger(job)
        upcoming = trigger.get_next_fire_time(None, now)
        schedule[job] = {
            "cron": getattr(config.schedule, job),
            "next": upcoming.isoformat() if upcoming else None,
        }
    countries: list[dict[str, object]] = []
    known = store.read_states()
    for slug in sorted(set(store.countries()) | set(known)):
        found = known.get(slug) or state.CountryState(slug)  # read_states read them all
        countries.append(
            {
                "slug": slug,
                "country": found.country or slug,
                "last_check": _spelled(found.last_check),
                "last_success": _spelled(found.last_success),
                "consecutive_failures": found.consecutive_failures,
                "last_error": found.last_error,
                "snapshots": len(store.refs(slug)),
            }
        )
    data = {
        "runs": {
            name: {
                "started": _spelled(runs.job(name).started),
                "finished": _spelled(runs.job(name).finished),
                "outcome": runs.job(name).outcome,
            }
            for name in state.JOBS
        },
        "schedule": schedule,
        "countries": countries,
    }
    return listing.status_text(
        data,
        str(config.storage.snapshots),
        str(config.storage.reports),
        config.schedule.timezone,
        fmt,
    )
