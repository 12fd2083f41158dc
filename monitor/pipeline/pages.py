"""The report pages rendered live from the store, for the HTTP service: the same renderers
`monitor report` writes files with, so a page served and a page written are the same page."""

from __future__ import annotations

from datetime import datetime

from monitor.core.periods import period_named, week_of
from monitor.core.subscriptions import Subscription
from monitor.core.summary import summarise
from monitor.edges.store import Store, find_country
from monitor.errors import SnapshotNotFound
from monitor.pipeline.gathering import Gathered, from_histories
from monitor.pipeline.history import History, all_histories, country_history
from monitor.pipeline.notifying import chosen_feed
from monitor.pipeline.reporting import build_digest
from monitor.render.feed import atom_feed
from monitor.render.html import country_html, digest_html, index_html, overview_html


def _gathered(store: Store, history: History) -> Gathered:
    return from_histories(tuple(all_histories(store, history=history)))


def index_page(store: Store, now: datetime, history: History = country_history) -> str:
    """``reports/index.html``, with a link for every week in which a change was seen."""
    found = _gathered(store, history)
    weeks = {week_of(e.seen_at).label for h in found.histories for e in h.events}
    return index_html(sorted(weeks), found.histories, found.nows, now)


def overview_page(store: Store, now: datetime, history: History = country_history) -> str:
    """``reports/overview.html``, rendered from the store as it is now."""
    found = _gathered(store, history)
    return overview_html(list(found.nows.values()), found.marks, now)


def country_page(
    store: Store, query: str, now: datetime, history: History = country_history
) -> str:
    return country_html(history(store, find_country(store, query)), now)


def digest_page(store: Store, label: str, now: datetime, history: History = country_history) -> str:
    """The digest of ``2026-W47`` or ``since-2026-01-01``; any other label is not found."""
    try:
        period = period_named(label, now)
    except ValueError as exc:
        raise SnapshotNotFound(
            f"no week {label!r}: a week is named like 2026-W47 (or since-2026-01-01)"
        ) from exc
    digest, _ = build_digest(store, period, now, all_histories(store, history=history))
    return digest_html(digest, summarise(digest))


def feed(
    store: Store,
    base_url: str,
    now: datetime,
    weeks: int,
    history: History = country_history,
    chosen: tuple[Subscription, str] | None = None,
) -> str:
    """The Atom feed of the changes seen in the last ``weeks`` ISO weeks (``feed_weeks``);
    with ``chosen`` (a query as a subscription, and the feed's path), only what it selects."""
    found = _gathered(store, history)
    if chosen is None:
        return atom_feed(found.feed, base_url, now, weeks)
    subscription, path = chosen
    items = chosen_feed(found.histories, subscription)
    return atom_feed(items, base_url, now, weeks, name=path.partition("?")[2], self_path=path)
