"""The answers to the analyst's questions (search hits, changes across countries, countries
side by side) as JSON, text, CSV, Markdown and HTML. One JSON form per answer: the CLI's
``--format json`` and the service's ``/api`` routes both print ``*_json`` from here."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from monitor.core.jsonform import builtins, dumps
from monitor.core.overview import Overview
from monitor.core.search import Hit, marked, snippet_parts
from monitor.core.sidebyside import SideBySide
from monitor.render.markdown import md_escape
from monitor.render.templating import render
from monitor.render.text import bounded, plural

# -- search --------------------------------------------------------------------------------


def hit_data(hit: Hit) -> dict[str, Any]:
    return {
        "country": {"slug": hit.slug, "name": hit.country},
        "section": hit.section,
        "title": hit.title,
        "now": hit.now,
        "first": hit.first,
        "last": hit.last,
        "gone_after": hit.gone,
        "latest": hit.latest,
        "snippet": marked(hit.snippet),
    }


def search_json(query: str, hits: Sequence[Hit]) -> str:
    return dumps({"query": query, "hits": [hit_data(hit) for hit in hits]})


def search_text(query: str, hits: Sequence[Hit]) -> str:
    if not hits:
        return f"no snapshot mentions {query}\n"
    lines = []
    for hit in hits:
        where = "now" if hit.now else f"gone after {hit.last}"
        lines.append(f"{hit.country} · {hit.section} {hit.title}: {where}, first in {hit.first}")
        lines.append(f"    {marked(hit.snippet, '[', ']')}")
    return _closed(lines, plural(len(hits), "section"), {hit.slug for hit in hits})


SEARCH_COLUMNS = [
    "slug",
    "country",
    "section",
    "title",
    "now",
    "first",
    "last",
    "latest",
    "snippet",
]


def search_csv(hits: Sequence[Hit]) -> str:
    return _csv(
        SEARCH_COLUMNS,
        (
            [
                h.slug,
                h.country,
                h.section,
                h.title,
                "yes" if h.now else "no",
                h.first,
                h.last,
                h.latest,
                marked(h.snippet),
            ]
            for h in hits
        ),
    )


def search_html(query: str, hits: Sequence[Hit] | None, error: str | None = None) -> str:
    """The search page: a box, and the hits linked to their snapshot and section."""
    return render("search.html", query=query, hits=hits, error=error, parts=snippet_parts)


# -- changes -------------------------------------------------------------------------------


def change_data(row: Any) -> dict[str, Any]:
    change = row.change
    return {
        "country": {"slug": row.slug, "name": row.country},
        "field": row.key,
        "path": change.path,
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
        "old_status": change.old_status,
        "new_status": change.new_status,
        "summary": change.summary,
        "old_ref": row.old_ref,
        "new_ref": row.new_ref,
        "published": row.published,
        "published_is_first_seen": row.first_seen,
        "seen_at": row.seen_at.isoformat(),
    }


def changes_json(rows: Sequence[Any]) -> str:
    return dumps({"changes": [change_data(row) for row in rows]})


def changes_text(rows: Sequence[Any]) -> str:
    if not rows:
        return "no changes match\n"
    lines = []
    for row in rows:
        day = f"{row.published} (first seen)" if row.first_seen else row.published
        lines.append(
            f"{day}  {row.country}  {row.key}  {row.change.kind}: "
            f"{bounded(row.change.summary or '', 160)}"
        )
    return _closed(lines, plural(len(rows), "change"), {row.slug for row in rows})


CHANGE_COLUMNS = [
    "slug",
    "country",
    "field",
    "kind",
    "old",
    "new",
    "old_status",
    "new_status",
    "old_ref",
    "new_ref",
    "published",
    "seen_at",
    "path",
    "summary",
]


def changes_csv(rows: Sequence[Any]) -> str:
    def cells(row: Any) -> list[Any]:
        data = change_data(row)
        data["slug"], data["country"] = row.slug, row.country
        return ["" if data[c] is None else data[c] for c in CHANGE_COLUMNS]

    return _csv(CHANGE_COLUMNS, (cells(row) for row in rows))


# -- compare -------------------------------------------------------------------------------


def compare_data(sbs: SideBySide) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {
            "key": r.key,
            "label": r.label,
            "equal": r.equal,
            "values": [
                {"value": c.value, "status": c.status, "evidence": c.evidence} for c in r.cells
            ],
        }

    return {
        "countries": [
            {
                "slug": c.slug,
                "name": c.country,
                "ref": c.ref,
                "dated": c.dated,
                "first_seen": c.first_seen,
            }
            for c in sbs.columns
        ],
        "indicators": [row(r) for r in sbs.indicators],
        "background": [row(r) for r in sbs.background],
        "sections": [
            {
                "number": s.number,
                "title": s.title,
                "shared": list(s.shared),
                "own": [list(items) for items in s.own],
            }
            for s in sbs.sections
        ],
    }


def compare_json(sbs: SideBySide) -> str:
    return dumps(compare_data(sbs))


def _word(cell: Any) -> str:
    return f"{cell.value} ({cell.status})" if cell.status else cell.value


def compare_text(sbs: SideBySide) -> str:
    names = [f"{c.country} ({c.ref})" for c in sbs.columns]
    lines = [" · ".join(names), ""]
    width = max(len(r.label) for r in (*sbs.indicators, *sbs.background)) + 2
    for title, rows in (("Indicators", sbs.indicators), ("Background", sbs.background)):
        lines.append(title)
        for r in rows:
            mark = "=" if r.equal else "≠"
            cells = " | ".join(_word(c) for c in r.cells)
            lines.append(f"  {mark} {r.label.ljust(width)}{cells}")
        lines.append("")
    for listed in sbs.sections:
        lines.append(f"{listed.number} {listed.title}")
        for item in listed.shared:
            lines.append(f"  = {item}")
        for column, items in zip(sbs.columns, listed.own, strict=True):
            for item in items:
                lines.append(f"  {column.country} only: {item}")
        lines.append("")
    return "\n".join(lines)


def compare_markdown(sbs: SideBySide) -> str:
    heads = [md_escape(f"{c.country} ({c.ref})") for c in sbs.columns]
    lines = [f"# {' · '.join(heads)}", ""]
    for title, rows in (("Indicators", sbs.indicators), ("Background", sbs.background)):
        lines += [f"## {title}", "", f"| | {' | '.join(heads)} |", "|---" * (len(heads) + 1) + "|"]
        for r in rows:
            cells = " | ".join(md_escape(_word(c)) for c in r.cells)
            lines.append(f"| {md_escape(r.label)}{' (same)' if r.equal else ''} | {cells} |")
        lines.append("")
    for listed in sbs.sections:
        lines += [f"## {md_escape(listed.number + ' ' + listed.title)}", ""]
        lines += [f"- {md_escape(item)} (all)" for item in listed.shared]
        for column, items in zip(sbs.columns, listed.own, strict=True):
            lines += [f"- {md_escape(item)} ({md_escape(column.country)} only)" for item in items]
        lines.append("")
    return "\n".join(lines)


def compare_html(sbs: SideBySide) -> str:
    return render("compare.html", c=sbs)


def _closed(lines: list[str], counted: str, slugs: set[str]) -> str:
    """The lines, and a last one counting them: ``2 changes in 2 countries``."""
    countries = plural(len(slugs), "country", "countries")
    return "\n".join([*lines, f"{counted} in {countries}"]) + "\n"


def _csv(columns: Sequence[str], rows: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


# -- overview ------------------------------------------------------------------------------


def overview_data(found: Overview) -> dict[str, Any]:
    """Every country's state now, as the overview page shows it: each indicator (value,
    status, evidence, since when), the figures, the latest snapshot; and the totals."""
    countries = []
    for now in found.countries:
        data = builtins(now)
        data.pop("trend", None)
        countries.append(data)
    return {
        "indicators": list(found.keys),
        "totals": builtins(found.totals),
        "countries": countries,
    }


def overview_json(found: Overview) -> str:
    return dumps(overview_data(found))


def overview_text(found: Overview) -> str:
    from monitor.core.overview import short_label

    lines = []
    for now in found.countries:
        cells = ", ".join(f"{short_label(key)} {cell.word}" for key, cell in now.cells.items())
        lines.append(f"{now.country} ({now.latest.ref}): {cells}")
    return "\n".join(lines) + "\n"
