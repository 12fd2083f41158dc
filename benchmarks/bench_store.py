"""Store speed: bulk import, `monitor list`, and resolving `latest` in a long history.

Run: .venv/bin/python benchmarks/bench_store.py [--countries 200 --versions 20]

Reports imports/s (extract + parse + atomic save with fsync, as `monitor import` does),
the wall time of `monitor list` over the whole store (a real subprocess), the time to
resolve `latest` for a country with 1,000 snapshots (file names only: no snapshot is read),
and peak memory (ru_maxrss) of this process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pycountry

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import timed

SEED = (ROOT / "tests" / "fixtures" / "iraq-2015-03-06.txt").read_text("utf-8")


def version(n: int) -> str:
    day = date(2015, 3, 6) + timedelta(days=30 * n)
    return SEED.replace("6th March 2015", f"{day.day} {day:%B %Y}").replace(
        "33 703 000", f"{33_703_000 + 1000 * n:,}".replace(",", " ")
    )


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--countries", type=int, default=200)
    args.add_argument("--versions", type=int, default=20)
    args.add_argument("--long", type=int, default=1000)
    opts = args.parse_args()
    names = [c.name for c in pycountry.countries][: opts.countries]
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "snapshots")
        docs = [version(n).encode() for n in range(opts.versions)]
        start = time.perf_counter()
        for name in names:
            for raw in docs:
                profile = parse(extract(raw), country=name)
                store.save(profile, raw, kind="text", content_type="text/plain", now=now)
        elapsed = time.perf_counter() - start
        total = len(names) * len(docs)
        print(
            f"import: {total} snapshots ({len(names)} countries x {len(docs)}) in {elapsed:.1f} s"
        )
        print(f"  {total / elapsed:.0f} imports/s")

        (Path(tmp) / "config.toml").write_text('[storage]\nsnapshots = "snapshots"\n')
        cmd = [sys.executable, "-m", "monitor", "list"]
        times = []
        for _ in range(5):
            t = time.perf_counter()
            out = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - t)
        listed = len(out.stdout.splitlines()) - 1
        print(f"monitor list: {min(times) * 1e3:.0f} ms ({listed} countries)")
        pass_t = min(timed([sys.executable, "-c", "pass"], tmp) for _ in range(5))
        print(f"  python -c pass: {pass_t * 1e3:.0f} ms (side by side)")

        long_store = Store(Path(tmp) / "long")
        profile = parse(extract(SEED.encode()))
        directory = long_store.country_dir(profile.slug)
        directory.mkdir(parents=True)
        template = store.path(store.refs(store.countries()[0])[0]).read_bytes()
        for n in range(opts.long):  # 1,000 snapshot files, written directly for speed
            day = date(2000, 1, 1) + timedelta(days=n)
            (directory / f"{day.isoformat()}.json").write_bytes(template)
        t = time.perf_counter()
        for _ in range(20):
            ref = long_store.find_ref(profile.slug, "latest")
        per = (time.perf_counter() - t) / 20
        print(f"resolve latest among {opts.long} snapshots: {per * 1e3:.2f} ms -> {ref.name}")
        t = time.perf_counter()
        long_store.load(ref)
        print(f"  then load it: {(time.perf_counter() - t) * 1e3:.2f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
