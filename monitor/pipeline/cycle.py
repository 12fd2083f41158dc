"""One monitoring cycle (fetch, then the weekly report when one is due), shared by
`monitor run` (for cron) and the daemon's jobs, each recorded in the run log."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.core.periods import Clock, Period, last_complete_week, week_of
from monitor.edges import state
from monitor.edges.store import Store
from monitor.pipeline.notifying import after_fetch, after_report, stored_by
from monitor.pipeline.reporting import ReportResult, report
from monitor.pipeline.stop import Stop
from monitor.render.text import plural

if TYPE_CHECKING:  # fetching imports httpx: only the jobs that fetch pay for importing it
    from monitor.pipeline.fetching import FetchResult

log = logging.getLogger("monitor")


def _stamp(clock: Clock) -> datetime:
    """The time now, to the second: how the run log spells it."""
    return clock().replace(microsecond=0)


@dataclass(frozen=True)
class CycleResult:
    fetched: list[FetchResult]
    report: ReportResult | None

    @property
    def failed(self) -> bool:
        fetch_failed = any(r.error for r in self.fetched)
        return fetch_failed or bool(self.report and self.report.email_error)


def outcome_counts(results: list[FetchResult]) -> str:
    counts = Counter(r.outcome.label for r in results)
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


def fetch_job(
    config: Config, store: Store, clock: Clock, stop: Stop | None = None
) -> list[FetchResult]:
    """Fetch every configured source; one log line with the outcome counts and duration.
    ``stop`` abandons the run (the daemon sets it on SIGTERM)."""
    snapshots = config.storage.snapshots
    state.record_run(snapshots, "fetch", started=_stamp(clock), finished=None, outcome=None)
    tick = time.monotonic()
    from monitor.pipeline.fetching import fetch_all, sources_named

    results = fetch_all(config, store, sources_named(config, []), clock=clock, stop=stop)
    summary = outcome_counts(results)
    took = time.monotonic() - tick
    log.info("fetch: %s: %s (%.1f s)", plural(len(results), "source"), summary or "none", took)
    for failed in (r for r in results if r.error):
        log.warning("fetch: %s: %s", failed.country, failed.error)
    state.record_run(snapshots, "fetch", finished=_stamp(clock), outcome=summary)
    after_fetch(config, store, stored_by(results), clock)
    return results


def report_period(
    config: Config, store: Store, period: Period, clock: Clock, *, email: bool
) -> ReportResult:
    """`monitor report`: one period's reports (and mail), recorded in the run log."""
    snapshots = config.storage.snapshots
    state.record_run(snapshots, "report", started=_stamp(clock), finished=None, outcome=None)
    result = report(config, store, period, now=clock(), email=email)
    outcome = f"{period.label}: {len(result.digest.changed_countries)} changed"
    state.record_run(snapshots, "report", finished=_stamp(clock), outcome=outcome)
    return result


def report_job(
    config: Config, store: Store, clock: Clock, *, force: bool = False
) -> ReportResult | None:
    """Write (and mail, if enabled) the digest of the last complete week, once per week.

    The current week's digest is refreshed every time, so the pages stay up to date.
    """
    snapshots = config.storage.snapshots
    now = clock()
    week = last_complete_week(now)
    tick = time.monotonic()
    state.record_run(snapshots, "report", started=_stamp(clock), finished=None, outcome=None)
    current = report(config, store, week_of(now), now=now, email=False)
    result = None
    outcome = f"{week_of(now).label} refreshed"
    if force or week.label not in state.run_log(snapshots).read().finalized:
        result = report(
            config,
            store,
            week,
            now=now,
            email=config.email.enabled,
            gathered=current.gathered,  # the store is read and diffed once
        )
        if not result.email_error:
            state.finalize(snapshots, week.label)
        after_report(config, store, week, clock)
        digest = result.digest
        outcome = f"{week.label}: {len(digest.changed_countries)} changed"
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
    else:
        log.info("report: %s (%.1f s)", outcome, time.monotonic() - tick)
    state.record_run(snapshots, "report", finished=_stamp(clock), outcome=outcome)
    return result


def run_cycle(config: Config, store: Store, clock: Clock) -> CycleResult:
    """`monitor run`: fetch everything, then the weekly report if one is due."""
    fetched = fetch_job(config, store, clock)
    return CycleResult(fetched, report_job(config, store, clock))
