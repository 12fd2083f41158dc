"""The Atom feed of change events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from xml.sax.saxutils import escape as xml_escape

from monitor.core.periods import CountryHistory, week_of
from monitor.render.text import change_text, plural, side_label

CHANGES_SHOWN = 20  # per entry; the rest are counted


def _attr(text: str) -> str:
    return xml_escape(text, {'"': "&quot;"})


def atom_feed(
    histories: Sequence[CountryHistory], base_url: str, generated_at: datetime, weeks: int = 12
) -> str:
    """Valid Atom: one entry per change event (country + snapshot) seen in the last
    ``weeks`` ISO weeks, stable ids, each change with its values; links are absolute when
    ``base_url`` (ending in ``/``) is given."""
    oldest = week_of(generated_at).start - timedelta(days=7 * (weeks - 1))
    events = sorted(
        (
            e
            for h in histories
            for e in h.events
            if e.comparison is not None and e.seen_at >= oldest
        ),
        key=lambda e: (e.seen_at, e.slug),
        reverse=True,
    )
    updated = (events[0].seen_at if events else generated_at).isoformat()
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        "  <title>Cyberwellness Monitor: profile changes</title>",
        "  <id>tag:cyberwellness-monitor,2026:feed</id>",
        f"  <updated>{updated}</updated>",
        f'  <link rel="self" href="{_attr(base_url)}feed.atom"/>',
        "  <author><name>Cyberwellness Monitor</name></author>",
    ]
    for event in events:
        assert event.comparison is not None
        changes = event.comparison.changes
        week = week_of(event.seen_at).label
        new = side_label(event.comparison.new)
        title = f"{event.country}: {plural(len(changes), 'change')} ({new})"
        lines = [change_text(c) for c in changes[:CHANGES_SHOWN]] or ["no field changed"]
        if len(changes) > CHANGES_SHOWN:
            lines.append(f"… and {len(changes) - CHANGES_SHOWN} more")
        lines.insert(0, f"{side_label(event.comparison.old)} → {new}")
        summary = "\n".join(lines)
        parts += [
            "  <entry>",
            f"    <title>{xml_escape(title)}</title>",
            f"    <id>tag:cyberwellness-monitor,2026:{event.slug}/{event.ref}</id>",
            f"    <updated>{event.seen_at.isoformat()}</updated>",
            f'    <link href="{_attr(base_url)}countries/{event.slug}.html#{event.ref}"/>',
            f'    <link rel="related" href="{_attr(base_url)}{week}.html"/>',
            f"    <summary>{xml_escape(summary)}</summary>",
            "  </entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"
