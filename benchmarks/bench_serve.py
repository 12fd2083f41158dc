"""The diff service against a static file server, and the CLI's cold start with and without it.

Run: .venv/bin/python benchmarks/bench_serve.py [--seconds 3 --rounds 3 --clients 8]

1. Diff requests per second, 8 concurrent clients (one httpx AsyncClient, keep-alive as a
   client would use it): `monitor serve` (real uvicorn, real CLI) answering
   /api/countries/iraq/diff/OLD/NEW for 9 pairs of refs, against `python -m http.server`
   serving the very same bytes as files (checked equal first). The two alternate, same
   client, same run. Higher is better; the goal is service/static >= 1.
2. `monitor diff iraq first latest --format json` from a cold start, in this checkout and
   in the commit before the service existed (git archive of the parent of the commit that
   added monitor/service/), alternating. Lower is better; the goal is a ratio of about 1.
   Also lists any web-stack module (starlette, uvicorn, anyio) that `monitor --help` or
   `monitor diff` imports (`python -X importtime`): there should be none.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
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

from bench_diff import random_version
from common import timed

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store

WEB_STACK = ("starlette", "uvicorn", "anyio", "h11", "httptools", "uvloop")


def build_store(directory: Path, versions: int) -> None:
    import random

    rng = random.Random(11)
    store = Store(directory / "snapshots")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    for n in range(versions):
        text = random_version(rng, n)
        profile = parse(extract(text.encode()))
        store.save(profile, text.encode(), kind="text", content_type="text/plain", now=now)
    (directory / "config.toml").write_text('[storage]\nsnapshots = "snapshots"\n')


def start(
    cmd: list[str], cwd: Path, pattern: str, env: dict[str, str]
) -> tuple[subprocess.Popen, str]:
    """Start a server and wait (at most 30 s) for the line that says where it listens."""
    log = cwd / f"server-{len(list(cwd.glob('server-*')))}.log"
    with open(log, "w") as out:
        process = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text())
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"{cmd[2:4]} did not start:\n{log.read_text()}")


def start_service(cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``monitor serve`` on a free port of 127.0.0.1, from ``cwd``; its base URL."""
    cmd = [sys.executable, "-m", "monitor", "serve", "--port", "0"]
    return start(cmd, cwd, r"serving (http://\S+) ", env)


async def hammer(urls: list[str], clients: int, seconds: float) -> float:
    """Requests per second: ``clients`` workers, each sending the next URL as soon as the
    previous answer is in, for ``seconds``."""
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    done = 0
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        deadline = time.perf_counter() + seconds

        async def worker(offset: int) -> None:
            nonlocal done
            i = offset
            while time.perf_counter() < deadline:
                response = await client.get(urls[i % len(urls)])
                assert response.status_code == 200, response.status_code
                done += 1
                i += 1

        begin = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(clients)))
        return done / (time.perf_counter() - begin)


def service_vs_static(tmp: Path, opts: argparse.Namespace, env: dict[str, str]) -> None:
    import httpx

    pairs = [(f"latest~{n + 1}", "latest") for n in range(opts.versions - 1)]
    service, base = start_service(tmp, env)
    static_dir = tmp / "static"
    static_dir.mkdir()
    try:
        service_urls, static_names = [], []
        for n, (old, new) in enumerate(pairs):
            url = f"{base}/api/countries/iraq/diff/{old}/{new}"
            (static_dir / f"diff-{n}.json").write_bytes(httpx.get(url).content)
            service_urls.append(url)
            static_names.append(f"diff-{n}.json")
        static, port = start(
            [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"],
            static_dir,
            r"port (\d+)",
            env,
        )
        try:
            static_urls = [f"http://127.0.0.1:{port}/{name}" for name in static_names]
            for a, b in zip(service_urls, static_urls, strict=True):
                assert httpx.get(a).content == httpx.get(b).content, "not the same bytes"
            ours, theirs = [], []
            for _ in range(opts.rounds):  # alternate: the machine's drift hits both alike
                ours.append(asyncio.run(hammer(service_urls, opts.clients, opts.seconds)))
                theirs.append(asyncio.run(hammer(static_urls, opts.clients, opts.seconds)))
        finally:
            static.terminate()
            static.wait(10)
    finally:
        service.terminate()
        code = service.wait(10)
    size = len((static_dir / "diff-0.json").read_bytes())
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"diff requests/s, {opts.clients} clients, {len(pairs)} pairs ({size} bytes and up):")
    print(f"  monitor serve (uvicorn)   {o:8.0f} /s   runs {', '.join(f'{x:.0f}' for x in ours)}")
    print(f"  python -m http.server     {t:8.0f} /s   runs {', '.join(f'{x:.0f}' for x in theirs)}")
    print(f"  service / static = {o / t:.2f} (higher is better; goal >= 1)")
    print(f"  monitor serve exited {code} on SIGTERM")


def before_service(tmp: Path) -> Path | None:
    """This project as it was just before monitor/service/ was added, unpacked in ``tmp``."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "-1", "--", "monitor/service/app.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not added:
        return None
    target = tmp / "before"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", f"{added}^", "monitor"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def web_modules(args: list[str], cwd: Path, env: dict[str, str]) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    names = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line}
    return sorted(n for n in names if n.split(".")[0] in WEB_STACK)


def cold_start(tmp: Path, opts: argparse.Namespace, env: dict[str, str]) -> None:
    command = [
        sys.executable,
        "-m",
        "monitor",
        "diff",
        "iraq",
        "first",
        "latest",
        "--format",
        "json",
    ]
    old_tree = before_service(tmp)
    for args in (["--help"], command[3:]):
        print(
            f"web-stack modules imported by `monitor {' '.join(args)}`: "
            f"{web_modules(args, tmp, env) or 'none'}"
        )
    if old_tree is None:
        print("cold start: no commit before the service in this clone's history; skipped")
        return
    old_env = {**env, "PYTHONPATH": str(old_tree)}
    now, before = [], []
    timed(command, str(tmp), env)  # warm-up: byte-compile both trees
    timed(command, str(tmp), old_env)
    for _ in range(opts.cold):
        now.append(timed(command, str(tmp), env))
        before.append(timed(command, str(tmp), old_env))
    n, b = statistics.median(now), statistics.median(before)
    print(f"monitor diff cold start (median of {opts.cold}, alternating):")
    print(f"  with the service          {n * 1e3:6.0f} ms")
    print(f"  before the service        {b * 1e3:6.0f} ms")
    print(f"  with / before = {n / b:.2f} (lower is better; goal about 1)")


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--seconds", type=float, default=3.0, help="per run")
    args.add_argument("--rounds", type=int, default=3)
    args.add_argument("--clients", type=int, default=8)
    args.add_argument("--versions", type=int, default=10)
    args.add_argument("--cold", type=int, default=9, help="cold starts of each")
    opts = args.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MONITOR_CONFIG", None)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        build_store(tmp, opts.versions)
        service_vs_static(tmp, opts, env)
        cold_start(tmp, opts, env)


if __name__ == "__main__":
    main()
