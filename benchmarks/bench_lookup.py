"""Finding a country the user typed, in a store of 200 countries: `monitor show IRQ` as a
process, and `GET /api/countries` from a real `monitor serve`, before and after, same run.

Run: .venv/bin/python benchmarks/bench_lookup.py [--countries 200 --rounds 9 --requests 30]
     [--before REV]   (default: main)

Builds a store of 200 countries, one snapshot each, with the bookkeeping a fetch leaves
(`.state.json`: name, ISO codes, URL, validators, last check), then times, alternating the
two trees so that the machine's drift hits both alike:
1. `monitor show IRQ --format json` (a real process; the lookup by ISO code is the point),
   median wall time, and median CPU time (user + system) of the process, which a machine
   shared with other jobs disturbs less;
2. `GET /api/countries` (every country and its snapshot dates) against a real
   `monitor serve` on 127.0.0.1, median over sequential requests on one keep-alive client;
3. the lookup alone, in a process of each tree: `find_country(store, "IRQ")`, median of
   50 calls; and `monitor --help`, the CLI's start-up, which no lookup can make faster.
The "before" tree is REV of this clone, unpacked with `git archive` into a temporary folder
and put first on PYTHONPATH (so it runs with this checkout's installed dependencies).
Lower is better; the goal is before / after >= 5 for both.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pycountry
from bench_serve import start_service

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store

SEED = (ROOT / "tests" / "fixtures" / "iraq-2015-03-06.txt").read_text("utf-8")


def build_store(directory: Path, countries: int) -> None:
    """``countries`` countries (Iraq among them), one snapshot each, and their bookkeeping."""
    names = ["Iraq", *(c.name for c in pycountry.countries if c.name != "Iraq")][:countries]
    store = Store(directory / "snapshots")
    now = datetime(2026, 11, 23, 6, tzinfo=UTC)
    raw = SEED.encode()
    text = extract(raw)
    states = {}
    for name in names:
        profile = parse(text, country=name, force_country=True)
        store.save(profile, raw, kind="text", content_type="text/plain", now=now)
        states[profile.slug] = {
            "country": profile.country,
            "iso2": profile.iso2,
            "iso3": profile.iso3,
            "url": f"https://www.itu.int/profiles/{profile.slug}.pdf",
            "etag": f'"{profile.slug}-1"',
            "last_modified": "Mon, 23 Nov 2026 06:00:00 GMT",
            "last_check": now.isoformat(timespec="seconds"),
            "last_success": now.isoformat(timespec="seconds"),
        }
    store.update_states(states)
    (directory / "config.toml").write_text('[storage]\nsnapshots = "snapshots"\n')


def unpack(rev: str, into: Path) -> Path:
    """The package as it is at ``rev``, unpacked (no checkout, no install)."""
    target = into / "before"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev, "monitor"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def cpu_and_wall(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """CPU time (user + system) and wall time of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


LOOKUP = """
import statistics, time
from monitor.edges.store import Store, find_country
store, times = Store("snapshots"), []
for _ in range(50):
    start = time.perf_counter()
    assert find_country(store, "IRQ") == "iraq"
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def lookup_alone(cwd: Path, env: dict[str, str]) -> float:
    run = subprocess.run(
        [sys.executable, "-c", LOOKUP], cwd=cwd, env=env, capture_output=True, check=True
    )
    return float(run.stdout)


def requests(base: str, count: int) -> list[float]:
    """Wall time of ``count`` sequential ``GET /api/countries`` on one connection."""
    import httpx

    times = []
    with httpx.Client(timeout=30) as client:
        client.get(f"{base}/api/countries").raise_for_status()  # warm: imports, first read
        for _ in range(count):
            begin = time.perf_counter()
            client.get(f"{base}/api/countries").raise_for_status()
            times.append(time.perf_counter() - begin)
    return times


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--countries", type=int, default=200)
    args.add_argument("--rounds", type=int, default=9, help="processes of each side")
    args.add_argument("--requests", type=int, default=30, help="requests per server round")
    args.add_argument("--before", default="main", help="the git revision to compare with")
    opts = args.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MONITOR_CONFIG", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules byte-compiled once
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        build_store(tmp, opts.countries)
        trees = {"after": env, "before": {**env, "PYTHONPATH": str(unpack(opts.before, tmp))}}
        show = [sys.executable, "-m", "monitor", "show", "IRQ", "--format", "json"]
        for side_env in trees.values():  # warm-up: byte-compile both trees; same answer
            out = [subprocess.run(show, cwd=tmp, env=side_env, capture_output=True, check=True)]
            assert b'"iso3": "IRQ"' in out[0].stdout
        shows: dict[str, list[float]] = {side: [] for side in trees}
        cpus: dict[str, list[float]] = {side: [] for side in trees}
        for _ in range(opts.rounds):
            for side, side_env in trees.items():
                cpu, wall = cpu_and_wall(show, tmp, side_env)
                shows[side].append(wall)
                cpus[side].append(cpu)
        helps: dict[str, list[float]] = {side: [] for side in trees}
        for _ in range(opts.rounds):
            for side, side_env in trees.items():
                helps[side].append(cpu_and_wall([*show[:3], "--help"], tmp, side_env)[0])
        lookups = {side: [lookup_alone(tmp, side_env)] for side, side_env in trees.items()}
        serves: dict[str, list[float]] = {side: [] for side in trees}
        for _ in range(3):
            for side, side_env in trees.items():
                server, base = start_service(tmp, side_env)
                try:
                    serves[side] += requests(base, opts.requests)
                finally:
                    server.terminate()
                    server.wait(10)
    print(f"{opts.countries} countries; before = {opts.before}, after = this checkout")
    for label, found, unit in (
        ("monitor show IRQ (process), wall", shows, f"median of {opts.rounds}"),
        ("monitor show IRQ (process), CPU", cpus, f"median of {opts.rounds}"),
        ("GET /api/countries", serves, f"median of {3 * opts.requests}"),
        ("find_country(store, 'IRQ') in-process", lookups, "median of 50"),
    ):
        before, after = statistics.median(found["before"]), statistics.median(found["after"])
        print(f"{label}, {unit} (lower is better):")
        print(f"  before {before * 1e3:7.1f} ms   after {after * 1e3:7.1f} ms")
        print(f"  before / after = {before / after:.1f} (goal >= 5)")
    floor = statistics.median(helps["after"])
    print(f"`monitor --help` CPU (start-up, the floor of any command): {floor * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
