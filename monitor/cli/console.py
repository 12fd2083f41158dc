"""Terminal presentation of long runs: a rich progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING

import click

from monitor.config import Config
from monitor.core.snapshot import Outcome
from monitor.edges.store import Store
from monitor.pipeline.fetching import FetchResult, fetch_all, sources_named
from monitor.render.text import plural

if TYPE_CHECKING:
    from monitor.core.periods import Clock


def result_line(result: FetchResult) -> str:
    if result.error:
        return f"{result.country}: error: {result.error}"
    where = f" {result.slug} {result.ref}" if result.ref else f" {result.slug}"
    return f"{result.country}: {result.outcome.label}{where}"


def summary_line(results: list[FetchResult]) -> str:
    counts = Counter(r.outcome for r in results)
    parts = [f"{counts[o]} {o.label}" for o in Outcome if counts[o]]
    return f"{plural(len(results), 'source')}: " + ", ".join(parts)


def fetch_with_progress(
    config: Config,
    store: Store,
    countries: list[str],
    *,
    clock: Clock,
    quiet: bool = False,
) -> list[FetchResult]:
    """Fetch with a progress bar on a terminal; then a table (terminal) or one line per
    source (pipe or log): results on stdout, errors on stderr, only errors with ``quiet``."""
    sources = sources_named(config, countries)
    if not sys.stderr.isatty() or quiet:
        results = fetch_all(config, store, sources, clock=clock)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("fetching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            transient=True,
        ) as progress:
            task = progress.add_task("", total=len(sources))

            def done(result: FetchResult) -> None:
                progress.update(task, advance=1, description=result.country)

            results = fetch_all(config, store, sources, clock=clock, on_done=done)
    if sys.stdout.isatty() and not quiet:
        _table(results)  # a person at a terminal: one table
        return results
    for result in results:  # a log or a pipe: one line per source, then the counts
        if result.error:
            click.echo(result_line(result), err=True)
        elif not quiet:
            click.echo(result_line(result))
    if not quiet:
        click.echo(summary_line(results))
    return results


def _table(results: list[FetchResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=summary_line(results))
    for column in ("country", "outcome", "snapshot", "detail"):
        table.add_column(column)
    for r in results:
        style = "red" if r.error else "green" if r.outcome in (Outcome.NEW, Outcome.REVISED) else ""
        table.add_row(r.country, r.outcome.label, r.ref or "", r.error or "", style=style)
    Console().print(table)
