"""Terminal presentation of long runs: a rich progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import click

from monitor.config import Config
from monitor.errors import ConfigError
from monitor.outcome import Outcome
from monitor.run_fetch import FetchResult, fetch_all, select_sources
from monitor.store import Store


def result_line(result: FetchResult) -> str:
    if result.error:
        return f"{result.country}: error: {result.error}"
    where = f" {result.slug} {result.ref}" if result.ref else f" {result.slug}"
    return f"{result.country}: {result.outcome.label}{where}"


def summary_line(results: list[FetchResult]) -> str:
    counts = Counter(r.outcome for r in results)
    parts = [f"{counts[o]} {o.label}" for o in Outcome if counts[o]]
    return f"{len(results)} sources: " + ", ".join(parts)


def fetch_with_progress(
    config: Config,
    store: Store,
    countries: list[str],
    *,
    now: Callable[[], datetime],
    quiet: bool = False,
) -> list[FetchResult]:
    sources = select_sources(config.sources, countries)
    if not sources:
        where = config.path or "config.toml (none found)"
        raise ConfigError(f"{where}: no sources configured ([sources] countries or extra)")
    if not sys.stderr.isatty() or quiet:
        results = fetch_all(config, store, sources, now=now)
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

            results = fetch_all(config, store, sources, now=now, on_done=done)
    if sys.stdout.isatty() and not quiet:
        _table(results)  # a person at a terminal: one table
        return results
    for result in results:  # a log or a pipe: one line per source, then the counts
        click.echo(result_line(result))
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
