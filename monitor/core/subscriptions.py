"""Who wants to hear what: a subscription's filters (countries, fields, kinds of change)
applied to what one country's run says. Pure: notices in, the part a subscriber wants out.

A ``Notice`` is everything one run has to say about one country: its changes since the
version before, or that it is newly monitored, that its source keeps failing, works again
or has not been checked for long. Filters narrow a notice's changes; a notice with none
left is not sent at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Literal

from monitor.core.countries import countries_in

if TYPE_CHECKING:
    from monitor.core.diff import Change  # a fetch imports this module, not the diff

# Kinds of change a subscription may ask for; "new" is a newly monitored country, "error"
# a source that fails, works again, or went stale.
KINDS = ("indicator", "status", "instrument", "figure", "text", "date", "new", "error")
WHEN = ("change", "digest")

Topic = Literal["change", "new", "error", "recovered", "stale"]


@dataclass(frozen=True)
class Subscription:
    """One ``[[notify]]`` table: where to send, and what."""

    name: str
    urls: tuple[str, ...]  # Apprise URLs, ``${ENV}`` not yet expanded (secrets stay out)
    countries: frozenset[str] | None = None  # ISO alpha-2 codes; None: every country
    fields: tuple[str, ...] = ()  # field-key globs; empty: every field
    kinds: tuple[str, ...] = KINDS
    when: str = "change"  # "change": after each fetch or backfill; "digest": weekly


@dataclass(frozen=True)
class Notice:
    """What one run says about one country."""

    slug: str
    country: str
    iso2: str | None
    iso3: str | None
    topic: Topic
    old_ref: str | None = None
    new_ref: str | None = None
    changes: tuple[Change, ...] = ()
    detail: str = ""  # the error, the failure count, how long stale
    seen_at: datetime | None = None

    @property
    def refs(self) -> str:
        """What the idempotency key names: the versions compared, or the state announced."""
        if self.topic in ("change", "new"):
            return f"{self.old_ref or ''}..{self.new_ref or ''}"
        return f"{self.topic}:{self.detail}"


def subscribe(
    name: str,
    urls: Sequence[str] = (),
    countries: Sequence[str] = (),
    fields: Sequence[str] = (),
    kinds: Sequence[str] = (),
    when: str = "change",
) -> Subscription:
    """A subscription from what a person wrote (a ``[[notify]]`` table, a feed's query):
    countries by name, code or ``region:…``; ``ValueError`` naming the key for a country,
    region, kind or ``when`` that is none."""
    members: set[str] | None = None
    for country in countries:
        try:
            members = (members or set()) | countries_in(country)
        except LookupError as exc:
            raise ValueError(f"countries: {exc}") from exc
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"kinds: {kind!r} is not one of {', '.join(KINDS)}")
    if when not in WHEN:
        raise ValueError(f'when: must be "change" or "digest", not {when!r}')
    chosen = frozenset(members) if members is not None else None
    return Subscription(name, tuple(urls), chosen, tuple(fields), tuple(kinds) or KINDS, when)


def kind_of(change: Change) -> str:
    """The kind of change a subscription filters on."""
    if change.group == "indicators":
        return "indicator" if change.old != change.new else "status"  # same value: its status
    if change.group == "background":
        return "figure"
    if change.group == "profile":
        return "date" if change.field == "last_updated" else "text"
    return "instrument" if change.field == "items" else "text"


def wants_field(subscription: Subscription, change: Change) -> bool:
    key = change.key
    return not subscription.fields or any(fnmatchcase(key, p) for p in subscription.fields)


def select(subscription: Subscription, notice: Notice) -> Notice | None:
    """The part of ``notice`` the subscription asks for, or None when nothing is left.

    Countries filter every notice; ``kinds`` decide on new countries ("new") and failing,
    recovered or stale sources ("error"); ``fields`` and ``kinds`` both filter changes."""
    if subscription.countries is not None and notice.iso2 not in subscription.countries:
        return None
    if notice.topic == "new":
        return notice if "new" in subscription.kinds else None
    if notice.topic != "change":
        return notice if "error" in subscription.kinds else None
    changes = tuple(
        c
        for c in notice.changes
        if kind_of(c) in subscription.kinds and wants_field(subscription, c)
    )
    return replace(notice, changes=changes) if changes else None
