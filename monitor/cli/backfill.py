"""``monitor backfill``: rebuild each profile's past from a web archive."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.main import Options, cli, now, pass_options

if TYPE_CHECKING:
    from monitor.pipeline.backfill import BackfillResult, Step


def _timestamp(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """YYYY, YYYY-MM, YYYY-MM-DD or an archive timestamp → a timestamp prefix."""
    if value is None:
        return None
    from monitor.core.refs import date_bound

    try:
        return date_bound(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@cli.command("backfill")
@click.argument("countries", nargs=-1)
@click.option(
    "--from", "since", metavar="DATE", callback=_timestamp, help="Only captures from DATE on."
)
@click.option("--to", "until", metavar="DATE", callback=_timestamp, help="Only captures to DATE.")
@click.option(
    "--discover",
    is_flag=True,
    help="List every profile the archive holds under the url_template folder, as sources.",
)
@click.option("--write", is_flag=True, help="With --discover: add the sources to config.toml.")
@pass_options
def backfill_command(
    options: Options,
    countries: tuple[str, ...],
    since: str | None,
    until: str | None,
    discover: bool,
    write: bool,
) -> None:
    """Rebuild history from a web archive ([archive] in config.toml).

    For each configured source (all, or the COUNTRIES named), lists the archive's
    captures of its URL, oldest first, downloads each capture not seen before and stores
    it, dated by the capture. A second run downloads only what is newer. Bad captures are
    skipped with a line on stderr. Exits 1 if a source could not be listed, a capture
    could not be downloaded, or the archive asked us to stop (429).

    Example: monitor backfill iraq --from 2014 --to 2016-06
    """
    if write and not discover:
        raise click.UsageError("--write goes with --discover")
    config = options.config()
    if discover:
        if countries or since or until:
            raise click.UsageError("--discover takes no COUNTRIES, --from or --to")
        _discover(options, config, write)
        return
    from monitor.pipeline.backfill import backfill
    from monitor.pipeline.fetching import sources_named

    sources = sources_named(config, list(countries))
    store = options.store(config)
    with _Progress(options) as on_step:
        results = backfill(
            config, store, sources, clock=now, since=since, until=until, on_step=on_step
        )
    from monitor.pipeline.notifying import after_fetch

    after_fetch(config, store, {r.slug: r.stored for r in results}, now)
    if not options.quiet:
        click.echo(_summary(results))
    if any(r.error or r.failed for r in results):
        sys.exit(1)


def _line(step: Step) -> tuple[str, bool] | None:
    """A step as one line, and whether it goes to stderr; None for counting-only steps."""
    where = f" capture {step.timestamp}" if step.timestamp else ""
    if step.kind == "stored":
        return f"{step.country}: {step.message} ({where.strip()})", False
    if step.kind == "skipped":
        return f"{step.country}: skipped{where}: {step.message}", True
    if step.kind == "failed":
        return f"{step.country}: error{where}: {step.message}", True
    return None


class _Counts:
    def __init__(self) -> None:
        self.listed = self.downloaded = self.stored = self.skipped = 0

    def add(self, step: Step) -> None:
        self.listed += step.count if step.kind == "listed" else 0
        self.downloaded += step.kind == "downloaded"
        self.stored += step.kind == "stored"
        self.skipped += step.kind == "skipped"

    def __str__(self) -> str:
        return (
            f"{self.listed} listed, {self.downloaded} downloaded, {self.stored} stored, "
            f"{self.skipped} skipped"
        )


class _Progress:
    """A progress line on a terminal (counts, and the wait when pacing); plain lines
    otherwise: one per stored version on stdout, skips and errors on stderr."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.live: Any = None
        self.counts = _Counts()
        self.country = "listing captures"

    def __enter__(self) -> Callable[[Step], None]:
        if sys.stderr.isatty() and not self.options.quiet:
            from rich.progress import Progress, SpinnerColumn, TextColumn

            self.live = Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True)
            self.live.__enter__()
            self.task = self.live.add_task("listing captures")
        return self.step

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def step(self, step: Step) -> None:
        self.counts.add(step)
        if self.live is not None:
            self.country = step.country or self.country
            wait = f" — waiting {step.seconds:.1f} s ({step.message})" if step.seconds else ""
            self.live.update(self.task, description=f"{self.country}: {self.counts}{wait}")
        line = _line(step)
        if line is None:
            return
        text, to_stderr = line
        if to_stderr:
            click.echo(text, err=True)
        elif not self.options.quiet:
            click.echo(text)


def _summary(results: list[BackfillResult]) -> str:
    from monitor.render.text import plural

    total = {
        "listed": sum(r.listed for r in results),
        "already seen": sum(r.known for r in results),
        "downloaded": sum(r.downloaded for r in results),
        "stored": sum(len(r.stored) for r in results),
        "unchanged": sum(r.unchanged for r in results),
        "skipped": sum(r.skipped for r in results),
        "not served": sum(r.failed for r in results),
        "not listed": sum(1 for r in results if r.error),
    }
    counts = ", ".join(f"{n} {label}" for label, n in total.items() if n or label == "listed")
    return f"{plural(len(results), 'source')}: captures {counts}"


def _discover(options: Options, config: Any, write: bool) -> None:
    from pathlib import Path

    from monitor.pipeline.backfill import ITU_TEMPLATE, add_sources, discover, source_lines

    template = config.url_template or ITU_TEMPLATE
    found = discover(config, template)
    click.echo(
        f"{found.folder}: {len(found.found)} new countries, "
        f"{len(found.configured)} already configured, {len(found.unmatched)} not matched",
        err=True,
    )
    for url in found.unmatched:
        click.echo(f"not matched to a country: {url}", err=True)
    if write:
        path = config.path or Path("config.toml")
        add_sources(path, found.found)
        options.say(f"added {len(found.found)} sources to {path}")
    else:
        click.echo(source_lines(found.found).lstrip("\n"), nl=False)
