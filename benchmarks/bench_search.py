"""Search: `/api/search` against Datasette serving the same text, and the first search's
index build against `monitor export --format sqlite`.

Run: .venv/bin/python benchmarks/bench_search.py --datasette /tmp/ds-venv/bin/datasette
     [--countries 200 --versions 10 --seconds 3 --rounds 3 --clients 8]

Datasette is not a dependency: install it in a venv of its own (``python3 -m venv
/tmp/ds-venv && /tmp/ds-venv/bin/pip install datasette``).

Builds the store bench_report.py builds (200 countries x 10 snapshots; not timed), then:
1. The first search on a store with no index (a real `monitor search` process, which builds
   the index) against `monitor export --format sqlite` (a real process), alternated rounds,
   medians. Lower is better; the goal is search / export < 2.
2. Requests per second for one phrase that every country's 6th version holds ("agency
   number 5": 200 sections): `monitor serve` answering /api/search?q="agency number 5"
   against `datasette` serving the export, /export/sections.json?_search="agency number 5"
   (raw FTS5, 200 rows a page), the same client (8 concurrent, keep-alive), alternated in
   the same run. Both answers are checked to name the same 200 sections first. Higher is
   better; the goal is monitor / datasette >= 1. Also the same question under 1,000
   spellings, so that the service computes every answer instead of answering from the
   answers it keeps.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pycountry
from bench_report import fill
from bench_serve import hammer, start, start_service
from common import timed

from monitor.edges.index import index_path
from monitor.edges.store import Store

PHRASE = '"agency number 5"'


def build(tmp: Path, countries: int, versions: int) -> None:
    fill(Store(tmp / "snapshots"), [c.name for c in pycountry.countries][:countries], versions)
    (tmp / "config.toml").write_text('[storage]\nsnapshots = "snapshots"\n', encoding="utf-8")


def first_search(tmp: Path, rounds: int, env: dict[str, str]) -> None:
    monitor = [sys.executable, "-m", "monitor", "-q"]
    export = [*monitor, "export", "--format", "sqlite", "-o", str(tmp / "export.db")]
    search = [*monitor, "search", PHRASE, "--format", "json"]
    cache = index_path(tmp / "snapshots").parent
    exports, searches, warm = [], [], []
    for _ in range(rounds):
        exports.append(timed(export, str(tmp), env))
        for found in cache.glob("search.db*"):
            found.unlink()
        searches.append(timed(search, str(tmp), env))
        warm.append(timed(search, str(tmp), env))
    e, s, w = map(statistics.median, (exports, searches, warm))
    print(f"first search, median of {rounds} alternated rounds (lower is better):")
    print(f"  monitor export --format sqlite     {e:6.2f} s   runs {_list(exports)}")
    print(f"  monitor search, no index (builds)  {s:6.2f} s   runs {_list(searches)}")
    print(f"  monitor search, index up to date   {w:6.2f} s   runs {_list(warm)}")
    size = index_path(tmp / "snapshots").stat().st_size / 1e6
    print(f"  search / export = {s / e:.2f} (goal < 2); index {size:.1f} MB")


def served(tmp: Path, opts: argparse.Namespace, env: dict[str, str]) -> None:
    import httpx

    service, base = start_service(tmp, env)
    try:
        datasette, port = start(
            [opts.datasette, "serve", "export.db", "-p", "0", "--host", "127.0.0.1"],
            tmp,
            r"Uvicorn running on http://127\.0\.0\.1:(\d+)",
            env,
        )
        try:
            ours = f"{base}/api/search?q={quote(PHRASE)}"
            theirs = (
                f"http://127.0.0.1:{port}/export/sections.json?_search={quote(PHRASE)}"
                "&_searchmode=raw&_size=200&_shape=array"
            )
            a, b = httpx.get(ours, timeout=120).json(), httpx.get(theirs).json()
            found = {(h["country"]["slug"], h["section"]) for h in a["hits"]}
            rows = {(r["slug"], r["number"]) for r in b}
            assert found == rows and len(found) == opts.countries, (len(found), len(rows))
            # the same question under 1,000 spellings (an ignored parameter): more than the
            # service keeps answers for, so each one is computed (the index still checked)
            fresh = [f"{ours}&_={n}" for n in range(1000)]
            mine, computed, others = [], [], []
            for _ in range(opts.rounds):
                mine.append(asyncio.run(hammer([ours], opts.clients, opts.seconds)))
                computed.append(asyncio.run(hammer(fresh, opts.clients, opts.seconds)))
                others.append(asyncio.run(hammer([theirs], opts.clients, opts.seconds)))
        finally:
            datasette.terminate()
            datasette.wait(10)
    finally:
        service.terminate()
        service.wait(10)
    o, c, t = statistics.median(mine), statistics.median(computed), statistics.median(others)
    print(f"search requests/s, {opts.clients} clients, phrase {PHRASE} ({len(found)} sections):")
    print(f"  monitor serve /api/search   {o:7.0f} /s   runs {_list(mine, 0)}")
    print(f"  ... each answer computed    {c:7.0f} /s   runs {_list(computed, 0)}")
    print(f"  datasette _search           {t:7.0f} /s   runs {_list(others, 0)}")
    print(f"  monitor / datasette = {o / t:.2f} (higher is better; goal >= 1)")
    print(f"  monitor, each answer computed / datasette = {c / t:.2f}")


def _list(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--countries", type=int, default=200)
    args.add_argument("--versions", type=int, default=10)
    args.add_argument("--seconds", type=float, default=3)
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--clients", type=int, default=8)
    args.add_argument("--datasette", default=shutil.which("datasette") or "datasette")
    opts = args.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MONITOR_CONFIG", None)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        build(tmp, opts.countries, opts.versions)
        print(f"{opts.countries} countries x {opts.versions} snapshots")
        first_search(tmp, opts.rounds, env)
        served(tmp, opts, env)


if __name__ == "__main__":
    main()
