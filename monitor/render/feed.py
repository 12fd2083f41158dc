"""The Atom feed of change events: the last few weeks, each change with its values.

An entry is made from its event once (``feed_item``) and never changes after, so the report
cache can keep entries as text and a run with nothing new need not rebuild them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.core.periods import Event, week_of
from monitor.render.notifications import change_line, headline
from monitor.render.templating import render
from monitor.render.text import change_text, side_label

CHANGES_SHOWN = 20  # per entry; the rest are counted


@dataclass(frozen=True)
class FeedItem:
    """One change event as the feed shows it."""

    slug: str
    ref: str
    seen_at: datetime
    title: str
    summary: str  # one change per line, with its values


def feed_item(event: Event) -> FeedItem:
    """The entry for an event with a comparison (the first snapshot of a country has none)."""
    assert event.comparison is not None
    changes = event.comparison.changes
    new = side_label(event.comparison.new)
    lines = [f"{side_label(event.comparison.old)} → {new}"]
    lines += [change_text(c) for c in changes[:CHANGES_SHOWN]] or ["no field changed"]
    if len(changes) > CHANGES_SHOWN:
        lines.append(f"… and {len(changes) - CHANGES_SHOWN} more")
    title = headline(event.country, [change_line(c) for c in changes])
    return FeedItem(event.slug, event.ref, event.seen_at, title, "\n".join(lines))


def atom_feed(
    items: Sequence[FeedItem],
    base_url: str,
    generated_at: datetime,
    weeks: int = 12,
    *,
    name: str = "",
    self_path: str = "feed.atom",
) -> str:
    """Valid Atom (``templates/feed.atom``, autoescaped): one entry per change event
    (country + snapshot) seen in the last ``weeks`` ISO weeks, stable ids, each change with
    its values; links are absolute when ``base_url`` (ending in ``/``) is given. ``name``
    titles a feed of one subscription or query, found at ``self_path``."""
    oldest = week_of(generated_at).start - timedelta(days=7 * (weeks - 1))
    shown = sorted(
        (i for i in items if i.seen_at >= oldest),
        key=lambda i: (i.seen_at, i.slug),
        reverse=True,
    )
    entries = [(item, week_of(item.seen_at).label) for item in shown]
    updated = shown[0].seen_at if shown else generated_at
    return render(
        "feed.atom", entries=entries, base=base_url, updated=updated, name=name, path=self_path
    )


def feed_items(events: Sequence[Event]) -> list[FeedItem]:
    return [feed_item(e) for e in events if e.comparison is not None]
