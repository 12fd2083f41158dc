"""Histories from the store: every readable snapshot of a country, diffed in order, and
the bookkeeping reports need (failures, countries checked in a period)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from monitor.core.periods import CountryHistory, Failure, Period, history_of
from monitor.edges.state import CountryState
from monitor.edges.store import Store
from monitor.errors import StoreError


def country_history(store: Store, slug: str) -> CountryHistory:
    """Every readable snapshot of a country and the events between consecutive ones."""
    snapshots, unreadable = [], []
    for ref in store.refs(slug):
        try:
            snapshots.append(store.load(ref))
        except StoreError as exc:
            unreadable.append(str(exc))
    return history_of(slug, snapshots, unreadable)


History = Callable[[Store, str], CountryHistory]
"""How a country's history is got: ``country_history``, or a cached equivalent (the service)."""


def all_histories(store: Store, history: History = country_history) -> list[CountryHistory]:
    return [history(store, slug) for slug in store.countries() if store.refs(slug)]


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
            state.failing_since,
            state.consecutive_failures,
        )
        for slug, state in states(store)
        if state.consecutive_failures
    ]


def checked_in(store: Store, period: Period) -> list[str]:
    """Countries the monitor checked during the period (from state.json)."""
    return [
        slug
        for slug, state in states(store)
        if state.last_check and period.contains(datetime.fromisoformat(state.last_check))
    ]
