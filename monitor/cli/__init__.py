"""The ``monitor`` command (click): parse arguments, call one pipeline function, print."""

from monitor.cli import (  # noqa: F401  (each registers its commands)
    analysis,
    backfill,
    documents,
    export,
    jobs,
    notify,
    serve,
)
from monitor.cli.main import cli, main

__all__ = ["cli", "main"]
