"""Markdown for pasting into tickets and chats: one comparison, one digest."""

from __future__ import annotations

from monitor.core.diff import Comparison
from monitor.core.periods import Digest
from monitor.core.summary import DigestSummary
from monitor.render.text import (
    change_text,
    field_label,
    grouped,
    heading,
    plain,
    prose,
    side_label,
    subject,
    summary_lines,
)


def md_escape(text: str) -> str:
    for char in "\\`*_[]<>#|~":
        text = text.replace(char, "\\" + char)
    return text


def to_markdown(comparison: Comparison) -> str:
    lines = [f"# {heading(comparison)}", ""]
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
                lines.append(f"- {label} {md_escape(field_label(change))}: {words}")
            elif change.field == "section":
                lines.append(f"- {change.summary}")
            else:
                lines.append(
                    f"- {label} {md_escape(field_label(change))}: {md_escape(plain(change))}"
                )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def digest_markdown(digest: Digest, summary: DigestSummary) -> str:
    """``summary`` is ``core.summary.summarise(digest)``, made once for every form of it."""
    lines = [f"# {md_escape(subject(digest))}", ""]
    lines += [f"- {line}" for line in summary_lines(digest, summary)] + [""]
    for country, events in digest.by_country():
        lines += [f"## {md_escape(country)}", ""]
        for event in events:
            comparison = event.comparison
            assert comparison is not None
            note = " *(changed without a new date)*" if event.without_new_date else ""
            old, new = side_label(comparison.old), side_label(comparison.new)
            lines += [f"**{old} → {new}**{note}", ""]
            for title, changes in grouped(comparison.changes):
                lines.append(f"### {md_escape(title)}")
                lines += [f"- {md_escape(change_text(c))}" for c in changes]
                lines.append("")
    if digest.failures:
        lines += ["## Failures", ""]
        lines += [
            f"- **{md_escape(f.country)}**: {md_escape(f.error)} (since {f.since})"
            for f in digest.failures
        ]
    return "\n".join(lines).rstrip() + "\n"
