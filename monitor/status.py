"""What `monitor status` prints: the last runs, the next scheduled ones, and each country's
last check and consecutive failures."""

from __future__ import annotations

from datetime import datetime

from monitor.config import Config
from monitor.cycle import RunLog
from monitor.daemon import cron_trigger
from monitor.errors import StoreError
from monitor.store import Store
from monitor.summary import canonical_json


def status(config: Config, store: Store, now: datetime, fmt: str = "text") -> str:
    runs = RunLog(config.storage.snapshots).read()
    schedule = {}
    for job in ("fetch", "report"):
        expression = getattr(config.schedule, job)
        trigger = cron_trigger(expression, config.schedule.timezone, f"schedule.{job}")
        upcoming = trigger.get_next_fire_time(None, now)
        schedule[job] = {"cron": expression, "next": upcoming.isoformat() if upcoming else None}
    countries = []
    for slug in store.countries():
        try:
            state = store.read_state(slug)
        except StoreError as exc:
            countries.append({"slug": slug, "error": str(exc)})
            continue
        countries.append(
            {
                "slug": slug,
                "country": state.country or slug,
                "last_check": state.last_check,
                "last_success": state.last_success,
                "consecutive_failures": state.consecutive_failures,
                "last_error": state.last_error,
                "snapshots": len(store.refs(slug)),
            }
        )
    if fmt == "json":
        return canonical_json({"runs": runs, "schedule": schedule, "countries": countries})
    lines = [f"store {config.storage.snapshots}, reports {config.storage.reports}", ""]
    for job in ("fetch", "report"):
        last = runs.get(job, {})
        started = last.get("started", "never")
        outcome = f" ({last['outcome']})" if last.get("outcome") else ""
        lines.append(
            f"{job:<7} last run {started}{outcome}; next {schedule[job]['next']} "
            f"[{schedule[job]['cron']} {config.schedule.timezone}]"
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
