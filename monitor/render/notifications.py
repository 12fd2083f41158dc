"""A notice as a message: a title and lines that say what changed, for people ("Chad:
national CIRT no → yes (CIRT-TD established 2016)"), and the structured payload of
``monitor/schemas/notification.schema.json`` for programs (``json://`` webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.core.diff import Change
from monitor.core.subscriptions import Notice, kind_of
from monitor.render.text import bounded, field_label, plural

SCHEMA = "notification/1"
LINES_SHOWN = 30  # changes listed in one message; the rest are counted
TITLE_CHARS = 240


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    payload: dict[str, Any]  # what json:// targets get instead of prose


def change_line(change: Change) -> str:
    """One change in words: ``national CIRT no → yes (CIRT-TD established 2016)``,
    ``new law in 1.1.1: Computer Misuse and Cybercrimes Act 2018``."""
    label = field_label(change)
    if change.group == "indicators":
        arrow, _, evidence = change.summary.partition(": ")
        return f"{label} {arrow}" + (f" ({bounded(evidence, 200)})" if evidence else "")
    if change.group in ("background", "profile"):
        return f"{label} {change.summary}"
    section = change.group
    if change.field == "section":
        return f"{'new' if change.kind == 'added' else 'removed'} section {change.path}"
    if change.field == "items":
        thing = "law" if section.startswith("1.1.") else "item"
        value = bounded(str(change.new if change.kind == "added" else change.old), 300)
        if change.kind == "added":
            return f"new {thing} in {section}: {value}"
        return f"{thing} removed from {section}: {value}"
    if change.field == "links":
        value = str(change.new if change.kind == "added" else change.old)
        return f"link {'added to' if change.kind == 'added' else 'removed from'} {section}: {value}"
    return f"{change.field} changed in {change.path.split(' › ')[0]}"


def lines(notice: Notice) -> list[str]:
    if notice.topic == "new":
        return [f"now monitored (profile of {notice.new_ref})"]
    if notice.topic == "error":
        return [f"source failing ({notice.detail})"]
    if notice.topic == "recovered":
        return [f"source works again ({notice.detail})"]
    if notice.topic == "stale":
        return [f"source not checked successfully for {notice.detail}"]
    return [change_line(c) for c in notice.changes]


def diff_link(notice: Notice, base_url: str) -> str | None:
    """Where the change is shown whole, when the pages are published: the version's place
    on the country page, which the written reports and ``monitor serve`` both have."""
    if not base_url:
        return None
    anchor = f"#{notice.new_ref}" if notice.topic in ("change", "new") and notice.new_ref else ""
    return f"{base_url}countries/{notice.slug}.html{anchor}"


def headline(country: str, said: list[str]) -> str:
    """What changed, in one line: the first change, and how many more."""
    title = f"{country}: {said[0]}" if said else f"{country}: no field changed"
    if len(said) > 1:
        title += f" (and {plural(len(said) - 1, 'more change')})"
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def message(notice: Notice, subscription: str, key: str, base_url: str = "") -> Message:
    said = lines(notice)
    title = headline(notice.country, said)
    shown = [f"- {line}" for line in said[:LINES_SHOWN]]
    if len(said) > LINES_SHOWN:
        shown.append(f"… and {len(said) - LINES_SHOWN} more")
    link = diff_link(notice, base_url)
    body = "\n".join([*shown, *([f"\n{link}"] if link else [])])
    return Message(title, body, payload(notice, subscription, key, link))


def payload(notice: Notice, subscription: str, key: str, link: str | None) -> dict[str, Any]:
    """The structured form (``notification.schema.json``)."""
    return {
        "schema": SCHEMA,
        "idempotency_key": key,
        "subscription": subscription,
        "topic": notice.topic,
        "country": notice.country,
        "slug": notice.slug,
        "iso2": notice.iso2,
        "iso3": notice.iso3,
        "old_ref": notice.old_ref,
        "new_ref": notice.new_ref,
        "seen_at": notice.seen_at.isoformat() if notice.seen_at else None,
        "detail": notice.detail or None,
        "link": link,
        "changes": [
            {
                "key": c.key,
                "kind": kind_of(c),
                "change": c.kind,
                "path": c.path,
                "old": c.old,
                "new": c.new,
                "summary": c.summary,
                "old_status": c.old_status,
                "new_status": c.new_status,
            }
            for c in notice.changes
        ],
    }
