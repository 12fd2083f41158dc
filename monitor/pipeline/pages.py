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
from monitor.pipeline.mapping import DEFAULT, keys_of, world_of
from monitor.pipeline.notifying import chosen_feed
from monitor.pipeline.reporting import build_digest
from monitor.render.feed import atom_feed
from monitor.render.html import (
    Filters,
    country_html,
    digest_html,
    index_html,
    map_html,
    overview_html,
)
from monitor.render.text import headline


def _gathered(store: Store, history: History) -> Gathered:
    return from_histories(tuple(all_histories(store, history=history)))


def index_page(store: Store, now: datetime, history: History = country_history) -> str:
    """``reports/index.html``, with a link for every week in which a change was seen."""
    found = _gathered(store, history)
    weeks = {week_of(e.seen_at).label for h in found.histories for e in h.events}
    world = world_of(found) if found.nows else None
    told = None
    if weeks:  # the last digest's headline, as `monitor report` would write it
        digest, _ = build_digest(store, period_named(max(weeks), now), now, found.histories)
        told = " · ".join(headline(summarise(digest)))
    return index_html(
        sorted(weeks),
        found.histories,
        found.nows,
        now,
        world=world,
        search_url="/search",
        headline_text=told,
    )


def _map_link(key: str, as_of: str | None) -> str:
    return f"/map?indicator={key}" + (f"&as_of={as_of}" if as_of else "")


def map_page(
    store: Store,
    now: datetime,
    key: str | None = None,
    as_of: str | None = None,
    history: History = country_history,
) -> str:
    """The map of one indicator as of a date (``?indicator=national_cirt&as_of=2015-06``)."""
    found = _gathered(store, history)
    keys = keys_of(found)
    key = key or DEFAULT
    if key not in keys:
        raise SnapshotNotFound(f"no indicator {key!r}: one of {', '.join(keys)}")
    try:
        world = world_of(found, key, as_of or None)
    except ValueError as exc:
        raise SnapshotNotFound(
            f"no date {as_of!r}: a date is like 2015, 2015-06 or 2015-06-30"
        ) from exc
    return map_html(world, keys, now, _map_link, "/search")


def overview_page(
    store: Store, now: datetime, history: History = country_history, filters: Filters | None = None
) -> str:
    """``reports/overview.html``, rendered from the store as it is now, filtered."""
    found = _gathered(store, history)
    world = world_of(found) if found.nows else None
    return overview_html(
        list(found.nows.values()), found.marks, now, world=world, filters=filters or Filters()
    )


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
