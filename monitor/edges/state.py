"""Bookkeeping files: every country's fetch state ``.state.json``, the run log
``.runs.json`` and the mail outbox ``.outbox.json``. One reader/writer for all three.

Each file's shape is a dataclass, checked by ``jsonform.convert`` as it is read (timestamps
become aware ``datetime`` values there, once, and are written back as they were spelled).
Bookkeeping is rebuilt, never fatal: a file that is not JSON, or JSON of the wrong shape, is
logged once, set aside as ``NAME.corrupt-<time>`` (for a person to look at) and replaced by
what could be saved of it, and the run goes on. Writes are atomic; read-modify-writes hold a
lock file, so two threads or processes never lose each other's update.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import msgspec

from monitor.core.jsonform import Malformed, Moment, builtins, check_moments, convert, loads
from monitor.edges.clock import utc_now
from monitor.edges.files import write_json
from monitor.errors import StateError

if TYPE_CHECKING:  # periods is the reports' module (it imports the diff): a fetch never needs it
    from monitor.core.periods import Clock

log = logging.getLogger("monitor")
T = TypeVar("T")


class Ledger(Generic[T]):
    """One bookkeeping JSON file with a shape: ``load`` checks (and may repair) the parsed
    JSON and returns the value plus a note of what it had to drop; ``dump`` is its JSON."""

    def __init__(
        self,
        path: Path,
        load: Callable[[Any], tuple[T, str | None]],
        dump: Callable[[T], Any],
        empty: Callable[[], T],
        clock: Clock = utc_now,
    ) -> None:
        self.path, self._load, self._dump, self._empty = Path(path), load, dump, empty
        self.clock = clock

    def read(self, repair: bool = True) -> T:
        """The value; a damaged file is set aside and rebuilt, or with ``repair=False``
        (a read-only reader such as the HTTP service) left alone and reported."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return self._empty()
        except OSError as exc:
            raise StateError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        try:
            value, dropped = self._load(loads(raw))
        except ValueError as exc:  # not JSON, or Malformed
            cause = str(exc) if isinstance(exc, Malformed) else f"{type(exc).__name__}: {exc}"
            if not repair:
                raise StateError(f"{self.path} is damaged ({cause})") from exc
            self._set_aside(cause)
            return self._empty()
        if dropped and repair:
            self._set_aside(dropped)
            with contextlib.suppress(StateError):
                self.write(value)
        return value

    def write(self, value: T) -> None:
        write_json(self.path, self._dump(value), durable=False, error=StateError, mkdir=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path.with_name(f".{self.path.name}.lock")), timeout=60):
            yield

    def update(self, change: Callable[[T], T]) -> T:
        """Read, change and write back under the file's lock."""
        with self.locked():
            value = change(self.read())
            self.write(value)
            return value

    def _set_aside(self, cause: str) -> None:
        stamp = self.clock().strftime("%Y%m%dT%H%M%S%f")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
        except OSError:
            aside = self.path
        log.warning(
            "%s was damaged (%s); set aside as %s and rebuilt", self.path, cause, aside.name
        )


# -- every country's fetch state --------------------------------------------------------


@dataclass(frozen=True)
class CountryState:
    """Per-country bookkeeping for fetching and status."""

    slug: str
    country: str = ""
    iso2: str | None = None
    iso3: str | None = None
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None  # as the server spelled it: sent back, never parsed
    last_check: Moment | None = None
    last_success: Moment | None = None
    consecutive_failures: Annotated[int, msgspec.Meta(ge=0)] = 0
    failing_since: Moment | None = None
    last_error: str | None = None

    def __post_init__(self) -> None:
        check_moments(
            last_check=self.last_check,
            last_success=self.last_success,
            failing_since=self.failing_since,
        )


def _country_state(slug: str, data: Any) -> CountryState:
    return convert({**convert(data, dict[str, Any]), "slug": slug}, CountryState)


def country_states(directory: Path, slug: str) -> Ledger[CountryState]:
    """A country's own ``state.json``: where state lived before ``.state.json``; still read
    for a country the central file does not know yet, never written."""
    return Ledger(
        directory / "state.json",
        lambda data: (_country_state(slug, data), None),
        asdict,
        lambda: CountryState(slug),
    )


States = dict[str, CountryState]


@dataclass(frozen=True)
class _StatesFile:
    countries: dict[str, Any] = field(default_factory=dict)  # each entry checked alone


def _states(data: Any) -> tuple[States, str | None]:
    out: States = {}
    dropped = []
    for slug, entry in convert(data, _StatesFile).countries.items():
        try:
            out[slug] = _country_state(slug, entry)
        except Malformed as exc:
            dropped.append(f"{slug}: {exc}")
    return out, "; ".join(dropped) or None


def _dump_states(states: States) -> dict[str, Any]:
    return {
        "countries": {
            slug: {k: v for k, v in builtins(state).items() if k != "slug"}
            for slug, state in sorted(states.items())
        }
    }


def all_states(snapshots: Path) -> Ledger[States]:
    """Every country's fetch bookkeeping in one file, ``<snapshots>/.state.json``: a run
    writes it once per batch of documents, not once per country."""
    return Ledger(snapshots / ".state.json", _states, _dump_states, dict)


# -- the run log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRun:
    started: Moment | None = None
    finished: Moment | None = None
    outcome: str | None = None

    def __post_init__(self) -> None:
        check_moments(started=self.started, finished=self.finished)


@dataclass(frozen=True)
class _ReportRun(JobRun):
    finalized: list[Any] = field(default_factory=list)  # each label checked alone


@dataclass(frozen=True)
class _RunsFile:
    fetch: JobRun = JobRun()
    report: _ReportRun = _ReportRun()


@dataclass(frozen=True)
class Runs:
    """When each job last ran and how it went, and the weeks whose report went out."""

    jobs: dict[str, JobRun]
    finalized: tuple[str, ...] = ()

    def job(self, name: str) -> JobRun:
        return self.jobs.get(name, JobRun())

    def last(self, name: str) -> datetime | None:
        return self.job(name).started


JOBS = ("fetch", "report")


def _runs(data: Any) -> tuple[Runs, str | None]:
    found = convert(data, _RunsFile)
    report = found.report
    jobs = {
        "fetch": found.fetch,
        "report": JobRun(report.started, report.finished, report.outcome),
    }
    weeks, dropped = _weeks(report.finalized)
    return Runs(jobs, weeks), dropped


def _dump_runs(runs: Runs) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: {k: v for k, v in asdict(job).items() if v is not None}
        for name, job in runs.jobs.items()
    }
    out.setdefault("report", {})["finalized"] = list(runs.finalized)
    return out


_ANY_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # a label's validity never depends on the time


def _weeks(labels: list[Any]) -> tuple[tuple[str, ...], str | None]:
    """Valid period labels, and a note naming the ones dropped."""
    from monitor.core.periods import period_named  # reports' module: see above

    good, bad = [], []
    for label in labels:
        try:
            good.append(period_named(str(label), _ANY_TIME).label)
        except ValueError:
            bad.append(repr(label))
    return tuple(sorted(set(good))), (f"not a week: {', '.join(bad)}" if bad else None)


def run_log(snapshots: Path) -> Ledger[Runs]:
    return Ledger(snapshots / ".runs.json", _runs, _dump_runs, lambda: Runs({}))


def record_run(snapshots: Path, job: str, **changes: Any) -> None:
    """Note a job's start or end (``started=``/``finished=`` a datetime or None) or its
    ``outcome=`` (text)."""

    def change(runs: Runs) -> Runs:
        return replace(runs, jobs={**runs.jobs, job: replace(runs.job(job), **changes)})

    run_log(snapshots).update(change)


def finalize(snapshots: Path, week: str) -> None:
    run_log(snapshots).update(lambda runs: replace(runs, finalized=(*runs.finalized, week)))


# -- the outbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _OutboxFile:
    pending: list[Any] = field(default_factory=list)  # each label checked alone


def _outbox(data: Any) -> tuple[tuple[str, ...], str | None]:
    return _weeks(convert(data, _OutboxFile).pending)


def outbox(reports: Path) -> Ledger[tuple[str, ...]]:
    """Periods whose email has not gone out yet: retried on the next run."""
    return Ledger(
        reports / ".outbox.json", _outbox, lambda weeks: {"pending": sorted(weeks)}, tuple
    )


def owe(reports: Path, label: str) -> None:
    outbox(reports).update(lambda weeks: tuple(sorted({*weeks, label})))


def paid(reports: Path, label: str) -> None:
    outbox(reports).update(lambda weeks: tuple(w for w in weeks if w != label))
