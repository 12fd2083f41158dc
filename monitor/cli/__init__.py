"""The ``monitor`` command (click): parse arguments, call one pipeline function, print."""

from monitor.cli import backfill, documents, export, jobs, notify, serve  # noqa: F401  (each registers its commands)
from monitor.cli.main import cli, main

__all__ = ["cli", "main"]
