"""`monitor export`: every snapshot as a table."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.cli.main import Options, cli, output_option, pass_options


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "sqlite"]),
    required=True,
    help="csv: one row per snapshot; jsonl: the snapshot JSON per line; sqlite: a database.",
)
@output_option("File to write (needed for sqlite; csv and jsonl go to stdout without it).")
@click.argument("countries", nargs=-1)
@pass_options
def export_command(
    options: Options, fmt: str, output: Path | None, countries: tuple[str, ...]
) -> None:
    """Export every snapshot (of all countries, or the COUNTRIES named) as a table.

    csv has one row per snapshot (figures, sources, and yes/no/empty per indicator); jsonl
    one snapshot JSON per line (monitor/schemas/snapshot.schema.json) with its ref; sqlite
    the tables snapshots, sections (full-text searchable), changes and countries, ready for
    `datasette PATH`.

    Example: monitor export --format sqlite -o cyberwellness.db
    """
    from monitor.pipeline.exporting import export

    if fmt == "sqlite" and output is None:
        raise click.UsageError("--format sqlite needs -o PATH")
    text = export(options.store(), fmt, countries, output)
    if text is not None:
        click.echo(text, nl=False)
    else:
        options.say(f"wrote {output}")
