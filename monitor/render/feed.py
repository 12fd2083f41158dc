"""The Atom feed of change events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape

from monitor.core.extract import XML_FORBIDDEN
from monitor.core.periods import CountryHistory, week_of
from monitor.render.text import plural


def xml_escape(text: str) -> str:
    """Escaped, and without the characters XML 1.0 forbids (a reader drops the whole feed)."""
    return escape(XML_FORBIDDEN.sub("", text))


def atom_feed(histories: Sequence[CountryHistory], base_url: str, generated_at: datetime) -> str:
    """Valid Atom: one entry per change event (country + snapshot), stable ids."""
    events = sorted(
        (e for h in histories for e in h.events if e.comparison is not None),
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
        f'  <link rel="self" href="{xml_escape(base_url)}feed.atom"/>',
        "  <author><name>Cyberwellness Monitor</name></author>",
    ]
    for event in events:
        assert event.comparison is not None
        changes = event.comparison.changes
        week = week_of(event.seen_at).label
        title = f"{event.country}: {plural(len(changes), 'change')} ({event.ref})"
        summary = "; ".join(c.path for c in changes[:8]) or "no field changed"
        parts += [
            "  <entry>",
            f"    <title>{xml_escape(title)}</title>",
            f"    <id>tag:cyberwellness-monitor,2026:{event.slug}/{event.ref}</id>",
            f"    <updated>{event.seen_at.isoformat()}</updated>",
            f'    <link href="{xml_escape(base_url)}countries/{event.slug}.html#{event.ref}"/>',
            f'    <link rel="related" href="{xml_escape(base_url)}{week}.html"/>',
            f"    <summary>{xml_escape(summary)}</summary>",
            "  </entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"
