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
    for chatty in ("httpx", "httpcore", "apscheduler"):  # one line per job run is ours to log
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    ctx.obj = Context(config_path, verbose, quiet)


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)


@cli.command("parse")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@format_option
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


def _config(ctx: Context):
    from monitor.config import load_config

    return load_config(ctx.config_path)


def _store(ctx: Context):
    from monitor.store import Store

    config = _config(ctx)
    return Store(config.storage.snapshots, lock_timeout=config.fetch.lock_timeout)


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--country", help="Country of every FILE, instead of the name printed in it.")
@pass_context
def import_command(ctx: Context, files: tuple[Path, ...], country: str | None) -> None:
    """Add local documents (PDF, text or HTML) to the history (backfill).

    Prints one line per file: new, revised, unchanged or error. Exits 1 if any failed.

    Example: monitor import old/Iraq-2014.pdf old/Iraq-2015.pdf --country Iraq
    """
    from monitor.pipeline import import_files

    failed = 0
    for result in import_files(_store(ctx), list(files), now=_now(), country=country):
        if result.error:
            failed += 1
            click.echo(f"{result.path}: error: {result.error}")
        else:
            click.echo(f"{result.path}: {result.outcome.label} {result.slug} {result.ref}")
    if failed:
        raise SystemExit(1)


@cli.command("list")
@click.argument("country", required=False)
@format_option
@pass_context
def list_command(ctx: Context, country: str | None, fmt: str) -> None:
    """Countries in the store and their snapshot dates.

    With COUNTRY: every snapshot of it, and where each came from.

    Example: monitor list iraq --format json
    """
    from monitor.listing import country_listing, store_listing

    store = _store(ctx)
    if country:
        click.echo(country_listing(store, country, fmt), nl=False)
    else:
        click.echo(store_listing(store, fmt), nl=False)


@cli.command("show")
@click.argument("country")
@click.argument("ref", default="latest")
@format_option
@pass_context
def show_command(ctx: Context, country: str, ref: str, fmt: str) -> None:
    """Show one stored snapshot, readable or as JSON.

    REF is YYYY-MM-DD, YYYY-MM-DD.rN, latest, previous, first or latest~N (default latest).

    Example: monitor show iraq 2015-03-06
    """
    from monitor.listing import show_snapshot

    click.echo(show_snapshot(_store(ctx), country, ref, fmt), nl=False)


@cli.command("diff")
@click.argument("country")
@click.argument("old")
@click.argument("new", default="latest")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "md", "html"]),
    default="text",
    show_default=True,
    help="text (grouped by section, coloured on a terminal), json, md or html (a standalone page).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file instead of standard output.",
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences, like git diff.")
@pass_context
def diff_command(
    ctx: Context,
    country: str,
    old: str,
    new: str,
    fmt: str,
    output: Path | None,
    exit_code: bool,
) -> int:
    """What changed in a country's profile between two snapshots, field by field.

    OLD and NEW are refs (YYYY-MM-DD, YYYY-MM-DD.rN, latest, previous, first, latest~N)
    or paths of local documents, to compare a file before importing it. NEW defaults to
    latest.

    Example: monitor diff iraq 2015-03-06 latest
    """
    from monitor import render
    from monitor.pipeline import compare_refs

    comparison = compare_refs(_store(ctx), country, old, new)
    if fmt == "text":
        color = output is None and sys.stdout.isatty()
        out = render.to_text(comparison, color=color)
    else:
        out = {"json": render.to_json, "md": render.to_markdown, "html": render.to_html}[fmt](
            comparison
        )
    if output:
        from monitor.deliver import write_atomic

        write_atomic(output, out.encode())
    else:
        click.echo(out, nl=False, color=None)
    return 1 if exit_code and comparison.changes else 0


@cli.command("fetch")
@click.argument("countries", nargs=-1)
@pass_context
def fetch_command(ctx: Context, countries: tuple[str, ...]) -> None:
    """Fetch the configured profiles now (all, or the COUNTRIES named).

    One line per country: new, revised, unchanged, not modified or error (with the cause).
    A progress bar shows on a terminal. Exits 1 if any source failed.

    Example: monitor fetch iraq tajikistan
    """
    from monitor.console import fetch_with_progress

    config = _config(ctx)
    results = fetch_with_progress(config, _store(ctx), list(countries), now=_now, quiet=ctx.quiet)
    if any(r.error for r in results):
        raise SystemExit(1)


@cli.command("report")
@click.option("--week", help="ISO week to report, e.g. 2026-W47 (default: the current week).")
@click.option(
    "--since",
    "since_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Report every change seen since this date instead of one week.",
)
@click.option("--email", is_flag=True, help="Also mail the digest (see [email] in config.toml).")
@click.option("--open", "open_browser", is_flag=True, help="Open the digest in a browser.")
@pass_context
def report_command(
    ctx: Context, week: str | None, since_day, email: bool, open_browser: bool
) -> None:
    """Write the weekly digest and the other reports under reports/.

    Writes the digest of one week (or of everything since a date), every country's page,
    the index and the Atom feed.

    A change belongs to the week in which the monitor first saw it. With --email the
    digest is mailed; if mailing fails the files are still written and the mail is
    retried on the next run.

    Example: monitor report --week 2026-W47 --email
    """
    from monitor.history import iso_week, since, week_of
    from monitor.run_report import report

    if week and since_day:
        raise click.UsageError("give --week or --since, not both")
    now = _now()
    try:
        period = (
            since(since_day.date(), now) if since_day else iso_week(week) if week else week_of(now)
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from exc
    config = _config(ctx)
    result = report(config, _store(ctx), period, now=now, email=email)
    digest = result.digest
    click.echo(str(result.path))
    click.echo(
        f"{period.label}: {len(digest.checked)} checked, {len(digest.changed_countries)} changed, "
        f"{len(digest.unchanged_countries)} unchanged, {len(digest.failed_countries)} failed"
    )
    for label in result.emailed:
        click.echo(f"emailed the {label} digest to {', '.join(config.email.to)}")
    if open_browser:
        import webbrowser

        webbrowser.open(result.path.resolve().as_uri())
    if result.email_error:
        click.echo(f"error: {result.email_error} (reports written; will retry next run)", err=True)
        raise SystemExit(1)


@cli.command("daemon")
@pass_context
def daemon_command(ctx: Context) -> None:
    """Run the fetch and report schedules of config.toml until stopped.

    Cron expressions come from [schedule] (five fields, or six with seconds first), in its
    timezone. SIGTERM or SIGINT stops it cleanly after the job in progress. Logs one line
    per job run to stderr. Only one daemon may run on a store.

    Example: monitor --config /etc/cyberwellness/config.toml daemon
    """
    from monitor.daemon import Daemon

    config = _config(ctx)
    Daemon(config, _store(ctx), _now).run()


@cli.command("run")
@pass_context
def run_command(ctx: Context) -> None:
    """One full cycle, for cron.

    Fetches everything, then writes (and mails, if [email] is enabled) the weekly report
    of the last complete week if it has not gone out yet. Exits 1 if anything failed.

    Example: monitor run
    """
    from monitor.console import result_line, summary_line
    from monitor.cycle import run_cycle

    result = run_cycle(_config(ctx), _store(ctx), _now)
    for fetched in result.fetched:
        click.echo(result_line(fetched))
    click.echo(summary_line(result.fetched))
    if result.report:
        click.echo(f"report: {result.report.path}")
        for label in result.report.emailed:
            click.echo(f"emailed the {label} digest")
        if result.report.email_error:
            click.echo(f"error: {result.report.email_error} (will retry next run)", err=True)
    if result.failed:
        raise SystemExit(1)


@cli.command("status")
@format_option
@pass_context
def status_command(ctx: Context, fmt: str) -> None:
    """Last and next runs, and each country's last check and failures.

    Example: monitor status
    """
    from monitor.status import status

    click.echo(status(_config(ctx), _store(ctx), _now(), fmt), nl=False)


@cli.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to put the demo's store and reports (default: a new temporary folder).",
)
def demo_command(directory: Path | None) -> None:
    """Run the whole pipeline on bundled sample profiles, offline.

    Needs no internet and no configuration.

    Serves the samples from a local web server on 127.0.0.1, fetches them through the real
    fetch path, advances through later (edited) versions, writes the reports and prints
    the path of the weekly digest.

    Example: monitor demo --dir /tmp/cyberwellness-demo
    """
    import tempfile

    from monitor.demo import run_demo
    from monitor.report import digest_text

    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    elif directory.exists() and any(directory.iterdir()):
        raise click.UsageError(f"{directory} is not empty; give a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    result = run_demo(directory, _now, click.echo)
    digest = result.report.digest
    click.echo("")
    click.echo(digest_text(digest).split("\n", 3)[3].rstrip())
    click.echo("")
    config = directory / "config.toml"
    click.echo(f"weekly digest: {result.report.path}")
    click.echo(f"all reports:   {result.report.path.parent / 'index.html'}")
    click.echo(f"explore:       monitor --config {config} diff iraq first latest")


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
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
