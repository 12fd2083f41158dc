"""Countries side by side: every indicator (equal values too) with its status and evidence,
the background figures, and per section what each country lists, shared or its own.

Unlike a diff of two countries (every word differs, ``[-Kenya-] {+Uganda+}``), this shows
what they have in common as plainly as what sets them apart. Pure: snapshots in, data out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.core.diff import format_number, number_order, yes_no
from monitor.core.overview import dated
from monitor.core.profile import INDICATORS, Finding
from monitor.core.snapshot import Snapshot


@dataclass(frozen=True)
class Column:
    slug: str
    country: str
    ref: str
    dated: str  # the "Last updated" day, or the first-seen day (see ``first_seen``)
    first_seen: bool


@dataclass(frozen=True)
class Cell:
    value: str  # yes / no / unknown, or a figure as printed
    status: str | None = None
    evidence: str | None = None  # the sentence a finding was read from; a figure's source


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]  # one per column

    @property
    def equal(self) -> bool:
        return len({(c.value, c.status) for c in self.cells}) == 1


@dataclass(frozen=True)
class Listed:
    """One section's list entries: those every country lists, and each one's own."""

    number: str
    title: str
    shared: tuple[str, ...]
    own: tuple[tuple[str, ...], ...]  # per column: listed there and not by every country


@dataclass(frozen=True)
class SideBySide:
    columns: tuple[Column, ...]
    indicators: tuple[Row, ...]
    background: tuple[Row, ...]
    sections: tuple[Listed, ...]


def _finding(found: Finding | None) -> Cell:
    if found is None:
        return Cell("unknown")
    return Cell(yes_no(found.value), found.status, found.evidence)


def side_by_side(snapshots: Sequence[Snapshot]) -> SideBySide:
    """The countries these snapshots are of, compared (in the order given)."""
    columns = []
    for snap in snapshots:
        when = dated(snap)
        columns.append(
            Column(snap.ref.slug, snap.profile.country, snap.ref.name, when.day, when.first_seen)
        )
    keys = [k for k in INDICATORS if any(k in s.profile.indicators for s in snapshots)]
    indicators = tuple(
        Row(
            key,
            INDICATORS[key],
            tuple(_finding(s.profile.indicators.get(key)) for s in snapshots),
        )
        for key in keys
    )
    background = tuple(
        Row(
            key,
            label,
            tuple(
                Cell(
                    format_number(getattr(s.profile.background, key).value, percent=percent),
                    None,
                    " · ".join(
                        part
                        for part in (
                            getattr(s.profile.background, key).source,
                            getattr(s.profile.background, key).as_of,
                        )
                        if part
                    )
                    or None,
                )
                for s in snapshots
            ),
        )
        for key, label, percent in (
            ("population", "population", False),
            ("internet_users_pct", "internet users", True),
        )
    )
    numbers: dict[str, str] = {}
    for snap in snapshots:
        for number, section in snap.profile.sections.items():
            if section.items:
                numbers.setdefault(number, section.title)
    sections = []
    for number, title in sorted(numbers.items(), key=lambda kv: number_order(kv[0])):
        lists = [
            s.profile.sections[number].items if number in s.profile.sections else ()
            for s in snapshots
        ]
        shared = [item for item in lists[0] if all(item in other for other in lists[1:])]
        own = tuple(tuple(item for item in items if item not in shared) for items in lists)
        sections.append(Listed(number, title, tuple(shared), own))
    return SideBySide(tuple(columns), indicators, background, tuple(sections))
