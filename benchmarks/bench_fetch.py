"""Fetch speed, side by side with urlwatch, against a local server with 50 ms latency.

Run it with the monitor installed as a user installs it (no test extra: with it, httpcore
imports trio, +50 ms a start), and urlwatch 2.29 beside it:

    python3 -m venv /tmp/user && /tmp/user/bin/pip install .
    python3 -m venv /tmp/uw && /tmp/uw/bin/pip install urlwatch==2.29
    /tmp/user/bin/python benchmarks/bench_fetch.py --urlwatch /tmp/uw/bin/urlwatch

A threaded server on 127.0.0.1 (listen backlog 1024, TCP_NODELAY) serves N profiles (text,
or PDF with --pdf), each its own country's, each after 50 ms, with an ETag. Each round
runs, alternating on the same machine: the start-up (the interpreter and what `monitor
fetch` imports), `monitor fetch` into an empty store (cold), `monitor fetch` again
(conditional: every answer is 304), and urlwatch on the same URLs with an empty cache.
Reports medians over the rounds as ratios with their direction: against the floor
ceil(N / concurrency) x 50 ms (lower is better) and urlwatch's time over ours (above 1
means we are faster); CPU per source beyond start-up; then peak memory and open files after
N and 10 N sources; and what bare httpx costs a conditional request, the floor of that
figure.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from monitor.demo.server import Documents, serve

SEED = (ROOT / "tests" / "fixtures" / "iraq-2015-03-06.txt").read_text("utf-8")
LATENCY = 0.05
# What `monitor fetch` pays before its first request: the interpreter and its imports.
STARTUP = [sys.executable, "-c", "import monitor.cli, monitor.pipeline.fetching"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    cpu = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed: {result.stderr[-2000:]}")
    return wall, children_cpu() - cpu


def monitor_config(directory: Path, base: str, names: list[str], concurrency: int, ext: str):
    lines = [
        "[fetch]",
        f"concurrency = {concurrency}",
        "timeout = 30",
        "[sources]",
        f'url_template = "{base}/{{name}}.{ext}"',
        "countries = [" + ", ".join(f'"{n}"' for n in names) + "]",
    ]
    (directory / "config.toml").write_text("\n".join(lines) + "\n")


def urlwatch_files(directory: Path, base: str, names: list[str], ext: str) -> list[str]:
    jobs = "\n---\n".join(f"name: {n}\nurl: {base}/{n.replace(' ', '_')}.{ext}" for n in names)
    (directory / "urls.yaml").write_text(jobs + "\n")
    reporters = "\n".join(
        f"  {r}:\n    enabled: false" for r in ("stdout", "email", "html", "text", "markdown")
    )
    (directory / "urlwatch.yaml").write_text(
        f"display:\n  new: true\n  error: true\n  unchanged: false\nreport:\n{reporters}\n"
    )
    (directory / "hooks.py").write_text("")
    return [
        "--urls",
        str(directory / "urls.yaml"),
        "--config",
        str(directory / "urlwatch.yaml"),
        "--hooks",
        str(directory / "hooks.py"),
        "--cache",
        str(directory / "cache.db"),
    ]


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--sources", type=int, default=200)
    args.add_argument("--rounds", type=int, default=5)
    args.add_argument("--urlwatch", default=shutil.which("urlwatch"))
    args.add_argument("--pdf", action="store_true", help="serve PDFs instead of text")
    args.add_argument("--concurrency", type=int, nargs="*", default=[8, 10, 32, 64])
    args.add_argument("--big", type=int, default=2000, help="sources for the memory run")
    args.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args.add_argument("--floor-child", help=argparse.SUPPRESS)
    opts = args.parse_args()
    if opts.memory_child:
        memory_child(opts.memory_child)
        return
    if opts.floor_child:
        floor_child(opts.floor_child)
        return

    names = countries()
    if opts.sources > len(names):
        raise SystemExit(f"at most {len(names)} sources: one per country (config rule)")
    names = names[: opts.sources]
    ext = "pdf" if opts.pdf else "txt"
    content_type = "application/pdf" if opts.pdf else "text/plain; charset=utf-8"
    documents = Documents()
    for name in names:
        documents.set(f"/{name.replace(' ', '_')}.{ext}", profile_of(name, opts.pdf), content_type)
    monitor = [sys.executable, "-m", "monitor", "-q", "fetch"]
    print(f"{len(names)} sources ({ext}), {LATENCY * 1000:.0f} ms latency, {opts.rounds} rounds")
    with serve(documents, latency=LATENCY) as url, tempfile.TemporaryDirectory() as tmp:
        run_rounds(opts, names, ext, url, Path(tmp), monitor)
        httpx_floor(opts, url, Path(tmp))
        memory_runs(opts, names, ext, url, Path(tmp), documents, content_type)


def memory_runs(opts, names, ext, url, base: Path, documents, content_type) -> None:
    """Peak RSS and open files after fetching N and then 10 N sources (config allows one
    source per country, so the big run calls the pipeline directly, each country's document
    served under several URLs)."""
    for count in dict.fromkeys((opts.sources, opts.big)):  # once each
        urls = []
        for i in range(count):
            name = names[i % len(names)]
            path = f"/m{i}/{name.replace(' ', '_')}.{ext}"
            documents.set(path, profile_of(name, opts.pdf), content_type)
            urls.append((name, url + path))
        work = base / f"mem{count}"
        work.mkdir()
        (work / "sources.json").write_text(json.dumps(urls))
        out = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(work)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        print(f"{count:5d} sources at concurrency 64: {out.strip()}")


def memory_child(work: Path) -> None:
    from datetime import UTC, datetime

    from monitor.config import Config, FetchConfig, SourceConfig, StorageConfig
    from monitor.edges.store import Store
    from monitor.pipeline.fetching import fetch_all

    pairs = json.loads((work / "sources.json").read_text())
    config = Config(
        path=None,
        storage=StorageConfig(work / "snapshots", work / "reports"),
        fetch=FetchConfig(concurrency=64, timeout=30),
        sources=tuple(SourceConfig(name, url) for name, url in pairs),
    )
    fds_before = len(os.listdir("/proc/self/fd"))
    started = time.perf_counter()
    results = fetch_all(config, Store(config.storage.snapshots), config.sources,
                        clock=lambda: datetime.now(UTC))  # fmt: skip
    wall = time.perf_counter() - started
    errors = sum(1 for r in results if r.error)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fds = len(os.listdir("/proc/self/fd")) - fds_before
    print(f"{wall:.1f} s, {errors} errors, peak RSS {peak:.0f} MiB, open files +{fds}")


def countries() -> list[str]:
    """Country names that read back as themselves when printed in a profile's title."""
    import pycountry

    names = []
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        if "," not in name and "(" not in name:
            names.append(name)
    return names


def profile_of(name: str, pdf: bool) -> bytes:
    """The seed profile, printed as the profile of ``name`` (the title must name it)."""
    text = re.sub("iraq", name, SEED, flags=re.I)
    if pdf:
        from tests.pdfs import text_to_pdf

        return text_to_pdf(text)
    return text.encode()


def httpx_floor(opts, url: str, base: Path) -> None:
    """What httpx alone costs a conditional re-fetch: each source's URL and ETag (from the
    last monitor run's bookkeeping) asked again with a bare ``AsyncClient`` per worker, each
    answer a 304; CPU per request in a fresh process, after its imports (the floor under
    "conditional CPU per source")."""
    for concurrency in opts.concurrency:
        work = base / f"c{concurrency}"
        states = json.loads((work / "snapshots" / ".state.json").read_text())["countries"]
        jobs = [(s["url"], s["etag"]) for s in states.values() if s.get("etag")]
        (work / "jobs.json").write_text(json.dumps({"jobs": jobs, "concurrency": concurrency}))
        cpu = []
        for _ in range(opts.rounds):
            out = subprocess.run(
                [sys.executable, __file__, "--floor-child", str(work / "jobs.json")],
                capture_output=True,
                text=True,
                check=True,
            )
            cpu.append(float(out.stdout))
        print(
            f"concurrency {concurrency}: bare httpx, each of {len(jobs)} sources asked again "
            f"(304): {statistics.median(cpu) * 1e3 / len(jobs):.2f} ms CPU a request "
            f"(median of {opts.rounds}; the floor of the conditional figure)"
        )


def floor_child(path: str) -> None:
    import asyncio
    import ssl

    import httpx

    spec = json.loads(Path(path).read_text())
    tls = ssl.create_default_context()  # one for all clients, as a fetch run has

    async def worker(queue: asyncio.Queue) -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(limits=limits, verify=tls) as client:
            while not queue.empty():
                url, etag = queue.get_nowait()
                response = await client.get(url, headers={"If-None-Match": etag})
                assert response.status_code == 304, response.status_code

    async def run() -> None:
        queue: asyncio.Queue = asyncio.Queue()
        for job in spec["jobs"]:
            queue.put_nowait(job)
        await asyncio.gather(*(worker(queue) for _ in range(spec["concurrency"])))

    started = time.process_time()
    asyncio.run(run())
    print(time.process_time() - started)


def run_rounds(opts, names: list[str], ext: str, url: str, base: Path, monitor: list[str]):
    """Cold, conditional and urlwatch, alternating round by round, at each concurrency."""
    for concurrency in opts.concurrency:
        work = base / f"c{concurrency}"
        work.mkdir()
        monitor_config(work, url, names, concurrency, ext)
        cold, warm, warm_cpu, cold_cpu, watch, start, start_cpu = [], [], [], [], [], [], []
        for _ in range(opts.rounds):
            wall, cpu = timed(STARTUP, work)  # interpreter + what `monitor fetch` imports
            start.append(wall)
            start_cpu.append(cpu)
            shutil.rmtree(work / "snapshots", ignore_errors=True)
            wall, cpu = timed(monitor, work)
            cold.append(wall)
            cold_cpu.append(cpu)
            wall, cpu = timed(monitor, work)
            warm.append(wall)
            warm_cpu.append(cpu)
            if opts.urlwatch and concurrency == 10:
                uw = base / "uw"
                shutil.rmtree(uw, ignore_errors=True)
                uw.mkdir()
                flags = urlwatch_files(uw, url, names, ext)
                watch.append(timed([opts.urlwatch, *flags], uw)[0])
        floor = math.ceil(len(names) / concurrency) * LATENCY
        c, w = statistics.median(cold), statistics.median(warm)
        s0, s0_cpu = statistics.median(start), statistics.median(start_cpu)
        n = len(names)
        print(f"concurrency {concurrency}: floor {floor:.2f} s, start-up {s0:.3f} s")
        print(
            f"  monitor fetch cold        {c:6.2f} s  (less start-up: {(c - s0) / floor:.2f}x "
            "the floor; lower is better, 1 is the network's cost)"
        )
        print(f"    spread over the rounds: {spread(cold)}")
        print(f"  monitor fetch conditional {w:6.2f} s  ({(w - s0) / floor:.2f}x floor)")
        print(
            f"  CPU per source beyond start-up: cold "
            f"{(statistics.median(cold_cpu) - s0_cpu) / n * 1e3:.2f} ms "
            f"(fetch+extract+parse+store), conditional "
            f"{(statistics.median(warm_cpu) - s0_cpu) / n * 1e3:.2f} ms"
        )
        if watch:
            u = statistics.median(watch)
            paired = statistics.median(w / m for w, m in zip(watch, cold, strict=True))
            print(
                f"  urlwatch 2.29 cold        {u:6.2f} s  "
                f"(urlwatch time / ours = {u / c:.2f}; above 1 means we are faster)"
            )
            print(
                f"    spread: {spread(watch)}; the same ratio round by round (each round's "
                f"urlwatch / that round's monitor, median): {paired:.2f}"
            )


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} to {max(values):.2f} s"


if __name__ == "__main__":
    main()
