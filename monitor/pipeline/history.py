"""Histories from the store: every readable snapshot of a country, diffed in order, and
the bookkeeping reports need (failures, countries checked in a period)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from monitor.core.periods import CountryHistory, Failure, PairDiff, Period, history_of, pair_diff
from monitor.edges.diffcache import DiffCache, cache_path
from monitor.edges.state import CountryState
from monitor.edges.store import Store
from monitor.errors import StoreError


def country_history(store: Store, slug: str, changes_of: PairDiff = pair_diff) -> CountryHistory:
    """Every readable snapshot of a country and the events between consecutive ones."""
    snapshots, unreadable = [], []
    for ref in store.refs(slug):
        try:
            snapshots.append(store.load(ref))
        except StoreError as exc:
            unreadable.append(str(exc))
    return history_of(slug, snapshots, unreadable, changes_of)


History = Callable[[Store, str], CountryHistory]
"""How a country's history is got: ``country_history``, or a cached equivalent (the service)."""


def all_histories(
    store: Store, slugs: Iterable[str] | None = None, history: History | None = None
) -> list[CountryHistory]:
    """Every country's history (or those named). ``history`` gets each one (the service
    caches them); by default per-pair diffs come from the diff cache
    (``snapshots/.cache/diffs.json``), which is then written back."""
    wanted = store.countries() if slugs is None else list(slugs)
    if history is not None:
        return [history(store, slug) for slug in wanted if store.refs(slug)]
    cache = DiffCache(cache_path(store.root))
    found = [country_history(store, slug, cache.diff) for slug in wanted if store.refs(slug)]
    if slugs is None:  # only a whole-store run may shrink the cache to what it used
        cache.save()
    return found


def states(store: Store) -> Iterator[tuple[str, CountryState]]:
    """Every country's state, including countries never stored (a failing first fetch)."""
    try:
        found = store.read_states()
    except StoreError:
        return
    yield from sorted(found.items())


def failures(store: Store) -> list[Failure]:
    """Countries whose last fetch failed, with the cause and since when."""
    return [
        Failure(
            slug,
            state.country or slug,
            state.last_error or "unknown error",
            state.failing_since.isoformat() if state.failing_since else None,
            state.consecutive_failures,
        )
        for slug, state in states(store)
        if state.consecutive_failures
    ]


def checked_in(store: Store, period: Period) -> list[str]:
    """Countries the monitor checked during the period (from ``.state.json``)."""
    return [
        slug
        for slug, state in states(store)
        if state.last_check and period.contains(state.last_check)
    ]
