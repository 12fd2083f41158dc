"""Commands on documents and the store: parse, import, list, show, diff."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from monitor.cli.main import Options, cli, format_option, now, output_option, pass_options


@cli.command("parse")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@format_option
@click.option("--country", help="Country of the document; must agree with its printed title.")
@click.option(
    "--force-country", is_flag=True, help="Use --country even where the printed title disagrees."
)
@pass_options
def parse_command(
    options: Options, file: Path, fmt: str, country: str | None, force_country: bool
) -> None:
    """Parse one local document (PDF, HTML or text) and print what the monitor sees.

    Stores nothing.

    Example: monitor parse Iraq.pdf --format json
    """
    from monitor.pipeline.documents import parse_file
    from monitor.render.json_forms import profile_json
    from monitor.render.text import describe

    profile = parse_file(
        file, country=country, force_country=force_country, limits=options.config().extract
    )
    click.echo(profile_json(profile) if fmt == "json" else describe(profile), nl=False)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--country", help="Country of every FILE; must agree with their printed titles.")
@click.option(
    "--force-country", is_flag=True, help="Use --country even where a printed title disagrees."
)
@click.option(
    "--seen",
    metavar="DATE",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="When the document was first seen (UTC; default: now): places it in the history.",
)
@pass_options
def import_command(
    options: Options,
    files: tuple[Path, ...],
    country: str | None,
    force_country: bool,
    seen: datetime | None,
) -> None:
    """Add local documents (PDF, text or HTML) to the history (backfill).

    Prints one line per file: new, revised or unchanged on stdout, errors on stderr.
    Exits 1 if any failed. A version older than the newest stored one is history: the
    country page shows it, the weekly digest does not announce it.

    Example: monitor import old/Iraq-2014.pdf --country Iraq --seen 2014-05-01
    """
    from monitor.core.snapshot import implausible
    from monitor.pipeline.documents import import_files

    when = seen.replace(tzinfo=UTC) if seen else now()
    if seen and (why := implausible(when, now())):
        raise click.BadParameter(
            f"{why}: a document is seen between 1990 and now", param_hint="--seen"
        )
    failed = 0
    config = options.config()
    results = import_files(
        options.store(config),
        list(files),
        now=when,
        country=country,
        force_country=force_country,
        config=config,
    )
    for result in results:
        if result.error:
            failed += 1
            click.echo(f"{result.path}: error: {result.error}", err=True)
        else:
            options.say(f"{result.path}: {result.outcome.label} {result.slug} {result.ref}")
    if failed:
        sys.exit(1)


@cli.command("list")
@click.argument("country", required=False)
@format_option
@pass_options
def list_command(options: Options, country: str | None, fmt: str) -> None:
    """Countries in the store and their snapshot dates.

    With COUNTRY: every snapshot of it, and where each came from.

    Example: monitor list iraq --format json
    """
    from monitor.pipeline.views import country_listing, store_listing

    store = options.store()
    if country:
        click.echo(country_listing(store, country, fmt), nl=False)
    else:
        click.echo(store_listing(store, fmt), nl=False)


@cli.command("show")
@click.argument("country")
@click.argument("ref", default="latest")
@format_option
@pass_options
def show_command(options: Options, country: str, ref: str, fmt: str) -> None:
    """Show one stored snapshot, readable or as JSON.

    COUNTRY is a slug, ISO code or name, in any case. REF is YYYY-MM-DD (its newest
    revision), YYYY-MM-DD.rN, YYYY or YYYY-MM (the newest snapshot dated within that year
    or month), latest, previous, first or latest~N (default latest).

    Example: monitor show iraq 2015-03-06; monitor show IRQ 2016
    """
    from monitor.pipeline.views import show_snapshot

    click.echo(show_snapshot(options.store(), country, ref, fmt), nl=False)


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
@output_option("Write to this file instead of standard output.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences, like git diff.")
@pass_options
def diff_command(
    options: Options,
    country: str,
    old: str,
    new: str,
    fmt: str,
    output: Path | None,
    exit_code: bool,
) -> None:
    """What changed in a country's profile between two snapshots, field by field.

    OLD and NEW are refs (YYYY-MM-DD, YYYY-MM-DD.rN, YYYY or YYYY-MM for the newest
    snapshot dated within it, latest, previous, first, latest~N) or paths of local
    documents, to compare a file before importing it. NEW defaults to latest.
    Both are COUNTRY's; name another country's side as COUNTRY:REF to compare two countries.

    Example: monitor diff iraq 2015-03-06 latest
    """
    from monitor.pipeline.documents import compare_refs
    from monitor.render.html import to_html
    from monitor.render.json_forms import to_json
    from monitor.render.markdown import to_markdown
    from monitor.render.text import to_text

    config = options.config()
    comparison = compare_refs(options.store(config), country, old, new, config.extract)
    if fmt == "text":
        out = to_text(comparison, color=output is None and sys.stdout.isatty())
    else:
        out = {"json": to_json, "md": to_markdown, "html": to_html}[fmt](comparison)
    if output:
        from monitor.edges.files import write_atomic

        write_atomic(output, out.encode(), mkdir=True)
    else:
        click.echo(out, nl=False, color=None)
    if exit_code and comparison.changes:
        sys.exit(1)
