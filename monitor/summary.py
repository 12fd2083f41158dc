"""A profile as readable plain text: what ``monitor parse`` and ``monitor show`` print."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from monitor.profile import Indicator, Profile, to_dict


def canonical_json(data: Any) -> str:
    """The one JSON spelling used on disk and on stdout: sorted keys, UTF-8, indented."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def profile_json(profile: Profile) -> str:
    return canonical_json(to_dict(profile))


def format_number(value: int | float | None, percent: bool = False) -> str:
    if value is None:
        return "not stated"
    if percent:
        return f"{value:g} %"
    return f"{value:,}".replace(",", " ")


def _figure(label: str, indicator: Indicator, percent: bool) -> str:
    where = ", ".join(part for part in (indicator.source, indicator.as_of) if part)
    return f"  {label:<16} {format_number(indicator.value, percent)}" + (
        f"  ({where})" if where else ""
    )


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


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
        lines.append(f"  {finding.label:<48} {_yes_no(finding.value)}")
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
