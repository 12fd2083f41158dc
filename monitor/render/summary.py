"""The digest's opening lines in words, shared by the HTML page, the email and plain text:
``New national CIRT: Bahamas, Chad · New laws: 4 countries · Figures updated: 12``."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.core.overview import short_label
from monitor.core.periods import Event
from monitor.core.summary import DigestSummary, is_date_bump
from monitor.render.text import field_label, plain, plural

NAMES_SHOWN = 6


def names(countries: Sequence[str]) -> str:
    """``Bahamas, Chad``; a long list ends ``… (14 countries)``."""
    if len(countries) <= NAMES_SHOWN:
        return ", ".join(countries)
    shown = ", ".join(countries[:NAMES_SHOWN])
    return f"{shown}, … ({plural(len(countries), 'country', 'countries')})"


def headline(summary: DigestSummary) -> list[str]:
    """The summary as phrases, most telling first; "No changes" when there is nothing."""
    parts = []
    if summary.new:
        parts.append(f"{len(summary.new)} new")
    parts += [f"New {short_label(key)}: {names(who)}" for key, who in summary.gained]
    parts += [f"No longer {short_label(key)}: {names(who)}" for key, who in summary.lost]
    if summary.new_laws:
        parts.append(f"New laws: {plural(len(summary.new_laws), 'country', 'countries')}")
    if summary.figures_updated:
        parts.append(f"Figures updated: {len(summary.figures_updated)}")
    if summary.dates_only:
        parts.append(f"Dates only: {len(summary.dates_only)}")
    if summary.failed:
        parts.append(f"Failed: {len(summary.failed)}")
    return parts or ["No changes"]


def counts(summary: DigestSummary) -> str:
    return (
        f"{len(summary.new)} new, {len(summary.changed)} changed, "
        f"{len(summary.unchanged)} unchanged, {len(summary.failed)} failed"
    )


def dates_line(events: Sequence[Event]) -> str:
    """One line for a country whose only changes are dates: ``last updated 2015-03-06 →
    2016-01-10 · internet users › as of December 2013 → December 2014``."""
    parts = []
    for event in events:
        assert event.comparison is not None
        for change in event.comparison.changes:
            if is_date_bump(change):
                parts.append(f"{field_label(change)} {plain(change)}")
    return " · ".join(parts)
