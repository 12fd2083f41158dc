"""Commands that run jobs: fetch, report, run, daemon, status, demo."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from monitor.cli.main import Options, cli, format_option, invoked_as, now, pass_options
from monitor.cli.serve import host_option, port_option, warn_if_public


@cli.command("fetch")
@click.argument("countries", nargs=-1)
@pass_options
def fetch_command(options: Options, countries: tuple[str, ...]) -> None:
    """Fetch the configured profiles now (all, or the COUNTRIES named).

    One line per country: new, revised, unchanged or not modified on stdout; errors (with
    the cause) on stderr. A progress bar shows on a terminal. Exits 1 if any source failed.

    Example: monitor fetch iraq tajikistan
    """
    from monitor.cli.console import fetch_with_progress

    config = options.config()
    store = options.store(config)
    results = fetch_with_progress(config, store, list(countries), clock=now, quiet=options.quiet)
    if config.notify:  # the notification code (feeds, histories) only when there is some
        from monitor.pipeline.notifying import after_fetch, stored_by

        after_fetch(config, store, stored_by(results), now)
    if any(r.error for r in results):
        sys.exit(1)


@cli.command("report")
@click.option("--week", metavar="YYYY-Www", help="ISO week to report (default: this week).")
@click.option(
    "--since",
    "since_day",
    metavar="DATE",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Report every change seen since this date (YYYY-MM-DD) instead of one week.",
)
@click.option("--email", is_flag=True, help="Also mail the digest (see [email] in config.toml).")
@click.option("--open", "open_browser", is_flag=True, help="Open the digest in a browser.")
@pass_options
def report_command(
    options: Options,
    week: str | None,
    since_day: datetime | None,
    email: bool,
    open_browser: bool,
) -> None:
    """Write the weekly digest and the other reports under reports/.

    Writes the digest of one week (or of everything since a date), every country's page,
    the index and the Atom feed.

    A change belongs to the week in which the monitor first saw it. With --email the
    digest is mailed; if mailing fails the files are still written and the mail is
    retried on the next run.

    Example: monitor report --week 2026-W47 --email
    """
    from monitor.core.periods import iso_week, since, week_of
    from monitor.errors import ConfigError
    from monitor.pipeline.cycle import report_period

    if week and since_day:
        raise click.UsageError("give --week or --since, not both")
    moment = now()
    try:
        period = (
            since(since_day.date(), moment)
            if since_day
            else iso_week(week)
            if week
            else week_of(moment)
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since" if since_day else "--week") from exc
    config = options.config()
    if email and not config.email.enabled:
        where = config.path or "config.toml (none found)"
        raise ConfigError(f"{where}: email.enabled is false; set it to true to use --email")
    result = report_period(config, options.store(config), period, lambda: moment, email=email)
    from monitor.render.text import counts

    options.say(str(result.path))
    options.say(f"{period.label}: {len(result.digest.checked)} checked: {counts(result.summary)}")
    for label in result.emailed:
        options.say(f"emailed the {label} digest to {', '.join(config.email.to)}")
    if open_browser:
        import webbrowser

        webbrowser.open(result.path.resolve().as_uri())
    if result.email_error:
        click.echo(f"error: {result.email_error} (reports written; will retry next run)", err=True)
        sys.exit(1)


@cli.command("daemon")
@click.option(
    "--serve", "serve", is_flag=True, help="Also run the HTTP service (as `monitor serve`)."
)
@host_option
@port_option
@pass_options
def daemon_command(options: Options, serve: bool, host: str, port: int) -> None:
    """Run the fetch and report schedules of config.toml until stopped.

    Cron expressions come from [schedule] (five fields, or six with seconds first), in its
    timezone. SIGTERM or SIGINT stops it cleanly. Logs one line per job run to stderr.
    Only one daemon may run on a store. With --serve it also serves the pages and the API
    (see `monitor serve`; --host and --port apply) from a process of its own, started
    again if it dies: one command, one systemd unit, two processes sharing only the store.

    Example: monitor --config /etc/cyberwellness/config.toml daemon --serve --port 8080
    """
    from monitor.daemon import Daemon

    config = options.config()
    if not serve:
        ctx = click.get_current_context()
        for name in ("host", "port"):
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
                raise click.UsageError(f"--{name} applies only with --serve")
        Daemon(config, options.store(config), now).run()
        return
    from monitor.service.server import bind, supervise

    warn_if_public(host)
    args = [f"--config={config.path.resolve()}"] if config.path else []
    args += ["-q"] if options.quiet else ["-v"] * options.verbose
    with bind(host, port) as sock:
        Daemon(config, options.store(config), now).run(lambda stop: supervise(args, sock, stop))


@cli.command("run")
@pass_options
def run_command(options: Options) -> None:
    """One full cycle, for cron.

    Fetches everything, then writes (and mails, if [email] is enabled) the weekly report
    of the last complete week if it has not gone out yet. Exits 1 if anything failed.

    Example: monitor -q run
    """
    from monitor.cli.console import result_line, summary_line
    from monitor.pipeline.cycle import run_cycle

    config = options.config()
    result = run_cycle(config, options.store(config), now)
    for fetched in result.fetched:
        if fetched.error:
            click.echo(result_line(fetched), err=True)
        else:
            options.say(result_line(fetched))
    options.say(summary_line(result.fetched))
    if result.report:
        options.say(f"report: {result.report.path}")
        for label in result.report.emailed:
            options.say(f"emailed the {label} digest")
        if result.report.email_error:
            click.echo(f"error: {result.report.email_error} (will retry next run)", err=True)
    if result.failed:
        sys.exit(1)


@cli.command("status")
@format_option
@pass_options
def status_command(options: Options, fmt: str) -> None:
    """Last and next runs, and each country's last check and failures.

    Example: monitor status
    """
    from monitor.pipeline.views import status

    config = options.config()
    click.echo(status(config, options.store(config), now(), fmt), nl=False)


@cli.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where to put the demo's store and reports (default: a new temporary folder).",
)
@pass_options
def demo_command(options: Options, directory: Path | None) -> None:
    """Run the whole pipeline on bundled sample profiles, offline.

    Needs no internet and no configuration.

    Serves the samples from a local web server on 127.0.0.1, fetches them through the real
    fetch path, advances through later (edited) versions, writes the reports and prints
    the path of the weekly digest.

    Example: monitor demo --dir /tmp/cyberwellness-demo
    """
    import tempfile

    from monitor.demo import run_demo
    from monitor.render.text import digest_text

    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    elif directory.exists() and any(directory.iterdir()):
        raise click.UsageError(f"{directory} is not empty; give a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    result = run_demo(directory, now, options.say)
    digest = result.report.digest
    config = directory / "config.toml"
    options.say("")
    options.say(digest_text(digest, result.report.summary).split("\n", 3)[3].rstrip())
    options.say("")
    options.say(f"weekly digest: {result.report.path}")
    options.say(f"all reports:   {result.report.path.parent / 'index.html'}")
    options.say(f"explore:       {invoked_as()} --config {config} diff iraq first latest")
