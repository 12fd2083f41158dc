"""What changed between two profiles, field by field, named for policy analysts.

deepdiff finds the differences between two comparison views of the profiles; this module
decides what the views hold (instrument lists as sets, so order is never a change; only
fields a reader cares about) and names each finding (``1.1.2 Regulation and Compliance ›
items``). Pure: profiles in, ``Change`` records out.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

from monitor.core.jsonform import Moment, check_moments
from monitor.core.profile import INDICATORS, Indicator, Profile, Section

Kind = Literal["added", "removed", "changed"]
Value = str | int | float | bool | None

SEP = " › "


@dataclass(frozen=True)
class WordRun:
    """A run of words in a prose diff: kept, inserted or deleted."""

    op: Literal["equal", "insert", "delete"]
    text: str


@dataclass(frozen=True)
class Change:
    """One finding of the diff: ``path`` for people, ``key`` for programs (exports, filters);
    an indicator's statuses travel with its values, so ``planned → draft`` is a change."""

    path: str  # readable: "1.1.2 Regulation and Compliance › items"
    kind: Kind
    old: Value
    new: Value
    group: str  # what reports group by: "indicators", "profile", "background" or a section number
    field: str  # "items", "text", "population", "national_cirt", "section", …
    summary: str = ""  # one line for people: "33 703 000 → 36 004 552 (+6.8 %)"
    words: tuple[WordRun, ...] = ()  # prose only
    old_status: str | None = None  # indicators: the status word each side gives ("draft")
    new_status: str | None = None
    note: str | None = None  # figures: a doubt about the value ("irregular digit grouping")

    @property
    def key(self) -> str:
        """The stable name of the field, for programs to filter on (the display ``path``
        may be reworded): ``national_cirt``, ``population``, ``population.source``,
        ``last_updated``, ``section:1.1.2:items``, ``section:1.1.2`` (a whole section)."""
        if self.group in _GROUP_ORDER:
            return self.field
        if self.field == "section":
            return f"section:{self.group}"
        return f"section:{self.group}:{self.field}"


_GROUP_ORDER = {"indicators": 0, "profile": 1, "background": 2}
_FIELD_ORDER = {
    "section": 0,
    "title": 1,
    "text": 2,
    "items": 3,
    "links": 4,
    **{key: index for index, key in enumerate(INDICATORS)},  # indicators in reading order
}
_BACKGROUND = {"population": "population", "internet_users_pct": "internet users"}


def diff(old: Profile, new: Profile) -> list[Change]:
    """Every change from ``old`` to ``new``; empty when they say the same thing."""
    if old == new:
        return []
    from deepdiff import DeepDiff

    a, b = _views(old, new)
    # threshold_to_diff_deeper=0: never report a whole dict as "changed" for having few keys
    # in common: a section that appears is one addition, one that goes is one removal.
    tree = DeepDiff(a, b, view="tree", threshold_to_diff_deeper=0)
    changes: list[Change] = []
    for report, levels in tree.items():
        for level in levels:
            path = level.path(output_format="list")
            changes.append(_name(report, path, level.t1, level.t2, old, new))
    return sorted(changes, key=_order)


def _views(old: Profile, new: Profile) -> tuple[dict[str, Any], dict[str, Any]]:
    """What deepdiff compares: only the parts that differ, as plain data.

    Sections equal on both sides are left out (the profile is mostly unchanged between
    versions, and deepdiff's cost grows with what it walks); lists of items and links are
    frozensets, so a re-ordering is not a change and an edit is one removal plus one addition.
    """
    views: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    for view, profile in zip(views, (old, new), strict=True):
        # value and status as one word ("no (draft)"): planned → draft is a change too
        view["indicators"] = {
            k: finding_word(f.value, f.status) for k, f in profile.indicators.items()
        }
        view["profile"] = {
            "last_updated": profile.last_updated.isoformat() if profile.last_updated else None,
            "official_name": profile.official_name,
        }
        view["background"] = {
            key: _indicator_view(getattr(profile.background, key)) for key in _BACKGROUND
        }
        view["sections"] = {}
    for number in old.sections.keys() | new.sections.keys():
        before, after = old.sections.get(number), new.sections.get(number)
        if before == after:
            continue
        if before is not None:
            views[0]["sections"][number] = _section_view(before)
        if after is not None:
            views[1]["sections"][number] = _section_view(after)
    return views


def _indicator_view(indicator: Indicator) -> dict[str, Value]:
    return {"value": indicator.value, "source": indicator.source, "as_of": indicator.as_of}


def _section_view(section: Section) -> dict[str, Any]:
    return {
        "title": section.title,
        "text": section.text,
        "items": frozenset(section.items),
        "links": frozenset(section.links),
    }


def _present(value: Any) -> Any:
    return None if type(value).__name__ == "NotPresent" else value


def _name(report: str, path: list[Any], t1: Any, t2: Any, old: Profile, new: Profile) -> Change:
    t1, t2 = _present(t1), _present(t2)
    top = path[0]
    if top == "indicators":
        key = path[1]
        return _indicator_change(key, old, new)
    if top == "profile":
        field = path[1]
        label = {"last_updated": "last updated", "official_name": "official name"}[field]
        return Change(
            f"Profile{SEP}{label}", _kind(t1, t2), t1, t2, "profile", field, _arrow(t1, t2)
        )
    if top == "background":
        return _background_change(path, t1, t2, old, new)
    return _section_change(report, path, t1, t2, old, new)


def _section_change(
    report: str, path: list[Any], t1: Any, t2: Any, old: Profile, new: Profile
) -> Change:
    number = path[1]
    section = new.sections.get(number) or old.sections[number]
    heading = f"{number} {section.title}"
    if len(path) == 2:  # a whole section appeared or disappeared: one change, not one per field
        if report == "dictionary_item_added":
            text = new.sections[number].text
            return Change(heading, "added", None, text, number, "section", "section added")
        text = old.sections[number].text
        return Change(heading, "removed", text, None, number, "section", "section removed")
    field = path[2]
    where = f"{heading}{SEP}{field}"
    if field in ("items", "links"):
        if report == "set_item_added":
            return Change(where, "added", None, t2, number, field, f"+ {t2}")
        return Change(where, "removed", t1, None, number, field, f"- {t1}")
    if field == "text":
        t1, t2 = t1 or None, t2 or None
        words = word_diff(t1 or "", t2 or "")
        return Change(where, _kind(t1, t2), t1, t2, number, "text", "wording changed", words)
    return Change(where, _kind(t1, t2), t1, t2, number, field, _arrow(t1, t2))


def _indicator_change(key: str, old: Profile, new: Profile) -> Change:
    before, after = old.indicators.get(key), new.indicators.get(key)
    label = (after or before).label  # type: ignore[union-attr]
    t1, s1 = (before.value, before.status) if before else (None, None)
    t2, s2 = (after.value, after.status) if after else (None, None)
    evidence = (after.evidence if after else None) or (before.evidence if before else None)
    summary = f"{finding_word(t1, s1)} → {finding_word(t2, s2)}"
    summary += f": {evidence}" if evidence else ""
    where = f"Indicators{SEP}{label}"
    return Change(where, "changed", t1, t2, "indicators", key, summary, (), s1, s2)


def finding_word(value: bool | None, status: str | None) -> str:
    """``yes``, ``no``, ``no (draft)``, ``unknown``: a finding as people read it."""
    return f"{yes_no(value)} ({status})" if status else yes_no(value)


POPULATION_JUMP = 5  # times, either way: an order of magnitude is a misprint or a misreading
USERS_FALL = 0.5  # internet users that fall by half or more between two editions


def figure_doubt(key: str, old: float | None, new: float | None) -> str | None:
    """Why a figure is doubtful given the snapshot before it, or None. Populations do not
    move fivefold and internet use does not halve between two editions of a profile: the
    value is kept as printed, with this note beside it wherever it is shown."""
    if old is None or new is None or old <= 0:
        return None
    ratio = new / old
    if key == "population" and not 1 / POPULATION_JUMP < ratio < POPULATION_JUMP:
        before = format_number(old)
        return f"{ratio:.2g} times the snapshot before ({before}): check the document"
    if key == "internet_users_pct" and ratio <= USERS_FALL:
        before = format_number(old, percent=True)
        return f"internet users fell from {before} in the snapshot before: check the document"
    return None


def figure_note(key: str, old: Indicator | None, new: Indicator) -> str | None:
    """Everything doubtful about a figure, given the snapshot before it (None for a first
    snapshot): the document's own note (irregular digit grouping, …), then any jump."""
    doubt = figure_doubt(key, old.value, new.value) if old is not None else None
    return "; ".join(n for n in (new.note, doubt) if n) or None


def _background_change(path: list[Any], t1: Any, t2: Any, old: Profile, new: Profile) -> Change:
    key, part = path[1], path[2]
    label = _BACKGROUND[key]
    if part == "value":
        summary = number_change(t1, t2, percent=key == "internet_users_pct")
        before, after = getattr(old.background, key), getattr(new.background, key)
        note = figure_note(key, before, after)
        if before.note and before.note != after.note:
            note = "; ".join(n for n in (f"before: {before.note}", note) if n)
        summary += f" [note: {note}]" if note else ""
        return Change(
            f"Background{SEP}{label}",
            _kind(t1, t2),
            t1,
            t2,
            "background",
            key,
            summary,
            note=note,
        )
    what = "data source" if part == "source" else "as of"
    return Change(
        f"Background{SEP}{label}{SEP}{what}",
        _kind(t1, t2),
        t1,
        t2,
        "background",
        f"{key}.{part}",
        _arrow(t1, t2),
    )


def format_number(value: float | None, percent: bool = False) -> str:
    """``33 703 000`` (thin groups, as the profiles print them), ``9.2 %``, or "not stated"."""
    if value is None:
        return "not stated"
    if percent:
        return f"{value:g} %"
    return f"{value:,}".replace(",", " ")


def yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def number_change(old: float | None, new: float | None, *, percent: bool) -> str:
    """``33 703 000 → 36 004 552 (+2 301 552, +6.8 %)``; percentages move by points."""
    text = f"{format_number(old, percent)} → {format_number(new, percent)}"
    if old is None or new is None:
        return text
    delta = new - old
    if percent:
        return f"{text} ({delta:+.2f} points)"
    sign = "+" if delta >= 0 else "-"
    relative = f", {delta / old * 100:+.1f} %" if old else ""
    return f"{text} ({sign}{format_number(abs(delta))}{relative})"


def word_diff(old: str, new: str) -> tuple[WordRun, ...]:
    """Runs of equal, deleted and inserted words; a replacement is a deletion, then an insertion.

    difflib's matching depends on argument order, so both directions are computed the same
    way (from the smaller text) and flipped: diff(b, a) is always diff(a, b) reversed.
    """
    if old <= new:
        return _word_runs(old, new)
    flip = {"insert": "delete", "delete": "insert", "equal": "equal"}
    runs = [WordRun(flip[r.op], r.text) for r in _word_runs(new, old)]  # type: ignore[arg-type]
    for i in range(len(runs) - 1):  # keep "delete, then insert" inside each replacement
        if runs[i].op == "insert" and runs[i + 1].op == "delete":
            runs[i], runs[i + 1] = runs[i + 1], runs[i]
    return tuple(runs)


def _word_runs(old: str, new: str) -> tuple[WordRun, ...]:
    a, b = old.split(), new.split()
    runs: list[WordRun] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(WordRun("equal", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            runs.append(WordRun("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(WordRun("insert", " ".join(b[j1:j2])))
    return tuple(runs)


def _kind(old: Any, new: Any) -> Kind:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    return "changed"


def _arrow(old: Any, new: Any) -> str:
    return f"{'—' if old is None else old} → {'—' if new is None else new}"


def number_order(group: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in group.split("."))
    except ValueError:
        return (999,)


def _order(change: Change) -> tuple[Any, ...]:
    rank = _GROUP_ORDER.get(change.group, 3)
    return (
        rank,
        number_order(change.group) if rank == 3 else (),
        _FIELD_ORDER.get(change.field, 99),
        change.field,
        change.kind,
        str(change.old),
        str(change.new),
    )


@dataclass(frozen=True)
class Side:
    """One end of a comparison: which snapshot (or local file) and where it came from."""

    ref: str
    last_updated: str | None
    source: str | None = None
    seen_at: Moment | None = None

    def __post_init__(self) -> None:
        check_moments(seen_at=self.seen_at)


@dataclass(frozen=True)
class Comparison:
    slug: str
    country: str
    old: Side
    new: Side
    changes: tuple[Change, ...]


def compare(
    slug: str, country: str, old: tuple[Side, Profile], new: tuple[Side, Profile]
) -> Comparison:
    return Comparison(slug, country, old[0], new[0], tuple(diff(old[1], new[1])))


def group_title(change: Change) -> str:
    """The heading a change is listed under in reports."""
    if change.group == "indicators":
        return "Indicators"
    if change.group == "profile":
        return "Profile"
    if change.group == "background":
        return "Background"
    return change.path.split(SEP)[0]
