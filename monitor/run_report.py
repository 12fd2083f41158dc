"""Writing the reports of a period and mailing the digest: the report stage of a cycle."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from monitor.config import Config
from monitor.deliver import Outbox, build_email, send_email, write_atomic
from monitor.errors import DeliveryError
from monitor.history import CountryHistory, Period, all_histories, checked_in, failures, iso_week
from monitor.report import (
    Digest,
    atom_feed,
    country_html,
    digest_email_html,
    digest_html,
    digest_text,
    index_html,
    make_digest,
    subject,
)
from monitor.store import Store

_REPORT_NAME = re.compile(r"^(\d{4}-W\d{2}|since-\d{4}-\d{2}-\d{2})\.html$")


@dataclass(frozen=True)
class ReportResult:
    digest: Digest
    path: Path
    written: int
    emailed: tuple[str, ...] = ()  # periods whose email went out in this run
    email_error: str | None = None
    histories: tuple[CountryHistory, ...] = ()  # what the reports were made from


def build_digest(
    store: Store,
    period: Period,
    now: datetime,
    histories: list[CountryHistory] | None = None,
) -> tuple[Digest, list[CountryHistory]]:
    """The period's digest; ``histories`` (every snapshot read and diffed, the costly part)
    is read from the store unless the caller already has it."""
    if histories is None:
        histories = all_histories(store)
    digest = make_digest(period, histories, failures(store), checked_in(store, period), now)
    return digest, histories


def write_reports(
    config: Config,
    store: Store,
    period: Period,
    now: datetime,
    histories: list[CountryHistory] | None = None,
) -> ReportResult:
    """The period's digest, every country page, the index and the feed, each atomically."""
    root = config.storage.reports
    digest, histories = build_digest(store, period, now, histories)
    path = root / f"{period.label}.html"
    write_atomic(path, digest_html(digest).encode())
    for history in histories:
        write_atomic(
            root / "countries" / f"{history.slug}.html", country_html(history, now).encode()
        )
    weeks = sorted(
        {p.name[: -len(".html")] for p in root.glob("*.html") if _REPORT_NAME.match(p.name)}
    )
    write_atomic(root / "index.html", index_html(weeks, histories, now).encode())
    write_atomic(root / "feed.atom", atom_feed(histories, "", now).encode())
    return ReportResult(digest, path, written=len(histories) + 3, histories=tuple(histories))


def should_mail(config: Config, digest: Digest) -> bool:
    """``email.when = "changes"`` mails when something changed or failed; "always" always."""
    return config.email.when == "always" or bool(digest.changes or digest.failures)


def report(
    config: Config,
    store: Store,
    period: Period,
    *,
    now: datetime,
    email: bool,
    histories: list[CountryHistory] | None = None,
) -> ReportResult:
    """Write the reports; then, if asked, mail this digest and any earlier one still owed.

    A mail failure never loses anything: the files are written first, and the period goes
    to the outbox to be sent on the next run.
    """
    result = write_reports(config, store, period, now, histories)
    if not email:
        return result
    outbox = Outbox(config.storage.reports)
    owed = [w for w in outbox.pending() if w != period.label]
    sent: list[str] = []
    try:
        for label in owed:
            old, _ = build_digest(store, _period(label, now), now, list(result.histories))
            _mail(config, old)
            outbox.done(label)
            sent.append(label)
        if should_mail(config, result.digest):
            _mail(config, result.digest)
            sent.append(period.label)
        outbox.done(period.label)
    except DeliveryError as exc:
        if should_mail(config, result.digest):
            outbox.add(period.label)
        return replace(result, emailed=tuple(sent), email_error=str(exc))
    return replace(result, emailed=tuple(sent))


def _period(label: str, now: datetime) -> Period:
    if label.startswith("since-"):
        from datetime import date

        from monitor.history import since

        return since(date.fromisoformat(label[len("since-") :]), now)
    return iso_week(label)


def _mail(config: Config, digest: Digest) -> None:
    message = build_email(
        subject(digest),
        digest_text(digest),
        digest_email_html(digest),
        config.email.sender,
        config.email.to,
    )
    send_email(message, config.email)
