"""What one hostile client costs `monitor serve`, and what the whole-store answers cost,
this checkout side by side with another checkout (of another commit, e.g. made with
`git worktree add /tmp/before main`).

Run: .venv/bin/python benchmarks/bench_hostile.py --other /tmp/before [--countries 200]

Each checkout's `monitor serve` runs as a real process (this venv's Python, the checkout's
code) on a store of ``--countries`` countries with 3 versions each, built once:

1. ``GET /api/countries``, ``/``, ``/overview``, ``/feed.atom`` (built from the whole
   store): median milliseconds per request, 15 requests one after another (after one to
   warm up). Lower is better.
2. A 100 MB header sent in 64 KB pieces from a raw socket, stopping when the server
   answers or closes: how much was sent by then, the seconds it took, and the server's peak
   memory (VmHWM) afterwards. Lower is better for all three.
3. ``GET /api/countries/iraq/diff/first/latest`` requests per second, 8 keep-alive clients,
   3 s, alternated 3 rounds (median): the price of h11 and the limits against httptools.
   Higher is better.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx
import pycountry
from bench_report import WEEK, version
from bench_serve import hammer, start_service

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store


def build(directory: Path, countries: int) -> None:
    store = Store(directory / "snapshots")
    texts = [version(n).encode() for n in range(3)]
    names = ["Iraq", *(c.name for c in pycountry.countries if c.name != "Iraq")][:countries]
    for name in names:
        for raw in texts:
            profile = parse(extract(raw), country=name, force_country=True)
            store.save(profile, raw, kind="text", content_type="text/plain", now=WEEK.start)
    (directory / "config.toml").write_text('[storage]\nsnapshots = "snapshots"\n')


def serve(tree: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("MONITOR_CONFIG", None)
    return start_service(cwd, env)


WHOLE = ("/api/countries", "/", "/overview", "/feed.atom")


def whole_ms(base: str, path: str) -> float:
    times = []
    with httpx.Client(timeout=60) as client:
        client.get(base + path)
        for _ in range(15):
            start = time.perf_counter()
            assert client.get(base + path).status_code == 200
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def huge_header(base: str, megabytes: int = 100) -> tuple[int, float]:
    parts = urlsplit(base)
    chunk, sent = b"a" * 65536, 0
    start = time.perf_counter()
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ")
        sock.setblocking(False)
        with selectors.DefaultSelector() as watch:
            watch.register(sock, selectors.EVENT_READ)
            while sent < megabytes * 2**20 and not watch.select(timeout=0):
                try:
                    sent += sock.send(chunk)
                except BlockingIOError:
                    watch.select(timeout=0.05)
                except OSError:
                    break
    return sent, time.perf_counter() - start


def peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) / 1024 if found else float("nan")


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--other", type=Path, required=True, help="the other checkout")
    args.add_argument("--countries", type=int, default=200)
    opts = args.parse_args()
    trees = {"this": ROOT, "other": opts.other.resolve()}
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), opts.countries)
        results: dict[str, dict[str, float]] = {}
        rates: dict[str, list[float]] = {name: [] for name in trees}
        servers = {name: serve(tree, Path(tmp)) for name, tree in trees.items()}
        try:
            for name, (_, base) in servers.items():
                results[name] = {path: whole_ms(base, path) for path in WHOLE}
            diff = "/api/countries/iraq/diff/first/latest"
            for _ in range(3):
                for name, (_, base) in servers.items():
                    rates[name].append(asyncio.run(hammer([base + diff], 8, 3.0)))
            for name, (process, base) in servers.items():
                sent, took = huge_header(base)
                results[name].update(
                    sent_mb=sent / 2**20, seconds=took, peak_mb=peak_mb(process.pid)
                )
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(30)
    print(f"{opts.countries} countries × 3 versions; this = {ROOT}, other = {trees['other']}")
    rows = [(f"GET {path}, median ms", path, "lower") for path in WHOLE] + [
        ("100 MB header: MB sent before the answer", "sent_mb", "lower"),
        ("100 MB header: seconds", "seconds", "lower"),
        ("100 MB header: server's peak MB", "peak_mb", "lower"),
    ]
    for label, key, better in rows:
        a, b = results["this"][key], results["other"][key]
        ratio = f"this/other {a / b:6.3f} ({better} is better)"
        print(f"{label:<44} this {a:9.2f}  other {b:9.2f}  {ratio}")
    a, b = statistics.median(rates["this"]), statistics.median(rates["other"])
    print(
        f"{'diff requests/s, 8 clients (median of 3)':<44} this {a:9.1f}  other {b:9.1f}  "
        f"this/other {a / b:6.3f} (higher is better)"
    )


if __name__ == "__main__":
    main()
