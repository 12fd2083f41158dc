"""`monitor serve`: the report pages and the JSON diff API over HTTP (read-only).

Starlette and uvicorn are imported inside the command, so no other command loads them.
"""

from __future__ import annotations

import logging

import click

from monitor.cli.main import Options, cli, now, pass_options

host_option = click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 for every interface (behind a reverse proxy for TLS).",
)
port_option = click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0: any free port, printed at start).",
)


def access_log(options: Options) -> None:
    """Access lines go to stderr as they are (the usual form), not as monitor log records;
    -q silences them."""
    from monitor.cli.main import _Stderr

    access = logging.getLogger("monitor.access")
    access.propagate = False
    for handler in [h for h in access.handlers if isinstance(h, _Stderr)]:
        access.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access.addHandler(handler)
    access.setLevel(logging.WARNING if options.quiet else logging.INFO)


def warn_if_public(host: str) -> None:
    if host not in ("127.0.0.1", "localhost", "::1"):
        logging.getLogger("monitor").warning(
            "listening on %s: anyone who can reach it can read the store (read-only); "
            "put it behind a reverse proxy for TLS",
            host,
        )


@cli.command("serve")
@host_option
@port_option
@click.option(
    "--fd",
    type=int,
    default=None,
    hidden=True,
    help="Serve on this inherited listening socket (how `daemon --serve` starts it).",
)
@pass_options
def serve_command(options: Options, host: str, port: int, fd: int | None) -> None:
    """Serve the reports and a JSON diff API over HTTP, read-only, until stopped.

    Pages: / (the index), /countries/COUNTRY, /countries/COUNTRY/diff/OLD/NEW,
    /weeks/WEEK, /feed.atom. API: /api/countries, /api/countries/COUNTRY,
    /api/countries/COUNTRY/snapshots/REF, /api/countries/COUNTRY/diff/OLD/NEW (as
    `monitor diff --format json`), /api/health, /api/openapi.json. OLD, NEW and REF are
    refs only, never file paths. SIGTERM or SIGINT stops it cleanly.

    Example: monitor serve --port 8080
    """
    import socket

    from monitor.service.app import create_app
    from monitor.service.server import bind, run

    config = options.config()
    access_log(options)
    if fd is None:
        warn_if_public(host)
    app = create_app(config, now)
    sock = bind(host, port) if fd is None else socket.socket(fileno=fd)
    with sock:
        run(app, sock, config.serve, child=fd is not None)
