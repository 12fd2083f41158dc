"""The analyst's questions, across countries and over time: ``search`` (the full-text
index), ``changes`` (every change, from the histories and the diff cache) and ``compare``
(countries side by side). The CLI and the service call these and render the same data,
so an API answer is exactly what ``--format json`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from monitor.core import refs as grammar
from monitor.core.diff import Change, yes_no
from monitor.core.overview import Overview, overview_of
from monitor.core.search import Hit, fts_query
from monitor.core.sidebyside import SideBySide, side_by_side
from monitor.edges.index import Index, Scope
from monitor.edges.store import Store, find_countries, find_country
from monitor.errors import QuestionError, SnapshotNotFound
from monitor.pipeline.gathering import from_histories
from monitor.pipeline.history import History, all_histories


def countries_named(store: Store, queries: Sequence[str]) -> list[str]:
    """The stored countries (slugs) the user named (or regions: ``region:africa``), in
    order, each once; none named means every country (an empty list)."""
    if not queries:
        return []
    found = find_countries(store, queries)
    if not found:
        raise SnapshotNotFound(f"no stored country in {', '.join(queries)}")
    return found


def bound(text: str | None, option: str) -> str | None:
    """A ``--from``/``--to`` value as a date prefix (``2016`` → ``2016``)."""
    if text is None or not text.strip():
        return None
    try:
        return grammar.date_bound(text)
    except ValueError as exc:
        raise QuestionError(f"{option}: {exc}") from exc


def _within(day: str, start: str | None, end: str | None) -> bool:
    """Whether ``day`` (``YYYY-MM-DD`` or a timestamp) is within the prefixes given."""
    digits = day.replace("-", "").replace("T", "").replace(":", "")
    if start and digits[: len(start)] < start:
        return False
    return not (end and digits[: len(end)] > end)


# -- search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchAnswer:
    query: str
    hits: tuple[Hit, ...]


def search(
    store: Store,
    query: str,
    countries: Sequence[str] = (),
    section: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    index: Index | None = None,
) -> SearchAnswer:
    """Where the words are, now and in the past: one hit per country and section."""
    match = fts_query(query)
    scope = Scope(
        tuple(countries_named(store, countries)),
        section.strip() if section and section.strip() else None,
        bound(date_from, "--from"),
        bound(date_to, "--to"),
    )
    own = index is None
    index = index or Index(store)
    try:
        return SearchAnswer(query, tuple(index.answer(match, scope)))
    finally:
        if own:
            index.close()


# -- changes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRow:
    """One change of one country between two consecutive snapshots."""

    slug: str
    country: str
    key: str  # Change.key: national_cirt, population, section:1.1.2:items
    change: Change
    old_ref: str
    new_ref: str
    published: str  # the newer snapshot's date ("Last updated", or first seen if undated)
    first_seen: bool  # that date is the day the monitor first saw it
    seen_at: datetime


@dataclass(frozen=True)
class ChangesAnswer:
    rows: tuple[ChangeRow, ...]


KINDS = ("added", "removed", "changed", "status")


def value_words(value: object, status: str | None) -> set[str]:
    """What ``--from-value``/``--to-value`` match: yes / no / unknown for an indicator,
    and its status word (``draft``); a figure or text as it is."""
    if isinstance(value, bool) or value is None:
        return {yes_no(value), *([status] if status else [])}
    return {str(value).lower()}


def _kind_of(change: Change, kinds: Sequence[str]) -> bool:
    """``status``: an indicator whose status word changed (``planned → draft``)."""
    if "status" in kinds and change.old_status != change.new_status:
        return True
    return change.kind in kinds


def changes(
    store: Store,
    fields: Sequence[str] = (),
    kinds: Sequence[str] = (),
    countries: Sequence[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    seen_from: str | None = None,
    seen_to: str | None = None,
    from_value: str | None = None,
    to_value: str | None = None,
    history: History | None = None,
) -> ChangesAnswer:
    """Every change between consecutive snapshots of every country (or those named) that
    passes all the filters given; oldest first."""
    start, end = bound(date_from, "--from"), bound(date_to, "--to")
    seen_start, seen_end = bound(seen_from, "--seen-from"), bound(seen_to, "--seen-to")
    for kind in kinds:
        if kind not in KINDS:
            raise QuestionError(f"--kind {kind!r}: one of {', '.join(KINDS)}")
    slugs = countries_named(store, countries)
    rows = []
    for found in all_histories(store, slugs or None, history):
        snapshots = {snap.ref.name: snap for snap in found.snapshots}
        for event in found.events:
            comparison = event.comparison
            if comparison is None:
                continue
            new = snapshots[event.ref]
            old = snapshots[comparison.old.ref]
            if not _within(new.ref.key, start, end):
                continue
            if not _within(event.seen_at.isoformat(), seen_start, seen_end):
                continue
            for change in comparison.changes:
                key = change.key
                if fields and not any(fnmatchcase(key, pattern) for pattern in fields):
                    continue
                if kinds and not _kind_of(change, kinds):
                    continue
                olds = value_words(change.old, change.old_status)
                if from_value is not None and from_value.strip().lower() not in olds:
                    continue
                news = value_words(change.new, change.new_status)
                if to_value is not None and to_value.strip().lower() not in news:
                    continue
                rows.append(
                    ChangeRow(
                        found.slug,
                        found.country,
                        key,
                        change,
                        old.ref.name,
                        new.ref.name,
                        new.ref.key,
                        new.dated_by == "first_seen",
                        event.seen_at,
                    )
                )
    rows.sort(key=lambda r: (r.published, r.slug, r.new_ref))
    return ChangesAnswer(tuple(rows))


# -- compare -------------------------------------------------------------------------------


def compare(store: Store, countries: Sequence[str], at: str | None = None) -> SideBySide:
    """Countries side by side, each at ``COUNTRY:REF`` when given so, else at ``at`` (a ref,
    or a date: the newest snapshot on or before it), else at its latest snapshot."""
    if len(countries) < 2:
        raise QuestionError("compare needs at least two countries")
    snapshots = []
    for named in countries:
        country, ref = grammar.split_country(named)
        if country is None:
            country, ref = named, at or "latest"
        slug = find_country(store, country)
        snapshots.append(store.load(grammar.as_of(store.refs(slug), ref, slug)))
    return side_by_side(snapshots)


def overview(store: Store, history: History | None = None) -> Overview:
    """Every country's state now (what ``reports/overview.html`` shows)."""
    found = from_histories(tuple(all_histories(store, history=history)))
    return overview_of(list(found.nows.values()), found.marks)
