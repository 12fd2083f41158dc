"""One comparison as text, Markdown, JSON or a standalone HTML page. Pure: data in, str out."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict
from functools import lru_cache
from typing import Any

from monitor.diff import Change, Comparison, WordRun, group_title
from monitor.summary import canonical_json

DIFF_SCHEMA_VERSION = 1
CONTEXT_WORDS = 8  # unchanged words kept around each change in prose


def grouped(changes: tuple[Change, ...] | list[Change]) -> list[tuple[str, list[Change]]]:
    """Changes under their headings, in the order the diff gives (indicator flips first)."""
    return [(title, list(group)) for title, group in itertools.groupby(changes, group_title)]


def trimmed(words: tuple[WordRun, ...], context: int = CONTEXT_WORDS) -> list[WordRun]:
    """Long unchanged runs shortened to a few words either side of each change."""
    out = []
    for index, run in enumerate(words):
        if run.op != "equal":
            out.append(run)
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


def _field_label(change: Change) -> str:
    return change.path.split(" › ", 1)[1] if " › " in change.path else change.field


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
        return f"{head} {_field_label(change)}: {words}"
    if change.field == "section":
        return f"{head} {change.summary}"
    return f"{head} {_field_label(change)}: {_plain(change)}"


def to_text(comparison: Comparison, color: bool = False) -> str:
    """Grouped by section; ``color`` adds ANSI colours (the CLI asks only on a terminal)."""
    import click

    def paint(text: str, fg: str) -> str:
        return click.style(text, fg=fg) if color else text

    lines = [_heading(comparison)]
    if not comparison.changes:
        lines.append("no changes")
    for title, changes in grouped(comparison.changes):
        lines += ["", click.style(title, fg="cyan", bold=True) if color else title]
        lines += [f"  {change_text(change, paint)}" for change in changes]
    return "\n".join(lines) + "\n"


def _plain(change: Change) -> str:
    if change.field in ("items", "links"):
        return str(change.new if change.kind == "added" else change.old)
    return change.summary


def _heading(comparison: Comparison) -> str:
    count = len(comparison.changes)
    return (
        f"{comparison.country} ({comparison.slug}): {comparison.old.ref} → {comparison.new.ref}"
        f"  ({count} change{'s' if count != 1 else ''})"
    )


def to_markdown(comparison: Comparison) -> str:
    lines = [f"# {_heading(comparison)}", ""]
    if not comparison.changes:
        lines.append("No changes.")
    for title, changes in grouped(comparison.changes):
        lines += [f"## {md_escape(title)}", ""]
        for change in changes:
            label = change.kind
            if change.words:
                words = prose(
                    change.words,
                    delete=lambda t: f"~~{md_escape(t)}~~",
                    insert=lambda t: f"**{md_escape(t)}**",
                    equal=md_escape,
                )
                lines.append(f"- {label} {md_escape(_field_label(change))}: {words}")
            elif change.field == "section":
                lines.append(f"- {change.summary}")
            else:
                lines.append(
                    f"- {label} {md_escape(_field_label(change))}: {md_escape(_plain(change))}"
                )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def md_escape(text: str) -> str:
    for char in "\\`*_[]<>#|~":
        text = text.replace(char, "\\" + char)
    return text


def to_json_data(comparison: Comparison) -> dict[str, Any]:
    """The documented JSON form (monitor/schemas/diff.schema.json)."""
    return {
        "schema": DIFF_SCHEMA_VERSION,
        "country": {"slug": comparison.slug, "name": comparison.country},
        "old": asdict(comparison.old),
        "new": asdict(comparison.new),
        "changes": [
            {
                "path": c.path,
                "kind": c.kind,
                "old": c.old,
                "new": c.new,
                "group": c.group,
                "field": c.field,
                "summary": c.summary,
                "words": [{"op": w.op, "text": w.text} for w in c.words],
            }
            for c in comparison.changes
        ],
    }


def to_json(comparison: Comparison) -> str:
    return canonical_json(to_json_data(comparison))


@lru_cache(maxsize=1)
def environment():
    """Jinja environment for every HTML the monitor writes: autoescape always on."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("monitor", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(grouped=grouped, trimmed=trimmed, field_label=_field_label, plain=_plain)
    return env


def to_html(comparison: Comparison) -> str:
    """A standalone page: inline CSS, no scripts, readable on a phone and on paper."""
    return environment().get_template("diff.html").render(c=comparison)
