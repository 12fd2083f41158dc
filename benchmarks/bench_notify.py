"""Sending [[notify]] messages: what one hanging target costs the others, and what a fetch
with nothing to say pays for subscriptions.

Run: .venv/bin/python benchmarks/bench_notify.py [--rounds 3 --targets 4 --messages 5]

1. Four healthy webhook receivers (json://, on 127.0.0.1) and one that never answers
   (alerts.timeout = 1 s), each with 5 queued messages: the time until every healthy
   receiver has all of its messages, with the targets sent to at once (``deliver``, one
   thread per target) and one after another (the same ``send``, the hanging target first,
   as a plain loop would meet it). Lower is better; the hanging target should cost the
   others nothing (about 1 s one after another).
2. ``after_fetch`` for a run that stored nothing (the usual daily 304s), 120 sources, 3
   subscriptions: the time it adds to a fetch. Lower is better. And whether ``monitor
   --help`` imports Apprise (it should not: only sending does).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import parse_config
from monitor.edges import notify
from monitor.edges.store import Store
from monitor.errors import NotifyError
from monitor.pipeline.notifying import after_fetch, deliver

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


class Receivers:
    """Webhook receivers on one server: /ok-N count what they get, /hang never answers."""

    def __init__(self) -> None:
        self.got: dict[str, int] = {}
        self.all_in = threading.Event()
        self.expected = 0
        self.release = threading.Event()
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/hang":
                    receivers.release.wait(5)
                    return
                receivers.got[self.path] = receivers.got.get(self.path, 0) + 1
                if sum(receivers.got.values()) >= receivers.expected:
                    receivers.all_in.set()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}{path}"


def queue(root: Path, urls: list[str], messages: int) -> Path:
    snapshots = root / "snapshots"
    ledger = notify.notify_outbox(snapshots)
    queued = [
        notify.Outgoing(f"{i:032x}", "bench", url, f"m{i}", "body", {"n": i}, NOW)
        for url in urls
        for i in range(messages)
    ]
    ledger.write(notify.add(notify.Outbox(), queued, NOW))
    return snapshots


def config_for(root: Path, urls: list[str]) -> object:
    toml = {
        "storage": {"snapshots": str(root / "snapshots")},
        "alerts": {"timeout": 1, "backoff": 0},
        "notify": [{"name": "bench", "urls": urls}],
    }
    return parse_config(toml, root / "config.toml")


def at_once(receivers: Receivers, urls: list[str], messages: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        queue(root, urls, messages)
        config = config_for(root, urls)
        start = time.perf_counter()
        worker = threading.Thread(target=deliver, args=(config, lambda: NOW))
        worker.start()
        receivers.all_in.wait(30)
        took = time.perf_counter() - start
        worker.join()
        return took


def one_after_another(receivers: Receivers, urls: list[str], messages: int) -> float:
    start = time.perf_counter()
    for url in urls:  # the hanging target first: a plain loop meets it where it is
        for i in range(messages):
            message = notify.Outgoing(f"{i:032x}", "bench", url, "m", "body", {}, NOW)
            try:
                notify.send(url, message, 1.0)
            except NotifyError:
                break
    receivers.all_in.wait(30)
    return time.perf_counter() - start


def idle_fetch(sources: int) -> float:
    """``after_fetch`` with nothing stored, for ``sources`` countries' bookkeeping."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = parse_config(
            {
                "storage": {"snapshots": str(root / "snapshots")},
                "notify": [
                    {"name": f"s{i}", "urls": ["json://127.0.0.1:9/none"]} for i in range(3)
                ],
            },
            root / "config.toml",
        )
        store = Store(root / "snapshots")
        store.update_states(
            {f"country-{i}": {"country": f"C{i}", "last_success": NOW} for i in range(sources)}
        )
        start = time.perf_counter()
        after_fetch(config, store, {}, lambda: NOW)  # type: ignore[arg-type]
        return time.perf_counter() - start


def imports_apprise() -> bool:
    code = (
        "import sys; from monitor.cli import cli; "
        "sys.argv=['monitor','--help']; "
        "import contextlib, io\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli()\n"
        "print('apprise' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.strip() == "True"


def main() -> None:
    logging.getLogger("monitor").setLevel(logging.ERROR)  # the hanging target's warnings
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--targets", type=int, default=4)
    parser.add_argument("--messages", type=int, default=5)
    args = parser.parse_args()
    receivers = Receivers()
    urls = [receivers.url("/hang")] + [receivers.url(f"/ok-{i}") for i in range(args.targets)]
    parallel, serial = [], []
    for _ in range(args.rounds):
        for way, times in ((at_once, parallel), (one_after_another, serial)):
            receivers.got.clear()
            receivers.all_in.clear()
            receivers.expected = args.targets * args.messages
            times.append(way(receivers, urls, args.messages))
    receivers.release.set()
    a, b = statistics.median(parallel), statistics.median(serial)
    print(
        f"1. {args.targets} healthy targets x {args.messages} messages, 1 hanging (timeout 1 s), "
        f"median of {args.rounds}: at once {a * 1000:.0f} ms, one after another "
        f"{b * 1000:.0f} ms (ratio {b / a:.1f}x; lower is better)"
    )
    idle = statistics.median(idle_fetch(120) for _ in range(args.rounds))
    print(f"2. after_fetch with nothing stored, 120 sources, 3 subscriptions: {idle * 1000:.1f} ms")
    print(f"   monitor --help imports apprise: {imports_apprise()}")


if __name__ == "__main__":
    main()
