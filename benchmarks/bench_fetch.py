"""Fetch speed, side by side with urlwatch, against a local server with 50 ms latency.

Run:  python3 -m venv /tmp/uw && /tmp/uw/bin/pip install urlwatch==2.29
      .venv/bin/python benchmarks/bench_fetch.py --urlwatch /tmp/uw/bin/urlwatch

A threaded server on 127.0.0.1 (listen backlog 1024) serves N profiles (text, or PDF with
--pdf), each after 50 ms, with an ETag. Each round runs, alternating on the same machine:
`monitor fetch` into an empty store (cold), `monitor fetch` again (conditional: every
answer is 304), and urlwatch on the same URLs with an empty cache. Reports medians over
the rounds, the floor ceil(N / concurrency) x 50 ms, CPU per source, and peak memory.
"""

from __future__ import annotations

import argparse
import math
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
    opts = args.parse_args()

    import pycountry

    from monitor.core.countries import resolve

    names, seen = [], set()
    for country in pycountry.countries:  # distinct slugs, so each source is its own country
        slug = resolve(country.name).slug
        if slug not in seen:
            seen.add(slug)
            names.append(country.name)
    names = (names * (opts.sources // len(names) + 1))[: opts.sources]
    names = [n if i < len(seen) else f"{n} {i}" for i, n in enumerate(names)]
    ext = "pdf" if opts.pdf else "txt"
    if opts.pdf:
        from tests.pdfs import text_to_pdf

        body = text_to_pdf(SEED)
    else:
        body = SEED.encode()
    content_type = "application/pdf" if opts.pdf else "text/plain; charset=utf-8"
    documents = Documents()
    for name in names:
        documents.set(f"/{name.replace(' ', '_')}.{ext}", body, content_type)
    monitor = [sys.executable, "-m", "monitor", "-q", "fetch"]
    print(f"{len(names)} sources ({ext}), {LATENCY * 1000:.0f} ms latency, {opts.rounds} rounds")
    with serve(documents, latency=LATENCY) as url, tempfile.TemporaryDirectory() as tmp:
        run_rounds(opts, names, ext, url, Path(tmp), monitor)
        big = [f"{names[i % len(names)]} {i}" for i in range(opts.big)]
        for name in big:
            documents.set(f"/{name.replace(' ', '_')}.{ext}", body, content_type)
        work = Path(tmp) / "big"
        work.mkdir()
        monitor_config(work, url, big, 64, ext)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        wall, _ = timed(monitor, work)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"{opts.big} sources at concurrency 64: {wall:.1f} s, peak RSS of monitor "
            f"{max(peak, before) / 1024:.0f} MiB"
        )


def run_rounds(opts, names: list[str], ext: str, url: str, base: Path, monitor: list[str]):
    """Cold, conditional and urlwatch, alternating round by round, at each concurrency."""
    for concurrency in opts.concurrency:
        work = base / f"c{concurrency}"
        work.mkdir()
        monitor_config(work, url, names, concurrency, ext)
        cold, warm, warm_cpu, cold_cpu, watch = [], [], [], [], []
        for _ in range(opts.rounds):
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
        print(f"concurrency {concurrency}: floor {floor:.2f} s")
        print(f"  monitor fetch cold        {c:6.2f} s  ({c / floor:.2f}x floor)")
        print(f"  monitor fetch conditional {w:6.2f} s  ({w / floor:.2f}x floor)")
        print(
            f"  CPU per source: cold {statistics.median(cold_cpu) / len(names) * 1e3:.1f} ms"
            f" (fetch+extract+parse+store), conditional "
            f"{statistics.median(warm_cpu) / len(names) * 1e3:.2f} ms"
            " (both include interpreter start-up)"
        )
        if watch:
            u = statistics.median(watch)
            print(f"  urlwatch 2.29 cold        {u:6.2f} s  (ours/urlwatch {c / u:.2f})")


if __name__ == "__main__":
    main()
