"""`monitor search`, `changes` and `compare`: questions across countries and over time."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.main import (
    Options,
    cli,
    format_option,
    formats_option,
    output_option,
    pass_options,
)


def _emit(options: Options, text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from monitor.edges.export import write_text

    write_text(output, text)
    options.say(f"wrote {output}")


country_option = click.option(
    "--country",
    "countries",
    multiple=True,
    help="Only this country (slug, ISO code or name); repeat for more.",
)


table_formats = formats_option(
    ["text", "json", "csv"], "text for people, json for programs, csv for spreadsheets."
)


@cli.command("search")
@click.argument("query")
@country_option
@click.option("--section", help="Only this section and those under it (1.5 covers 1.5.1).")
@click.option("--from", "date_from", help="Only snapshots dated from then (2015, 2015-03, …).")
@click.option("--to", "date_to", help="Only snapshots dated until then (2016, 2016-06, …).")
@table_formats
@output_option("File to write (default: stdout).")
@pass_options
def search_command(
    options: Options,
    query: str,
    countries: tuple[str, ...],
    section: str | None,
    date_from: str | None,
    date_to: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Find words in every snapshot of every country: where they are now, the first
    snapshot that had them and, if they are gone, the last one.

    QUERY: words (all must match), "a phrase", AND / OR / NOT, prefix*.

    Example: monitor search '"Budapest Convention" OR "Council of Europe"'
    """
    from monitor.pipeline.analysis import search
    from monitor.render import analysis as forms

    answer = search(options.store(), query, countries, section, date_from, date_to)
    if fmt == "json":
        text = forms.search_json(answer.query, answer.hits)
    elif fmt == "csv":
        text = forms.search_csv(answer.hits)
    else:
        text = forms.search_text(answer.query, answer.hits)
    _emit(options, text, output)


@cli.command("changes")
@click.option(
    "--field",
    "fields",
    multiple=True,
    help="national_cirt, population, section:1.1.2:items, … (glob: section:1.1.*); repeatable.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["added", "removed", "changed", "status"]),
    help="Only changes of this kind (status: an indicator's status word changed); repeatable.",
)
@click.option(
    "--from-value", help="Only changes from this value (yes, no, unknown, a status word, a figure)."
)
@click.option(
    "--to-value", help="Only changes to this value (yes, no, unknown, a status word, a figure)."
)
@country_option
@click.option(
    "--from", "date_from", help="Published from (the newer snapshot's date): 2015, 2015-03, …"
)
@click.option("--to", "date_to", help="Published until (the newer snapshot's date): 2016, …")
@click.option("--seen-from", help="First seen by the monitor from (2026, 2026-11-23, …).")
@click.option("--seen-to", help="First seen by the monitor until.")
@table_formats
@output_option("File to write (default: stdout).")
@pass_options
def changes_command(
    options: Options,
    fields: tuple[str, ...],
    kinds: tuple[str, ...],
    from_value: str | None,
    to_value: str | None,
    countries: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    seen_from: str | None,
    seen_to: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Every change across countries, filtered by field, kind, value, country and when it
    was published (--from/--to, the "Last updated" date of the newer snapshot) or first
    seen by the monitor (--seen-from/--seen-to).

    Example: monitor changes --field national_cirt --to-value yes --from 2016 --to 2016
    """
    from monitor.pipeline.analysis import changes
    from monitor.render import analysis as forms

    answer = changes(
        options.store(),
        fields,
        kinds,
        countries,
        date_from,
        date_to,
        seen_from,
        seen_to,
        from_value,
        to_value,
    )
    if fmt == "json":
        text = forms.changes_json(answer.rows)
    elif fmt == "csv":
        text = forms.changes_csv(answer.rows)
    else:
        text = forms.changes_text(answer.rows)
    _emit(options, text, output)


@cli.command("compare")
@click.argument("countries", nargs=-1, required=True)
@click.option(
    "--at", help="A ref, or a date: each country's newest snapshot on or before it (2016)."
)
@formats_option(["text", "json", "md", "html"], "text, json, md (Markdown) or html.")
@output_option("File to write (default: stdout).")
@pass_options
def compare_command(
    options: Options, countries: tuple[str, ...], at: str | None, fmt: str, output: Path | None
) -> None:
    """Countries side by side: every indicator (equal values too) with status and evidence,
    the figures, and per section what each lists (shared and not). COUNTRY:REF picks a
    version of one country.

    Example: monitor compare kenya uganda rwanda --at 2016
    """
    from monitor.pipeline.analysis import compare
    from monitor.render import analysis as forms

    found = compare(options.store(), countries, at)
    render = {
        "json": lambda: forms.compare_json(found),
        "md": lambda: forms.compare_markdown(found),
        "html": lambda: forms.compare_html(found),
        "text": lambda: forms.compare_text(found),
    }[fmt]
    _emit(options, render(), output)


@cli.command("overview")
@format_option
@output_option("File to write (default: stdout).")
@pass_options
def overview_command(options: Options, fmt: str, output: Path | None) -> None:
    """Every country's state now: each indicator with its status and since when, the
    figures, and totals (what reports/overview.html shows).

    Example: monitor overview --format json
    """
    from monitor.pipeline.analysis import overview
    from monitor.render import analysis as forms

    found = overview(options.store())
    _emit(
        options, forms.overview_json(found) if fmt == "json" else forms.overview_text(found), output
    )
