"""The ``monitor`` command: parses arguments, calls one core function, prints.

Errors from the core are ``MonitorError``s: printed as one line on stderr with exit status 1
(no traceback unless ``-v``). Heavy modules are imported inside the commands that use them,
so that every command starts fast.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from monitor.errors import MonitorError


@dataclass
class Context:
    config_path: Path | None
    verbose: int
    quiet: bool


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="config.toml to use (default: ./config.toml, then $MONITOR_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More detail; -v also shows tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="cyberwellness-monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, quiet: bool) -> None:
    """Track ITU Cyberwellness Profiles and report what changed, field by field.

    Example: monitor diff iraq 2015-03-06 latest
    """
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s")
    ctx.obj = Context(config_path, verbose, quiet)


@cli.command("parse")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a readable summary; json: the snapshot JSON.",
)
@click.option("--country", help="Country to use instead of the name printed in the title.")
def parse_command(file: Path, fmt: str, country: str | None) -> None:
    """Parse one local document (PDF, HTML or text) and print what the monitor sees.

    Stores nothing.

    Example: monitor parse Iraq.pdf --format json
    """
    from monitor.pipeline import parse_file
    from monitor.summary import describe, profile_json

    profile = parse_file(file, country=country)
    click.echo(profile_json(profile) if fmt == "json" else describe(profile), nl=False)


def main() -> None:
    """Console-script entry: run the CLI, turning MonitorError into one line on stderr."""
    verbose = any(arg in ("-v", "-vv", "--verbose") for arg in sys.argv[1:])
    try:
        result = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except MonitorError as exc:
        if verbose:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
