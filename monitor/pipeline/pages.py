"""The report pages rendered live from the store, for the HTTP service: the same renderers
`monitor report` writes files with, so a page served and a page written are the same page."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from monitor.core.periods import period_named, week_of
from monitor.edges.store import Store, find_country
from monitor.errors import SnapshotNotFound
from monitor.pipeline.history import History, all_histories, country_history
from monitor.pipeline.reporting import build_digest
from monitor.render.feed import atom_feed
from monitor.render.html import country_html, digest_html, index_html

PERIOD = re.compile(r"^(\d{4}-W\d{2}|since-\d{4}-\d{2}-\d{2})$")


def index_page(store: Store, now: datetime, history: History = country_history) -> str:
    """``reports/index.html``, with a link for every week in which a change was seen."""
    found = all_histories(store, history)
    weeks = {week_of(e.seen_at).label for h in found for e in h.events}
    return index_html(sorted(weeks), found, now)


def country_page(
    store: Store, query: str, now: datetime, history: History = country_history
) -> str:
    return country_html(history(store, find_country(store, query)), now)


def digest_page(store: Store, label: str, now: datetime, history: History = country_history) -> str:
    """The digest of ``2026-W47`` or ``since-2026-01-01``; any other label is not found."""
    try:
        if not PERIOD.match(label):
            raise ValueError(label)
        period = period_named(label, now)
    except ValueError as exc:
        raise SnapshotNotFound(
            f"no week {label!r}: a week is named like 2026-W47 (or since-2026-01-01)"
        ) from exc
    digest, _ = build_digest(store, period, now, all_histories(store, history))
    return digest_html(digest)


def feed(store: Store, base_url: str, now: datetime, history: History = country_history) -> str:
    return atom_feed(all_histories(store, history), base_url, now)


def overview_page(reports: Path) -> str:
    """The cross-country overview, as the last `monitor report` wrote it.

    The overview's renderer is not part of this version's render layer; when it is, this
    becomes a live rendering like the pages above.
    """
    path = reports / "overview.html"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SnapshotNotFound(
            "no overview yet: it is written by `monitor report` (reports/overview.html)"
        ) from exc
