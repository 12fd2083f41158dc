"""The ``monitor`` command group and its commands.

Results go to stdout; diagnostics, progress and per-source errors to stderr. A
``MonitorError`` becomes one line on stderr and exit status 1 (a traceback only with -v);
usage errors exit 2. Heavy modules are imported inside the commands that use them, so that
every command starts fast.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.edges.store import Store


class UserError(click.ClickException):
    """A ``MonitorError`` on its way to the user: ``error: <message>`` on stderr, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@dataclass
class Options:
    """The global options, on click's context for every command."""

    config_path: Path | None
    verbose: int
    quiet: bool

    def say(self, message: str) -> None:
        """A line of results that -q silences."""
        if not self.quiet:
            click.echo(message)

    def config(self) -> Config:
        from monitor.config import load_config

        return load_config(self.config_path)

    def store(self, config: Config | None = None) -> Store:
        from monitor.edges.store import Store

        config = config or self.config()
        store = Store(config.storage.snapshots, lock_timeout=config.fetch.lock_timeout)
        store.check()
        return store


class _Stderr(logging.StreamHandler):
    """Logs to whatever ``sys.stderr`` is now (click's test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class MonitorGroup(click.Group):
    """Turns a ``MonitorError`` from any command into a ``UserError`` (no traceback, unless
    -v asked for one)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (MonitorError, OSError) as exc:
            options = ctx.find_object(Options)
            if options is not None and options.verbose:
                raise
            if isinstance(exc, OSError):  # a disk or system fault no layer could foresee
                where = f"{exc.filename}: " if exc.filename else ""
                raise UserError(f"{where}{exc.strerror or exc}") from exc
            raise UserError(str(exc)) from exc


def now() -> datetime:
    from monitor.edges.clock import utc_now

    return utc_now()


pass_options = click.make_pass_decorator(Options)


@click.group(cls=MonitorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="config.toml to use (default: $MONITOR_CONFIG, then ./config.toml).",
)
@click.option("-v", "--verbose", count=True, help="More detail; -v also shows tracebacks.")
@click.option(
    "-q", "--quiet", is_flag=True, help="Only errors (what you asked to see is still printed)."
)
@click.version_option(package_name="cyberwellness-monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool) -> None:
    """Track ITU Cyberwellness Profiles and report what changed, field by field.

    Example: monitor diff iraq 2015-03-06 latest
    """
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    ours = logging.getLogger("monitor")  # libraries stay at their own (quiet) levels
    for handler in [h for h in ours.handlers if isinstance(h, _Stderr)]:
        ours.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    ours.addHandler(handler)
    ours.setLevel(level)
    for chatty in ("httpx", "httpcore", "apscheduler", "stamina"):  # ours say it in one line
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    ctx.obj = Options(config_path, verbose, quiet)


def output_option(help: str) -> Any:
    """``-o/--output FILE``, the same for every command that can write a file."""
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help=help
    )


def formats_option(choices: list[str], help: str) -> Any:
    """``--format`` among ``choices``, text by default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default="text",
        show_default=True,
        help=help,
    )


format_option = formats_option(["text", "json"], "text for people, json for programs.")


def invoked_as() -> str:
    """How the user started this program, to print commands they can paste."""
    argv0 = sys.argv[0] if sys.argv else "monitor"
    if argv0.endswith("__main__.py"):
        return f"{sys.executable} -m monitor"
    return argv0


def main() -> None:
    """Console-script entry point (the commands register themselves on import)."""
    cli(prog_name="monitor")
