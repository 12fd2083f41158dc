"""Report speed: a weekly digest for 200 countries with ~10 changes each, and 200 country
pages with 10 snapshots each.

Run: .venv/bin/python benchmarks/bench_report.py [--countries 200 --versions 10]

Builds a real store first (not timed), then reports, each measured on its own: reading the
history and diffing (store → events), rendering the digest, rendering all country pages,
and writing everything (`write_reports`), with this process's peak memory.
Goals: the digest in under 0.5 s, all country pages in under 5 s.

Then, side by side in one run (lower is better for both ratios):
- `monitor report` (a real process) twice on the same store: the first with no caches and
  no pages, the second with nothing new (each country from the report cache, per-pair diffs
  from the diff cache, no snapshot read). Alternated rounds, medians. Goal: second / first
  ≤ 0.10.
- the overview (each country's state now and the timeline, computed and rendered) against
  the rest of `write_reports`, for a first report and for one with nothing new (states
  from the cache). Goal: overview / the rest ≤ 0.20.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pycountry
from common import timed

from monitor.config import parse_config
from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.core.periods import (
    iso_week,
    make_digest,
)
from monitor.core.summary import summarise
from monitor.edges.diffcache import cache_path
from monitor.edges.store import Store
from monitor.pipeline.gathering import from_histories, gather
from monitor.pipeline.history import all_histories
from monitor.pipeline.reporting import write_reports
from monitor.render.html import country_html, digest_html, overview_html

SEED = (ROOT / "tests" / "fixtures" / "iraq-2015-03-06.txt").read_text("utf-8")
WEEK = iso_week("2026-W47")


def version(n: int) -> str:
    """Version n differs from n-1 in about ten fields: figures, sources, items, prose."""
    text = SEED.replace("6th March 2015", f"{1 + n % 27} March {2015 + n}")
    text = text.replace("33 703 000", f"{33_703_000 + 250_000 * n:,}".replace(",", " "))
    text = text.replace("9.20%", f"{9.2 + 1.5 * n:.2f}%")
    text = text.replace("December 2013", f"December {2013 + n}")
    laws = "\n".join(f"- Law No. {n}-{k} on Electronic Transactions" for k in range(3))
    text = text.replace("-None.\n\n1.2", f"{laws}\n\n1.2", 1)
    text = text.replace("with ITU-IMPACT.", f"with ITU-IMPACT in {2014 + n}.")
    text = text.replace("higher committee", f"higher committee ({n} meetings)")
    return text.replace(
        "There is no agency responsible for cybersecurity in Iraq.",
        f"Agency number {n} is responsible for cybersecurity in Iraq.",
    )


def fill(store: Store, names: list[str], versions: int) -> None:
    """Each country's ``versions`` versions, seen a week apart up to WEEK."""
    texts = [version(n).encode() for n in range(versions)]
    for name in names:
        for n, raw in enumerate(texts):
            seen = WEEK.start - timedelta(days=7 * (versions - 1 - n)) + timedelta(hours=6)
            store.save(
                parse(extract(raw), country=name, force_country=True),
                raw,
                kind="text",
                content_type="text/plain",
                now=seen,
            )


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--countries", type=int, default=200)
    args.add_argument("--versions", type=int, default=10)
    args.add_argument("--rounds", type=int, default=3, help="first/second report pairs")
    opts = args.parse_args()
    names = [c.name for c in pycountry.countries][: opts.countries]
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(
            {"storage": {"snapshots": f"{tmp}/snapshots", "reports": f"{tmp}/reports"}}, None
        )
        store = Store(config.storage.snapshots)
        fill(store, names, opts.versions)
        now = datetime(2026, 11, 23, tzinfo=UTC)
        (Path(tmp) / "config.toml").write_text(
            '[storage]\nsnapshots = "snapshots"\nreports = "reports"\n', encoding="utf-8"
        )
        report_cmd = [sys.executable, "-m", "monitor", "-q", "report", "--week", WEEK.label]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's monitor
        env.pop("MONITOR_CONFIG", None)

        def cold() -> None:
            """As before any report: no diff cache, no report cache, no pages."""
            shutil.rmtree(config.storage.reports, ignore_errors=True)
            cache_path(store.root).unlink(missing_ok=True)

        firsts, seconds = [], []
        for _ in range(opts.rounds):  # alternated, so both see the same machine load
            cold()
            firsts.append(timed(report_cmd, tmp, env))
            seconds.append(timed(report_cmd, tmp, env))
        first_cli, second_cli = statistics.median(firsts), statistics.median(seconds)

        cold()
        start = time.perf_counter()
        histories = all_histories(store)
        load_cold = time.perf_counter() - start
        start = time.perf_counter()
        histories = all_histories(store)
        load = time.perf_counter() - start
        digest = make_digest(WEEK, histories, [], [h.slug for h in histories], now)
        changes = sum(len(e.comparison.changes) for e in digest.changes)
        start = time.perf_counter()
        page = digest_html(digest, summarise(digest))
        digest_time = time.perf_counter() - start
        start = time.perf_counter()
        pages = [country_html(h, now) for h in histories]
        pages_time = time.perf_counter() - start
        start = time.perf_counter()
        gathered = from_histories(tuple(histories))
        overview_page = overview_html(list(gathered.nows.values()), gathered.marks, now)
        overview_time = time.perf_counter() - start  # its share of a first report
        cold()
        start = time.perf_counter()
        write_reports(config, store, WEEK, now)
        total = time.perf_counter() - start
        countries, page_mb, overview_mb = len(histories), len(page) / 1e6, len(overview_page) / 1e6
        changed, pages_count = len(digest.changed_countries), len(pages)
        # what a report with nothing new holds in memory, not this benchmark's full histories
        # (a collection of those, landing inside a short timing, would dwarf it)
        del histories, pages, page, digest, gathered, overview_page
        gc.collect()
        warm = gather(store, config.storage.reports)
        warm_totals, warm_overviews = [], []
        for _ in range(opts.rounds):  # short and noisy on a shared machine: medians
            gc.collect()
            start = time.perf_counter()
            write_reports(config, store, WEEK, now)
            warm_totals.append(time.perf_counter() - start)
            gc.collect()
            start = time.perf_counter()
            overview_html(list(warm.nows.values()), warm.marks, now)
            warm_overviews.append(time.perf_counter() - start)  # its share, states cached
        warm_total = statistics.median(warm_totals)
        warm_overview = statistics.median(warm_overviews)

        print(f"{countries} countries x {opts.versions} snapshots")
        print(
            f"read history and diff every pair: {load_cold:.2f} s; with the diff cache {load:.2f} s"
        )
        print(
            f"digest: {changed} countries, {changes} changes, "
            f"{page_mb:.1f} MB, rendered in {digest_time:.3f} s (goal < 0.5 s)"
        )
        print(f"country pages: {pages_count} rendered in {pages_time:.2f} s (goal < 5 s)")
        print(
            f"overview: {overview_mb:.1f} MB, computed and rendered in "
            f"{overview_time:.2f} s ({warm_overview:.2f} s from cached states)"
        )
        print(
            f"write_reports end to end: {total:.2f} s first (read, diff, render, write all "
            f"files), {warm_total:.2f} s again with nothing new"
        )
        print()
        print(f"side by side, median of {opts.rounds} alternated rounds (lower is better):")
        print(
            f"  monitor report, first (no caches, no pages): {first_cli:.2f} s; second, nothing "
            f"new: {second_cli:.2f} s; second / first = {second_cli / first_cli:.3f} "
            "(goal <= 0.10)"
        )
        print(f"    rounds: first {_list(firsts)}, second {_list(seconds)}")
        for label, part, whole in (
            ("first report", overview_time, total),
            ("report with nothing new", warm_overview, warm_total),
        ):
            print(
                f"  overview {part:.2f} s / the rest of a {label} {whole - part:.2f} s = "
                f"{part / (whole - part):.3f} (goal <= 0.20)"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
