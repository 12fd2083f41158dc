"""Plain text for people: one comparison, one profile, one period's digest, and the words
every other rendering shares (a change's label and value, counts, the digest's headline).

Pure: data in, str out. Colour is ANSI, and only when the caller asks (the CLI asks only on
a terminal).
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from monitor.core.diff import WordRun, format_number, group_title, yes_no
from monitor.core.refs import version

if TYPE_CHECKING:
    from monitor.core.diff import Change, Comparison, Side
    from monitor.core.periods import Digest, Event
    from monitor.core.profile import Indicator, Profile
    from monitor.core.summary import DigestSummary

CONTEXT_WORDS = 8  # unchanged words kept around each change in prose
MAX_SHOWN = 2_000  # characters of one value shown in a report: a bound on page size


def bounded(text: str, limit: int = MAX_SHOWN) -> str:
    """``text``, or its start and a note of how much more the stored snapshot holds."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … ({len(text) - limit:,} more characters in the stored snapshot)"


_ANSI = {"red": 31, "green": 32, "yellow": 33, "cyan": 36}


def style(text: str, colour: str, *, bold: bool = False) -> str:
    """``text`` in an ANSI colour (the codes click.style writes)."""
    weight = "\x1b[1m" if bold else ""
    return f"\x1b[{_ANSI[colour]}m{weight}{text}\x1b[0m"


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 source``, ``2 sources``, ``0 countries``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def grouped(changes: Sequence[Change]) -> list[tuple[str, list[Change]]]:
    """Changes under their headings, in the order the diff gives (indicator flips first)."""
    return [(title, list(group)) for title, group in itertools.groupby(changes, group_title)]


def trimmed(words: tuple[WordRun, ...], context: int = CONTEXT_WORDS) -> list[WordRun]:
    """Long unchanged runs shortened to a few words either side of each change."""
    out = []
    for index, run in enumerate(words):
        if run.op != "equal":
            out.append(WordRun(run.op, bounded(run.text)) if len(run.text) > MAX_SHOWN else run)
            continue
        parts = run.text.split()
        first, last = index == 0, index == len(words) - 1
        if len(parts) <= 2 * context or (first and last):
            out.append(run)
        elif first:
            out.append(WordRun("equal", "… " + " ".join(parts[-context:])))
        elif last:
            out.append(WordRun("equal", " ".join(parts[:context]) + " …"))
        else:
            out.append(
                WordRun("equal", " ".join(parts[:context]) + " … " + " ".join(parts[-context:]))
            )
    return out


_SYMBOL = {"added": "+", "removed": "-", "changed": "~"}


def field_label(change: Change) -> str:
    return change.path.split(" › ", 1)[1] if " › " in change.path else change.field


def plain(change: Change) -> str:
    if change.field in ("items", "links"):
        return bounded(str(change.new if change.kind == "added" else change.old))
    return bounded(change.summary)


def prose(
    words: tuple[WordRun, ...],
    delete: Callable[[str], str] = lambda t: f"[-{t}-]",
    insert: Callable[[str], str] = lambda t: f"{{+{t}+}}",
    equal: Callable[[str], str] = lambda t: t,
) -> str:
    """A word diff as one line, long unchanged stretches shortened; the markers are the
    caller's (git-style brackets by default, colours, Markdown)."""
    marks = {"equal": equal, "delete": delete, "insert": insert}
    return " ".join(marks[run.op](run.text) for run in trimmed(words))


def change_text(change: Change, paint: Callable[[str, str], str] = lambda t, _: t) -> str:
    """One change as a line of plain text: ``+ items: Cyber Security Law``."""
    symbol = _SYMBOL[change.kind]
    head = paint(symbol, {"+": "green", "-": "red", "~": "yellow"}[symbol])
    if change.words:
        words = prose(
            change.words,
            delete=lambda t: paint(f"[-{t}-]", "red"),
            insert=lambda t: paint(f"{{+{t}+}}", "green"),
        )
        return f"{head} {field_label(change)}: {words}"
    if change.field == "section":
        return f"{head} {change.summary}"
    return f"{head} {field_label(change)}: {plain(change)}"


def heading(comparison: Comparison) -> str:
    return (
        f"{comparison.country} ({comparison.slug}): "
        f"{side_label(comparison.old)} → {side_label(comparison.new)}"
        f"  ({plural(len(comparison.changes), 'change')})"
    )


def to_text(comparison: Comparison, color: bool = False) -> str:
    """Grouped by section; ``color`` adds ANSI colours."""

    def paint(text: str, colour: str) -> str:
        return style(text, colour) if color else text

    lines = [heading(comparison)]
    if not comparison.changes:
        lines.append("no changes")
    for title, changes in grouped(comparison.changes):
        lines += ["", style(title, "cyan", bold=True) if color else title]
        lines += [f"  {change_text(change, paint)}" for change in changes]
    return "\n".join(lines) + "\n"


def _figure(label: str, indicator: Indicator, percent: bool) -> str:
    where = ", ".join(part for part in (indicator.source, indicator.as_of) if part)
    note = f"  [note: {indicator.note}]" if indicator.note else ""
    return (
        f"  {label:<16} {format_number(indicator.value, percent)}"
        + (f"  ({where})" if where else "")
        + note
    )


def describe(profile: Profile, width: int = 100) -> str:
    """Everything the monitor read from one profile, for a person to check."""
    updated = profile.last_updated.isoformat() if profile.last_updated else "no 'Last updated' line"
    codes = "/".join(c for c in (profile.iso2, profile.iso3) if c) or "no ISO code"
    lines = [
        f"{profile.official_name}  [{profile.slug}, {codes}]",
        f"  Last updated     {updated}",
        _figure("Population", profile.background.population, percent=False),
        _figure("Internet users", profile.background.internet_users_pct, percent=True),
        "",
        "Indicators",
    ]
    for finding in profile.indicators.values():
        status = f" ({finding.status})" if finding.status else ""
        lines.append(f"  {finding.label:<48} {yes_no(finding.value)}{status}")
    lines += ["", f"Sections ({len(profile.sections)})"]
    for section in profile.sections.values():
        lines.append(f"  {section.number:<6} {section.title}")
        if section.text:
            lines += textwrap.wrap(
                section.text, width, initial_indent=" " * 9, subsequent_indent=" " * 9
            )
        for item in section.items:
            lines += textwrap.wrap(
                item, width, initial_indent=" " * 9 + "- ", subsequent_indent=" " * 11
            )
        for link in section.links:
            lines.append(" " * 9 + f"<{link}>")
    return "\n".join(lines) + "\n"


def subject(digest: Digest) -> str:
    changed, failed = len(digest.changed_countries), len(digest.failed_countries)
    new = len({e.slug for e in digest.first_seen})
    text = f"Cyberwellness changes {digest.period.label}: {plural(changed, 'country', 'countries')}"
    text += " changed" + (f", {new} new" if new else "")
    return text + (f", {failed} failed" if failed else "")


NAMES_SHOWN = 6  # countries named in one phrase of the headline; the rest are counted


def names(countries: Sequence[str]) -> str:
    """``Bahamas, Chad``; a long list ends ``… (14 countries)``."""
    if len(countries) <= NAMES_SHOWN:
        return ", ".join(countries)
    shown = ", ".join(countries[:NAMES_SHOWN])
    return f"{shown}, … ({plural(len(countries), 'country', 'countries')})"


def capitalised(label: str) -> str:
    """``Strategy``, ``National CIRT``, ``COP law`` (only the first letter is raised)."""
    return label[:1].upper() + label[1:]


def headline(summary: DigestSummary) -> list[str]:
    """The digest's summary as phrases, most telling first (``New national CIRT: Bahamas,
    Chad``, ``New laws: 4 countries``); "No changes" when there is nothing."""
    # Imported here, as in dates_line: the digest's words need the period machinery; a
    # fetch's lines and a profile's description, which import this module, do not.
    from monitor.core.overview import short_label

    parts = []
    if summary.new:
        parts.append(f"{len(summary.new)} new")
    parts += [f"New {short_label(key)}: {names(who)}" for key, who in summary.gained]
    parts += [f"No longer {short_label(key)}: {names(who)}" for key, who in summary.lost]
    parts += [
        f"{capitalised(short_label(key))} now {status}: {names(who)}"
        for (key, status), who in summary.statuses
    ]
    parts += [
        f"{capitalised(short_label(key))} no longer {status}: {names(who)}"
        for (key, status), who in summary.dropped
    ]
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
    from monitor.core.summary import is_date_bump

    parts = []
    for event in events:
        assert event.comparison is not None
        for change in event.comparison.changes:
            if is_date_bump(change):
                parts.append(f"{field_label(change)} {plain(change)}")
    return " · ".join(parts)


def summary_lines(digest: Digest, summary: DigestSummary) -> list[str]:
    """The digest's opening: the period, the headline, the counts, and the flags."""
    out = [
        f"{digest.period.label}: {summary.span}",
        " · ".join(headline(summary)),
        f"{plural(len(digest.checked), 'country', 'countries')} checked: {counts(summary)}",
    ]
    if digest.without_new_date:
        changed = ", ".join(sorted({e.country for e in digest.without_new_date}))
        out.append(f"Changed without a new date: {changed}")
    if summary.new:
        out.append("Now monitored: " + ", ".join(summary.new))
    return out


def digest_text(digest: Digest, summary: DigestSummary, base_url: str = "") -> str:
    """Plain text: the email's first part, and what a terminal shows. Countries with
    substantive changes first; those whose only change is a date, one line each.
    ``summary`` is ``core.summary.summarise(digest)``, made once for every form of it."""
    lines = [subject(digest), "=" * len(subject(digest)), ""]
    lines += [*summary_lines(digest, summary), ""]
    if base_url:
        lines += [f"Read online: {base_url}{digest.period.label}.html", ""]
    for country, events in summary.substantive:
        lines.append(country)
        lines.append("-" * len(country))
        for event in events:
            comparison = event.comparison
            assert comparison is not None
            note = " (changed without a new date)" if event.without_new_date else ""
            lines.append(f"{side_label(comparison.old)} → {side_label(comparison.new)}{note}")
            for title, changes in grouped(comparison.changes):
                lines.append(f"  {title}")
                for change in changes:
                    lines.append(f"    {change_text(change)}")
        if base_url:
            lines.append(f"  history: {base_url}countries/{events[0].slug}.html")
        lines.append("")
    if summary.dates_only:
        lines += ["Dates only", "----------"]
        lines += [f"{country}: {dates_line(events)}" for country, events in summary.dates_only]
        lines.append("")
    if digest.failures:
        lines.append("Failures")
        lines.append("--------")
        for failure in digest.failures:
            lines.append(
                f"{failure.country}: {failure.error} "
                f"(failing since {failure.since}, {plural(failure.failures, 'run')} in a row)"
            )
    return "\n".join(lines).rstrip() + "\n"


def side_label(side: Side) -> str:
    """A snapshot's name as people should read it: an undated document's snapshot is keyed
    by the day the monitor first saw it, and says so."""
    if side.last_updated is None and version(side.ref):  # a stored version, not a file
        return f"{side.ref} (first seen, undated)"
    return side.ref
