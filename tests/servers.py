"""Real servers on 127.0.0.1 for tests: a threaded pytest-httpserver and a raw socket peer."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pytest_httpserver import HTTPServer


@contextmanager
def http_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


class InFlight:
    """Counts requests being served at once (for the concurrency test)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.times: list[float] = []

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.times.append(time.monotonic())

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


@contextmanager
def raw_server(
    answer: Callable[[socket.socket, threading.Event], None],
) -> Iterator[tuple[str, threading.Event]]:
    """A one-connection-at-a-time HTTP peer on 127.0.0.1 written on raw sockets, for what a
    real server would not do; ``answer(conn, stop)`` replies to each request it has read.
    Yields the base URL and an event set once a request has arrived."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop, asked = threading.Event(), threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    asked.set()
                    answer(conn, stop)
                except OSError:
                    continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", asked
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def unacknowledged(conn: socket.socket) -> int:
    """Bytes sent on ``conn`` that its peer has not acknowledged yet (Linux SIOCOUTQ)."""
    import fcntl
    import termios

    return struct.unpack("i", fcntl.ioctl(conn.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


@contextmanager
def resetting_server(sent: int = 2000, declared: int = 100_000) -> Iterator[str]:
    """Answers every request with a partial body, then resets the connection (RST)."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {declared}\r\n\r\n"
        conn.sendall(head.encode() + b"CYBERWELLNESS PROFILE\n" + b"x" * sent)
        # A reset drops what is still unsent: wait until the peer has every byte
        deadline = time.monotonic() + 10
        while unacknowledged(conn) and time.monotonic() < deadline:
            time.sleep(0.001)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with raw_server(answer) as (base, _):
        yield f"{base}/profile.txt"


@contextmanager
def dribbling_server(gap: float) -> Iterator[tuple[str, threading.Event]]:
    """Answers with headers, then one byte every ``gap`` seconds for as long as the client
    listens; the event is set once a request has arrived."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        while not stop.wait(gap):
            conn.sendall(b"x")

    with raw_server(answer) as (base, asked):
        yield f"{base}/Iraq.txt", asked


@contextmanager
def uvicorn_thread(app) -> Iterator[str]:
    """A real uvicorn serving ``app`` on a free port of 127.0.0.1, in a background thread;
    yields its base URL once it answers."""
    import httpx

    from monitor.service.server import bind, server, url_of

    sock = bind("127.0.0.1", 0)
    running = server(app, sock)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = url_of(sock)
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped before it started"
        time.sleep(0.02)
    try:
        assert httpx.get(f"{base}/api/health").status_code == 200
        yield base
    finally:
        running.should_exit = True
        thread.join(timeout=15)
        sock.close()
