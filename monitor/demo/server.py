"""A small HTTP/1.1 server on 127.0.0.1 that serves documents by path, with ETags and
keep-alive: the demo's web server, and the one tests and benchmarks use."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


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
            found = documents.get(unquote(self.path))
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
