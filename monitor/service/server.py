"""Running the app on uvicorn: bind first (a taken port is a one-line error before anything
starts), then serve until SIGTERM or SIGINT, which end it cleanly."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Any

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


def server(app: Any, sock: socket.socket) -> Any:
    """A uvicorn server for ``app`` on ``sock``; call ``.run(sockets=[sock])`` to serve."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_config=None,  # the CLI set up logging; uvicorn's own errors go through it
        access_log=False,  # the app writes its own access log
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    return uvicorn.Server(config)


def run(app: Any, sock: socket.socket) -> None:
    """Serve until SIGTERM or SIGINT, then return (in the main thread).

    uvicorn re-raises the signal it stopped for once it has finished; a handler that does
    nothing makes that harmless, so the process ends with status 0.
    """
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stopped)
    log.info("serving %s (read-only)", url_of(sock))
    server(app, sock).run(sockets=[sock])
    log.info("serve: stopped")


def run_until(app: Any, sock: socket.socket, stop: threading.Event) -> None:
    """Serve until ``stop`` is set (the daemon's own signal handlers set it), then return."""
    if stop.is_set():
        return
    running = server(app, sock)

    def watch() -> None:  # a signal that came before uvicorn took its handlers over
        stop.wait()
        running.should_exit = True

    threading.Thread(target=watch, name="serve-stop", daemon=True).start()
    log.info("serving %s (read-only)", url_of(sock))
    running.run(sockets=[sock])
    log.info("serve: stopped")


def _stopped(signum: int, frame: object) -> None:
    log.info("serve: received %s", signal.Signals(signum).name)
