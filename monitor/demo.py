"""`monitor demo`: the whole pipeline on bundled sample profiles, with no internet.

A web server on 127.0.0.1 serves the samples (Iraq as text, Tajikistan as HTML, each with
an ETag); the real fetch path downloads them into a fresh store; the demo then advances
the server through later sample versions (a new date, a revision without a new date, an
unchanged document answered with 304) and writes the reports.
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from monitor.config import Config, FetchConfig, SourceConfig, StorageConfig
from monitor.run_fetch import FetchResult, fetch_all
from monitor.run_report import ReportResult, write_reports
from monitor.store import Store

# (Iraq sample, Tajikistan sample) served in each round
ROUNDS = [(1, 1), (2, 2), (3, 2)]


SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def as_html(text: str, title: str) -> str:
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    head = f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>"
    return f"{head}\n{body}\n</body></html>\n"


class Documents:
    """What the local server serves, by path; swapped between rounds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_path: dict[str, tuple[bytes, str]] = {}

    def set(self, path: str, body: bytes, content_type: str) -> None:
        with self.lock:
            self.by_path[path] = (body, content_type)

    def get(self, path: str) -> tuple[bytes, str] | None:
        with self.lock:
            return self.by_path.get(path)


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # a deep listen backlog, for the fetch benchmark's concurrency
    daemon_threads = True


@contextmanager
def serve(documents: Documents, latency: float = 0.0) -> Iterator[str]:
    """An HTTP/1.1 server on 127.0.0.1 with ETags and keep-alive; yields its base URL.
    ``latency`` delays every answer (the fetch benchmark uses 50 ms)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as real servers do: no delayed-ACK stalls

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            found = documents.get(self.path)
            if found is None:
                self.send_error(404)
                return
            body, content_type = found
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class DemoResult:
    directory: Path
    rounds: list[list[FetchResult]]
    report: ReportResult


def run_demo(
    directory: Path, clock: Callable[[], datetime], say: Callable[[str], None]
) -> DemoResult:
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
            results = fetch_all(config, store, config.sources, now=clock)
            rounds.append(results)
            outcomes = ", ".join(
                f"{r.country} {r.outcome.label}{' ' + r.ref if r.ref else ''}" for r in results
            )
            say(f"round {number}: {outcomes}")
        from monitor.history import week_of

        report = write_reports(config, store, week_of(clock()), clock())
    (directory / "config.toml").write_text(
        "# The demo's store and reports, to explore with other commands:\n"
        "#   monitor --config THIS_FILE list | show iraq | diff iraq first latest\n"
        '[storage]\nsnapshots = "snapshots"\nreports = "reports"\n',
        encoding="utf-8",
    )
    return DemoResult(directory, rounds, report)
