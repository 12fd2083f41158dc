"""What a digest says first: who gained an indicator, new laws, figures updated, countries
new to the monitor; and the order its countries are listed in (substance first, countries
whose only change is a date collapsed to one line each). Pure: a ``Digest`` in, data out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from monitor.core.diff import SEP, Change
from monitor.core.periods import Digest, Event, Period

LAW_SECTIONS = ("1.1.1", "1.1.2", "2.1")  # where legal instruments are listed


def span(period: Period) -> str:
    """``2026-11-23 to 2026-11-29``: a week runs Monday to Sunday (its end is exclusive)."""
    last = period.end - timedelta(microseconds=1)
    return f"{period.start.date().isoformat()} to {last.date().isoformat()}"


def is_date_bump(change: Change) -> bool:
    """Only a date moved: the profile's "Last updated" or a figure's "as of"."""
    return (change.group == "profile" and change.field == "last_updated") or change.path.endswith(
        f"{SEP}as of"
    )


@dataclass(frozen=True)
class DigestSummary:
    span: str
    new: tuple[str, ...]  # countries first seen in the period (names)
    changed: tuple[str, ...]  # slugs
    unchanged: tuple[str, ...]  # slugs checked, not new, not changed, not failing
    failed: tuple[str, ...]  # slugs
    gained: tuple[tuple[str, tuple[str, ...]], ...]  # indicator key → countries now "yes"
    lost: tuple[tuple[str, tuple[str, ...]], ...]  # indicator key → countries no longer "yes"
    # (indicator key, status) → countries whose "no" now has that status ("draft"), including
    # a "yes" become "defunct"; these countries are not also listed under ``lost``
    statuses: tuple[tuple[tuple[str, str], tuple[str, ...]], ...]
    # (indicator key, status) → countries whose "no" had that status and has none now (a
    # draft no longer mentioned): the document took something back, and says so
    dropped: tuple[tuple[tuple[str, str], tuple[str, ...]], ...]
    new_laws: tuple[str, ...]  # countries with an instrument added in 1.1.1, 1.1.2 or 2.1
    figures_updated: tuple[str, ...]  # countries whose population or internet users changed
    substantive: tuple[tuple[str, tuple[Event, ...]], ...]  # (country, events), by name
    dates_only: tuple[tuple[str, tuple[Event, ...]], ...]  # countries whose only change is a date


K = TypeVar("K", str, tuple[str, str])


def _by_key(pairs: Sequence[tuple[K, str]]) -> tuple[tuple[K, tuple[str, ...]], ...]:
    out: dict[K, set[str]] = {}
    for key, country in pairs:
        out.setdefault(key, set()).add(country)
    return tuple((key, tuple(sorted(names))) for key, names in out.items())


def summarise(digest: Digest) -> DigestSummary:
    gained: list[tuple[str, str]] = []
    lost: list[tuple[str, str]] = []
    statuses: list[tuple[tuple[str, str], str]] = []
    dropped: list[tuple[tuple[str, str], str]] = []
    laws: set[str] = set()
    figures: set[str] = set()
    substantive, dates_only = [], []
    for country, events in digest.by_country():
        changes = [c for e in events if e.comparison for c in e.comparison.changes]
        for change in changes:
            if change.group == "indicators" and change.new is True and change.old is not True:
                gained.append((change.field, country))
            elif change.group == "indicators" and change.new_status:
                statuses.append(((change.field, change.new_status), country))
            elif change.group == "indicators" and change.old is True and change.new is not True:
                lost.append((change.field, country))
            elif change.group == "indicators" and change.old_status and change.new is not True:
                dropped.append(((change.field, change.old_status), country))
            elif change.group in LAW_SECTIONS and change.field == "items" and change.new:
                laws.add(country)
            elif change.group == "background" and change.field in (
                "population",
                "internet_users_pct",
            ):
                figures.add(country)
        if all(is_date_bump(c) for c in changes):
            dates_only.append((country, tuple(events)))
        else:
            substantive.append((country, tuple(events)))
    new = tuple(sorted({e.country for e in digest.first_seen}))
    new_slugs = {e.slug for e in digest.first_seen}
    changed = tuple(digest.changed_countries)
    failed = tuple(digest.failed_countries)
    unchanged = tuple(s for s in digest.unchanged_countries if s not in new_slugs)
    return DigestSummary(
        span=span(digest.period),
        new=new,
        changed=changed,
        unchanged=unchanged,
        failed=failed,
        gained=_by_key(gained),
        lost=_by_key(lost),
        statuses=_by_key(statuses),
        dropped=_by_key(dropped),
        new_laws=tuple(sorted(laws)),
        figures_updated=tuple(sorted(figures)),
        substantive=tuple(substantive),
        dates_only=tuple(dates_only),
    )
