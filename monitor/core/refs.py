"""The one grammar for naming a stored version, a report period or a date range.

Refs, wherever a snapshot is named (CLI, service, reports):

- ``YYYY-MM-DD``: the newest revision stored under that date; ``YYYY-MM-DD.rN``: revision N
- ``YYYY`` or ``YYYY-MM``: the newest snapshot dated within that year or month
- ``latest``, ``previous`` (= ``latest~1``), ``first``, ``latest~N``, ``first~N``
- ``COUNTRY:REF``: a ref of another country (``monitor diff kenya latest uganda:latest``)

Periods (report file names, ``/2026-W47.html``): an ISO week ``2026-W47`` or
``since-2026-01-01``. Date bounds (``--from``/``--to``): ``2015``, ``2015-03``, ``2015-03-06``.

Pure: names in, answers out; what is stored is given by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from monitor.core.snapshot import SnapshotRef
from monitor.errors import SnapshotNotFound

_DATED = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:\.r(\d+))?)?)?$")
_RELATIVE = re.compile(r"^(latest|first)(?:~(\d+))?$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_SINCE = re.compile(r"^since-(\d{4}-\d{2}-\d{2})$")
_BOUND = re.compile(r"^\d{4}(?:-?\d{2}){0,2}(?:\d{2}){0,3}$")  # also an archive timestamp


class Exactness(Enum):
    """How long an answer about a ref stays right (what a cache may assume)."""

    REVISION = "revision"  # YYYY-MM-DD.rN: one stored file, never rewritten
    DATED = "dated"  # a date, month or year: a newer revision (or version) may come
    MOVING = "moving"  # latest, previous, first, latest~N: moves with every fetch


@dataclass(frozen=True)
class Ref:
    """A parsed ref: a dated prefix (``2016``, ``2016-02``, ``2016-02-10``, with an
    optional revision) or a position counted from the newest or the oldest."""

    text: str  # as the user wrote it
    prefix: str | None = None  # dated: the stored dates it covers start with this
    revision: int | None = None  # dated to the day: this revision only
    day: bool = False  # dated to the day (not a year or month)
    from_latest: bool = True  # relative: counted from the newest (else from the oldest)
    back: int = 0  # relative: how many versions away from that end

    @property
    def exactness(self) -> Exactness:
        if self.revision is not None:
            return Exactness.REVISION
        return Exactness.DATED if self.prefix is not None else Exactness.MOVING


def parse_ref(text: str) -> Ref | None:
    """The ref ``text`` spells (any case, spaces around ignored); None if it is no ref."""
    wanted = text.strip().lower()
    if wanted == "previous":
        wanted = "latest~1"
    relative = _RELATIVE.match(wanted)
    if relative:
        return Ref(
            text, from_latest=relative.group(1) == "latest", back=int(relative.group(2) or 0)
        )
    dated = _DATED.match(wanted)
    if not dated:
        return None
    year, month, day, revision = dated.groups()
    prefix = "-".join(part for part in (year, month, day) if part)
    return Ref(text, prefix, int(revision) if revision else None, day=day is not None)


def pick(refs: Sequence[SnapshotRef], text: str, slug: str) -> SnapshotRef:
    """The stored version ``text`` names among a country's ``refs`` (oldest first).

    A ref that names nothing is a ``SnapshotNotFound`` listing what is stored."""
    if not refs:
        raise SnapshotNotFound(f"{slug}: no snapshots stored")
    ref = parse_ref(text)
    if ref is not None and ref.prefix is None:
        index = len(refs) - 1 - ref.back if ref.from_latest else ref.back
        if 0 <= index < len(refs):
            return refs[index]
        raise SnapshotNotFound(
            f"{slug}: {text} goes beyond the {len(refs)} snapshots stored ({listed(refs)})"
        )
    if ref is not None and ref.prefix is not None:
        found = [r for r in refs if _within(r.key, ref)]
        if ref.revision is not None:
            found = [r for r in found if r.revision == ref.revision]
        if found:
            return found[-1]
    raise SnapshotNotFound(f"{slug}: no snapshot {text!r}; stored: {listed(refs)}")


def as_of(refs: Sequence[SnapshotRef], text: str, slug: str) -> SnapshotRef:
    """The version a country had at a date (``2016``, ``2016-02``, ``2016-02-10``): the
    newest dated on or before it; any other ref as ``pick`` reads it."""
    ref = parse_ref(text)
    if ref is None or ref.prefix is None or ref.revision is not None:
        return pick(refs, text, slug)
    found = [r for r in refs if r.key[: len(ref.prefix)] <= ref.prefix]
    if not found:
        raise SnapshotNotFound(
            f"{slug}: nothing stored on or before {text}; stored: {listed(refs)}"
        )
    return found[-1]


def _within(key: str, ref: Ref) -> bool:
    assert ref.prefix is not None
    return key == ref.prefix if ref.day else key.startswith(f"{ref.prefix}-")


def listed(refs: Sequence[SnapshotRef], limit: int = 12) -> str:
    """Stored versions for an error message: the oldest and newest when there are many."""
    names = [r.name for r in refs]
    if len(names) > limit:
        names = [*names[: limit // 2], "…", *names[-limit // 2 :]]
    return ", ".join(names)


def exactness(*texts: str) -> Exactness:
    """How long an answer about all these refs stays right: as long as its least exact."""
    found = {ref.exactness if ref else Exactness.MOVING for ref in map(parse_ref, texts)}
    for level in (Exactness.MOVING, Exactness.DATED):
        if level in found:
            return level
    return Exactness.REVISION


def version(name: str) -> tuple[str, int] | None:
    """A stored version's own name (``2015-03-06``, ``2015-03-06.r2``: what the store
    writes) → its date and revision; None for anything else (a path, a relative ref)."""
    found = _DATED.match(name)
    if found is None or found.group(3) is None:
        return None
    year, month, day, revision = found.groups()
    return f"{year}-{month}-{day}", int(revision or 1)


def split_country(text: str) -> tuple[str | None, str]:
    """``uganda:latest`` → (``uganda``, ``latest``); a ref without a country → (None, it)."""
    country, colon, rest = text.partition(":")
    if not colon or not country or not rest:
        return None, text
    return country, rest


# -- periods and date bounds ----------------------------------------------------------------


@dataclass(frozen=True)
class PeriodName:
    """A period label, parsed: an ISO week (``year``, ``week``) or ``since`` a day."""

    year: int = 0
    week: int = 0
    since: str | None = None  # YYYY-MM-DD


def parse_period(label: str) -> PeriodName | None:
    """``2026-W47`` or ``since-2026-01-01`` (what report files are named); None otherwise.
    Whether the week or day exists is the calendar's business (``core/periods``)."""
    week = _WEEK.match(label)
    if week:
        return PeriodName(int(week.group(1)), int(week.group(2)))
    since = _SINCE.match(label)
    return PeriodName(since=since.group(1)) if since else None


def date_bound(text: str) -> str:
    """``2015``, ``2015-03``, ``2015-03-06`` (or an archive timestamp such as
    ``20150306120000``) → the timestamp prefix it stands for (``201503``); a ``ValueError``
    saying what a date looks like otherwise."""
    if not _BOUND.match(text.strip()):
        raise ValueError(f"{text!r} is not a date like 2015, 2015-03 or 2015-03-06")
    return text.strip().replace("-", "")
