"""One monitoring cycle (fetch, then the weekly report when one is due), shared by
`monitor run` (for cron) and the daemon's jobs, and the record of when each last ran."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Config
from monitor.deliver import write_atomic
from monitor.errors import MonitorError
from monitor.history import Period, week_of
from monitor.run_fetch import FetchResult, fetch_all
from monitor.run_report import ReportResult, report
from monitor.store import Store

log = logging.getLogger("monitor")


def last_complete_week(now: datetime) -> Period:
    """The most recent ISO week that has ended: what the weekly report is about."""
    return week_of(now - timedelta(days=7))


class RunLog:
    """When each job last ran and how it went (``<snapshots>/.runs.json``), for catch-up
    after downtime and for `monitor status`."""

    def __init__(self, snapshots: Path) -> None:
        self.path = Path(snapshots) / ".runs.json"

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def record(self, job: str, **fields: Any) -> None:
        data = self.read()
        data[job] = {**data.get(job, {}), **fields}
        write_atomic(self.path, (json.dumps(data, sort_keys=True, indent=2) + "\n").encode())

    def last(self, job: str, key: str = "started") -> datetime | None:
        value = self.read().get(job, {}).get(key)
        return datetime.fromisoformat(value) if value else None

    def finalized(self) -> set[str]:
        return set(self.read().get("report", {}).get("finalized", []))


@dataclass(frozen=True)
class CycleResult:
    fetched: list[FetchResult]
    report: ReportResult | None

    @property
    def failed(self) -> bool:
        fetch_failed = any(r.error for r in self.fetched)
        return fetch_failed or bool(self.report and self.report.email_error)


def fetch_job(config: Config, store: Store, clock) -> list[FetchResult]:
    """Fetch every configured source; one log line with the outcome counts and duration."""
    runs = RunLog(config.storage.snapshots)
    started = clock()
    runs.record("fetch", started=started.isoformat(timespec="seconds"))
    tick = time.monotonic()
    results = fetch_all(config, store, config.sources, now=clock)
    counts = Counter(r.outcome.value for r in results)
    summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))
    took = time.monotonic() - tick
    log.info("fetch: %d sources: %s (%.1f s)", len(results), summary or "none", took)
    for failed in (r for r in results if r.error):
        log.warning("fetch: %s: %s", failed.country, failed.error)
    runs.record("fetch", finished=clock().isoformat(timespec="seconds"), outcome=summary)
    return results


def report_job(config: Config, store: Store, clock, *, force: bool = False) -> ReportResult | None:
    """Write (and mail, if enabled) the digest of the last complete week, once per week.

    The current week's digest is refreshed every time, so the pages stay up to date.
    """
    runs = RunLog(config.storage.snapshots)
    now = clock()
    week = last_complete_week(now)
    tick = time.monotonic()
    runs.record("report", started=now.isoformat(timespec="seconds"))
    current = report(config, store, week_of(now), now=now, email=False)
    result = None
    if force or week.label not in runs.finalized():
        result = report(
            config,
            store,
            week,
            now=now,
            email=config.email.enabled,
            histories=list(current.histories),  # the store is read and diffed once
        )
        if not result.email_error:
            runs.record("report", finalized=sorted(runs.finalized() | {week.label}))
        digest = result.digest
        log.info(
            "report: %s: %d changed, %d failed, emailed %s (%.1f s)",
            week.label,
            len(digest.changed_countries),
            len(digest.failed_countries),
            ", ".join(result.emailed) or "nothing",
            time.monotonic() - tick,
        )
        if result.email_error:
            log.error("report: %s", result.email_error)
    runs.record("report", finished=clock().isoformat(timespec="seconds"))
    return result


def run_cycle(config: Config, store: Store, clock) -> CycleResult:
    """`monitor run`: fetch everything, then the weekly report if one is due."""
    if not config.sources:
        raise MonitorError(f"{config.path or 'config.toml'}: no sources configured")
    fetched = fetch_job(config, store, clock)
    return CycleResult(fetched, report_job(config, store, clock))
