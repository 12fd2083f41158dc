"""Running the app on uvicorn: bind first (a taken port is a one-line error before anything
starts), then serve until SIGTERM or SIGINT, which end it cleanly.

One client must not be able to take the service down, so uvicorn runs its h11 protocol
(httptools bounds neither the size nor the count of headers) with the ``[serve]`` limits:
the request head is refused with 400 past ``max_header_bytes`` (read 64 KB at a time, so
a 100 MB header never sits in memory), a connection that has not sent a whole head within
``header_timeout`` seconds is closed, connections past ``max_connections`` are closed as
they come, and an error the event loop reports (``accept()`` out of file descriptors) is
logged at most once a second, with a count. What h11 costs against httptools: 0.77 to
0.98 of the diff requests a second in three runs of benchmarks/bench_hostile.py; against
that, a 100 MB header is answered after 3.75 MB (the socket buffers) with the server at
71 MB at its peak, where httptools read all 100 MB in 12 to 25 s and peaked at 262 MB.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from monitor.config import ServeConfig
from monitor.errors import MonitorError

log = logging.getLogger("monitor")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port): once it is announced, a
    client is queued, never refused, while uvicorn is still starting."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # they are TCP; without it every keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise MonitorError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(2048)  # from now on connections wait in the queue until uvicorn accepts them
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Throttle:
    """Passes a message on at most once a second, saying how many were held back."""

    def __init__(self, every: float = 1.0) -> None:
        self.every, self.last, self.held = every, -every, 0

    def __call__(self, message: str) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            self.held += 1
            return
        more = (
            f" ({self.held} more like it in the last {now - self.last:.0f} s)" if self.held else ""
        )
        self.last, self.held = now, 0
        log.error("serve: %s%s", message, more)


def _loop_errors(throttle: Throttle) -> Any:
    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        throttle(f"{context.get('message', 'error')}: {exc}" if exc else context.get("message", ""))

    return handle


def protocol(limits: ServeConfig) -> type:
    """uvicorn's h11 protocol with a deadline for the request head and a cap on connections."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    refused = Throttle()

    class Guarded(H11Protocol):
        head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                refused(f"more than {limits.max_connections} connections; closing new ones")
                transport.close()
                return
            self._wait_for_head()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self._wait_for_head()
            else:
                self._head_arrived()

        def connection_lost(self, exc: Exception | None) -> None:
            self._head_arrived()
            super().connection_lost(exc)

        def _wait_for_head(self) -> None:
            if self.head_timer is None:
                self.head_timer = self.loop.call_later(limits.header_timeout, self._too_slow)

        def _head_arrived(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def _too_slow(self) -> None:
            self.head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return Guarded


def server(app: Any, sock: socket.socket, limits: ServeConfig | None = None) -> Any:
    """A uvicorn server for ``app`` on ``sock``; call ``.run(sockets=[sock])`` to serve."""
    import uvicorn

    limits = limits or ServeConfig()

    class Server(uvicorn.Server):
        async def serve(self, sockets: list[socket.socket] | None = None) -> None:
            asyncio.get_running_loop().set_exception_handler(_loop_errors(Throttle()))
            await super().serve(sockets)

    config = uvicorn.Config(
        app,
        http=protocol(limits),
        h11_max_incomplete_event_size=limits.max_header_bytes,
        log_config=None,  # the CLI set up logging; uvicorn's own errors go through it
        access_log=False,  # the app writes its own access log
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return Server(config)


def run(
    app: Any, sock: socket.socket, limits: ServeConfig | None = None, *, child: bool = False
) -> None:
    """Serve until SIGTERM or SIGINT, then return (in the main thread).

    A signal that comes before uvicorn has taken its handlers over (while it starts) stops
    it as soon as it has started; uvicorn re-raises the signal it stopped for once it has
    finished, and the same handler makes that harmless, so the process ends with status 0.
    A ``child`` (the web server of ``daemon --serve``) also stops when its parent is gone:
    its stdin, a pipe from the parent, then ends.
    """
    running = server(app, sock, limits)

    def stopped(signum: int, frame: object) -> None:
        log.info("serve: received %s", signal.Signals(signum).name)
        running.should_exit = True

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stopped)
    if child:
        threading.Thread(target=_orphaned, name="serve-parent", daemon=True).start()
    log.info("serving %s (read-only)", url_of(sock))
    running.run(sockets=[sock])
    log.info("serve: stopped")


def _orphaned() -> None:
    """Wait for the parent's pipe to end (it exited or was killed), then stop serving."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    log.info("serve: the daemon is gone")
    os.kill(os.getpid(), signal.SIGTERM)


def supervise(args: list[str], sock: socket.socket, stop: threading.Event) -> None:
    """``daemon --serve``'s web server: ``monitor ARGS serve --fd N`` in a process of its own
    on the daemon's listening socket, so a fault or an out-of-memory kill of either never
    stops the other. One that dies is started again (after 1 s, doubling to 60 s while it
    keeps dying within a minute); ``stop`` ends it with SIGTERM and waits for it."""
    from monitor.edges import children

    quick = 0  # deaths in a row, each within a minute of its start
    fd = sock.fileno()
    while not stop.is_set():
        started = time.monotonic()
        process = children.spawn(
            "monitor", *args, "serve", "--fd", str(fd), stdout=None, pass_fds=(fd,)
        )
        while process.poll() is None and not stop.wait(0.2):
            pass
        if stop.is_set():
            _terminate(process)
            return
        if stop.wait(0.5):  # a signal to the whole group (systemd, Ctrl-C) ended it too
            return
        quick = quick + 1 if time.monotonic() - started < 60 else 0
        wait = min(2.0 ** max(quick - 1, 0), 60.0)
        log.error(
            "serve: the web server process ended (%s); starting it again in %.0f s",
            _ending(process.returncode),
            wait,
        )
        stop.wait(wait)


def _ending(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def _terminate(process: Any) -> None:
    from monitor.edges import children

    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    children.end(process, kill=True)
