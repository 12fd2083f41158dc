"""`monitor notify`: try the [[notify]] targets, or see what the last run would send."""

from __future__ import annotations

import sys

import click

from monitor.cli.main import Options, cli, now, pass_options


@cli.command("notify")
@click.option(
    "--test",
    "test",
    is_flag=True,
    help="Send one sample message to each target (of NAME only, if given) and show each answer.",
)
@click.option(
    "--dry-run",
    "dry_run",
    is_flag=True,
    help="Show what the last fetch or backfill would send, with the filters as they are now.",
)
@click.argument("name", required=False)
@pass_options
def notify_command(options: Options, test: bool, dry_run: bool, name: str | None) -> None:
    """Try the [[notify]] subscriptions of config.toml.

    With --test, one sample message goes to each target now (it is not queued); one line
    per target says what it answered, and the exit status is 1 if any refused. With
    --dry-run, each message the last run's news makes, per subscription and target, is
    printed and nothing is sent. Without either, the messages still queued (a target that
    failed) are sent now.

    Example: monitor notify --test africa-desk
    """
    from monitor.edges.notify import shown
    from monitor.pipeline import notifying

    if test and dry_run:
        raise click.UsageError("give --test or --dry-run, not both")
    config = options.config()
    if not config.notify:
        where = config.path or "config.toml (none found)"
        click.echo(f"{where}: no [[notify]] subscriptions", err=True)
        sys.exit(1)
    if dry_run:
        found = notifying.dry_run(config, options.store(config), now)
        for subscription, queued in found:
            if name is None or subscription == name:
                click.echo(f"{subscription} → {shown(queued.url)}: {queued.title}")
                click.echo("  " + queued.body.replace("\n", "\n  "))
        if not found:
            options.say("nothing: the last run stored no news these filters select")
        return
    deliveries = (
        notifying.test_targets(config, name, now) if test else notifying.deliver(config, now)
    )
    for d in deliveries:
        status = "ok" if d.ok else "FAILED"
        click.echo(f"{d.subscription} → {shown(d.url)}: {status}: {d.answer}")
    if not deliveries:
        options.say("nothing to send")
    if any(not d.ok for d in deliveries):
        sys.exit(1)
