"""`monitor demo`: the whole pipeline on bundled sample profiles, with no internet.

A web server on 127.0.0.1 serves the samples (Iraq as text, Tajikistan as HTML, each with
an ETag); the real fetch path downloads them into a fresh store; the demo then advances
the server through later sample versions (a new date, a revision without a new date, an
unchanged document answered with 304) and writes the reports.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Config, FetchConfig, SourceConfig, StorageConfig
from monitor.core.periods import Clock, week_of
from monitor.demo.server import Documents, serve
from monitor.edges.store import Store
from monitor.pipeline.fetching import FetchResult, fetch_all
from monitor.pipeline.reporting import ReportResult, write_reports

# (Iraq sample, Tajikistan sample) served in each round
ROUNDS = [(1, 1), (2, 2), (3, 2)]


SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def as_html(text: str, title: str) -> str:
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    head = f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>"
    return f"{head}\n{body}\n</body></html>\n"


@dataclass(frozen=True)
class DemoResult:
    directory: Path
    rounds: list[list[FetchResult]]
    report: ReportResult


def run_demo(directory: Path, clock: Clock, say: Callable[[str], None]) -> DemoResult:
    documents = Documents()
    rounds = []
    with serve(documents) as base:
        config = Config(
            path=None,
            storage=StorageConfig(directory / "snapshots", directory / "reports"),
            fetch=FetchConfig(concurrency=2, timeout=10, retries=1, backoff=0.1),
            sources=(
                SourceConfig("Iraq", f"{base}/Iraq.txt"),
                SourceConfig("Tajikistan", f"{base}/Tajikistan.html"),
            ),
        )
        store = Store(config.storage.snapshots, lock_timeout=30)
        for number, (iraq, tajikistan) in enumerate(ROUNDS, start=1):
            documents.set(
                "/Iraq.txt", sample(f"iraq-{iraq}.txt").encode(), "text/plain; charset=utf-8"
            )
            page = as_html(sample(f"tajikistan-{tajikistan}.txt"), "Tajikistan")
            documents.set("/Tajikistan.html", page.encode(), "text/html; charset=utf-8")
            results = fetch_all(config, store, config.sources, clock=clock)
            rounds.append(results)
            outcomes = ", ".join(
                f"{r.country} {r.outcome.label}{' ' + r.ref if r.ref else ''}" for r in results
            )
            say(f"round {number}: {outcomes}")
        report = write_reports(config, store, week_of(clock()), clock())
    (directory / "config.toml").write_text(
        "# The demo's store and reports, to explore with other commands:\n"
        "#   monitor --config THIS_FILE list | show iraq | diff iraq first latest\n"
        '[storage]\nsnapshots = "snapshots"\nreports = "reports"\n',
        encoding="utf-8",
    )
    return DemoResult(directory, rounds, report)
