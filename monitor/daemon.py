"""`monitor daemon`: the fetch and report jobs on their cron schedules (APScheduler 3.11).

One instance of each job at a time, missed runs coalesced, a generous misfire grace time;
a slot missed while the daemon was down is caught up once at start (from the run log), not
once per missed slot. SIGTERM and SIGINT stop it cleanly: a job in progress finishes (all
writes are atomic, so an abandoned one would leave no partial file either). A second
daemon on the same store refuses to start.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.core.periods import Clock
from monitor.edges import state
from monitor.edges.store import Store
from monitor.errors import MonitorError
from monitor.pipeline.cycle import fetch_job, report_job
from monitor.pipeline.stop import Stop

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger("monitor")


def missed(trigger: CronTrigger, last_run: datetime | None, now: datetime) -> datetime | None:
    """The latest scheduled time after ``last_run`` that has passed, if any."""
    if last_run is None:
        return None
    fire = trigger.get_next_fire_time(None, last_run + timedelta(seconds=1))
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


class Daemon:
    def __init__(self, config: Config, store: Store, clock: Clock) -> None:
        self.config, self.store, self.clock = config, store, clock
        self.stop = Stop()
        self.triggers = {job: config.trigger(job) for job in state.JOBS}

    def _job(self, name: str) -> Callable[[], None]:
        def run() -> None:
            try:
                if name == "fetch":
                    fetch_job(self.config, self.store, self.clock, self.stop)
                else:
                    report_job(self.config, self.store, self.clock)
            except MonitorError as exc:
                log.error("%s: %s", name, exc)
            except Exception:  # the daemon outlives a bad run; the next slot tries again
                log.exception("%s: unexpected error", name)

        return run

    def run(self, foreground: Callable[[threading.Event], None] | None = None) -> None:
        """Run the schedules until stopped. ``foreground`` (the HTTP service of ``daemon
        --serve``) runs in the main thread meanwhile, and stops on the same signals."""
        from filelock import FileLock, Timeout

        root = self.config.storage.snapshots
        root.mkdir(parents=True, exist_ok=True)
        guard = FileLock(str(root / ".daemon.lock"), timeout=0)
        try:
            guard.acquire()
        except Timeout as exc:
            raise MonitorError(
                f"another monitor daemon is already running on {root} "
                f"(it holds {root / '.daemon.lock'})"
            ) from exc
        try:
            self._serve(foreground)
        finally:
            guard.release()

    def _serve(self, foreground: Callable[[threading.Event], None] | None) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone=self.config.schedule.timezone)
        runs = state.run_log(self.config.storage.snapshots).read()
        now = self.clock()
        for name, trigger in self.triggers.items():
            catch_up = missed(trigger, runs.last(name), now)
            if catch_up:
                log.info("%s: catching up the run missed at %s", name, catch_up.isoformat())
            scheduler.add_job(
                self._job(name),
                trigger,
                id=name,
                name=name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=self.config.schedule.misfire_grace_time,
                **({"next_run_time": now} if catch_up else {}),
            )
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        scheduler.start()
        for job in scheduler.get_jobs():
            log.info("daemon: %s next at %s", job.id, job.next_run_time.isoformat())
        if foreground is not None:
            foreground(self.stop)
            self.stop.set()  # the service ended, so does the daemon: one unit, one lifetime
        while not self.stop.wait(0.5):
            pass
        log.info("daemon: stopping; waiting for a running job to finish")
        scheduler.shutdown(wait=True)
        log.info("daemon: stopped")

    def _on_signal(self, signum: int, frame: object) -> None:
        log.info("daemon: received %s", signal.Signals(signum).name)
        self.stop.set()
