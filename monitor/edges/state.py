"""Bookkeeping files: each country's ``state.json``, the run log ``.runs.json`` and the mail
outbox ``.outbox.json``. One reader/writer for all three.

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
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from monitor.core.jsonform import loads
from monitor.edges.files import write_json
from monitor.errors import StateError

log = logging.getLogger("monitor")
T = TypeVar("T")


class Damaged(ValueError):
    """The file's content is not the shape it should be; the message says how."""


class Ledger(Generic[T]):
    """One bookkeeping JSON file with a shape: ``load`` checks (and may repair) the parsed
    JSON and returns the value plus a note of what it had to drop; ``dump`` is its JSON."""

    def __init__(
        self,
        path: Path,
        load: Callable[[Any], tuple[T, str | None]],
        dump: Callable[[T], Any],
        empty: Callable[[], T],
    ) -> None:
        self.path, self._load, self._dump, self._empty = Path(path), load, dump, empty

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
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            cause = f"{type(exc).__name__}: {exc}" if not isinstance(exc, Damaged) else str(exc)
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
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
        except OSError:
            aside = self.path
        log.warning(
            "%s was damaged (%s); set aside as %s and rebuilt", self.path, cause, aside.name
        )


# -- shapes -------------------------------------------------------------------------------


def as_timestamp(value: Any, key: str) -> str | None:
    """An ISO timestamp with a timezone, or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Damaged(f"{key} is {type(value).__name__}, not a timestamp")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Damaged(f"{key} {value!r} is not a timestamp") from exc
    if moment.tzinfo is None:
        raise Damaged(f"{key} {value!r} has no timezone")
    return value


def as_text(value: Any, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise Damaged(f"{key} is {type(value).__name__}, not text")


def as_object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Damaged(f"{what} is {type(data).__name__}, not an object")
    return data


# -- each country's state.json --------------------------------------------------------------


@dataclass(frozen=True)
class CountryState:
    """Per-country bookkeeping for fetching and status."""

    slug: str
    country: str = ""
    iso2: str | None = None
    iso3: str | None = None
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_check: str | None = None
    last_success: str | None = None
    consecutive_failures: int = 0
    failing_since: str | None = None
    last_error: str | None = None


_TIMESTAMPS = ("last_check", "last_success", "failing_since")


def _country_state(slug: str) -> Callable[[Any], tuple[CountryState, str | None]]:
    def load(data: Any) -> tuple[CountryState, str | None]:
        data = as_object(data, "state")
        values: dict[str, Any] = {}
        for f in fields(CountryState):
            if f.name == "slug" or f.name not in data:
                continue
            value = data[f.name]
            if f.name in _TIMESTAMPS:
                values[f.name] = as_timestamp(value, f.name)
            elif f.name == "consecutive_failures":
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise Damaged(f"consecutive_failures is {value!r}")
                values[f.name] = value
            elif f.name == "country":
                values[f.name] = as_text(value, f.name) or ""
            else:
                values[f.name] = as_text(value, f.name)
        return CountryState(slug, **values), None

    return load


def country_states(directory: Path, slug: str) -> Ledger[CountryState]:
    """A country's own ``state.json``: where state lived before ``.state.json``; still read
    for a country the central file does not know yet, never written."""
    return Ledger(
        directory / "state.json", _country_state(slug), asdict, lambda: CountryState(slug)
    )


States = dict[str, CountryState]


def _states(data: Any) -> tuple[States, str | None]:
    countries = as_object(as_object(data, "states").get("countries", {}), "countries")
    out: States = {}
    dropped = []
    for slug, entry in countries.items():
        try:
            out[slug] = _country_state(slug)(entry)[0]
        except (Damaged, TypeError, ValueError) as exc:
            dropped.append(f"{slug}: {exc}")
    return out, "; ".join(dropped) or None


def _dump_states(states: States) -> dict[str, Any]:
    return {
        "countries": {
            slug: {k: v for k, v in asdict(state).items() if k != "slug"}
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
    started: str | None = None
    finished: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Runs:
    """When each job last ran and how it went, and the weeks whose report went out."""

    jobs: dict[str, JobRun]
    finalized: tuple[str, ...] = ()

    def job(self, name: str) -> JobRun:
        return self.jobs.get(name, JobRun())

    def last(self, name: str) -> datetime | None:
        started = self.job(name).started
        return datetime.fromisoformat(started) if started else None


JOBS = ("fetch", "report")


def _runs(data: Any) -> tuple[Runs, str | None]:
    data = as_object(data, "run log")
    jobs = {}
    for name in JOBS:
        entry = as_object(data.get(name, {}), name)
        jobs[name] = JobRun(
            as_timestamp(entry.get("started"), f"{name}.started"),
            as_timestamp(entry.get("finished"), f"{name}.finished"),
            as_text(entry.get("outcome"), f"{name}.outcome"),
        )
    finalized = data.get("report", {}).get("finalized", [])
    if not isinstance(finalized, list):
        raise Damaged("report.finalized is not a list")
    weeks, dropped = _weeks(finalized)
    return Runs(jobs, weeks), dropped


def _dump_runs(runs: Runs) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: {k: v for k, v in asdict(job).items() if v is not None}
        for name, job in runs.jobs.items()
    }
    out.setdefault("report", {})["finalized"] = list(runs.finalized)
    return out


def _weeks(labels: list[Any]) -> tuple[tuple[str, ...], str | None]:
    """Valid period labels, and a note naming the ones dropped."""
    from monitor.core.periods import period_named  # reports' module: a fetch never needs it

    good, bad = [], []
    for label in labels:
        try:
            good.append(period_named(str(label), datetime.now(UTC)).label)
        except ValueError:
            bad.append(repr(label))
    return tuple(sorted(set(good))), (f"not a week: {', '.join(bad)}" if bad else None)


def run_log(snapshots: Path) -> Ledger[Runs]:
    return Ledger(snapshots / ".runs.json", _runs, _dump_runs, lambda: Runs({}))


def record_run(snapshots: Path, job: str, **changes: str | None) -> None:
    """Note a job's start, end or outcome (``started=…``, ``finished=…``, ``outcome=…``)."""

    def change(runs: Runs) -> Runs:
        return replace(runs, jobs={**runs.jobs, job: replace(runs.job(job), **changes)})

    run_log(snapshots).update(change)


def finalize(snapshots: Path, week: str) -> None:
    run_log(snapshots).update(lambda runs: replace(runs, finalized=(*runs.finalized, week)))


# -- the outbox -----------------------------------------------------------------------------


def _outbox(data: Any) -> tuple[tuple[str, ...], str | None]:
    pending = as_object(data, "outbox").get("pending", [])
    if not isinstance(pending, list):
        raise Damaged("pending is not a list")
    return _weeks(pending)


def outbox(reports: Path) -> Ledger[tuple[str, ...]]:
    """Periods whose email has not gone out yet: retried on the next run."""
    return Ledger(
        reports / ".outbox.json", _outbox, lambda weeks: {"pending": sorted(weeks)}, tuple
    )


def owe(reports: Path, label: str) -> None:
    outbox(reports).update(lambda weeks: tuple(sorted({*weeks, label})))


def paid(reports: Path, label: str) -> None:
    outbox(reports).update(lambda weeks: tuple(w for w in weeks if w != label))
