"""Change reports as text: the weekly digest (HTML, email HTML, plain text, Markdown), the
country pages, the index and the Atom feed. Pure: events and failures in, strings out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape as xml_escape

from monitor.history import CountryHistory, Event, Failure, Period
from monitor.render import change_text, environment, grouped, md_escape


@dataclass(frozen=True)
class Digest:
    period: Period
    events: tuple[Event, ...]  # seen in the period, oldest first
    failures: tuple[Failure, ...]
    checked: tuple[str, ...]  # slugs checked in the period
    generated_at: datetime

    @property
    def changes(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if not e.first and e.comparison.changes)

    @property
    def first_seen(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.first)

    @property
    def changed_countries(self) -> list[str]:
        return sorted({e.slug for e in self.changes})

    @property
    def failed_countries(self) -> list[str]:
        return sorted({f.slug for f in self.failures})

    @property
    def unchanged_countries(self) -> list[str]:
        busy = set(self.changed_countries) | set(self.failed_countries)
        return sorted(set(self.checked) - busy)

    @property
    def without_new_date(self) -> tuple[Event, ...]:
        return tuple(e for e in self.changes if e.without_new_date)

    def by_country(self) -> list[tuple[str, list[Event]]]:
        countries: dict[str, list[Event]] = {}
        for event in self.changes:
            countries.setdefault(event.country, []).append(event)
        return sorted(countries.items())


def make_digest(
    period: Period,
    histories: list[CountryHistory],
    failures: list[Failure],
    checked: list[str],
    generated_at: datetime,
) -> Digest:
    events = sorted(
        (e for h in histories for e in h.events if period.contains(e.seen_at)),
        key=lambda e: (e.seen_at, e.slug, e.ref),
    )
    checked_all = sorted(set(checked) | {e.slug for e in events})
    return Digest(period, tuple(events), tuple(failures), tuple(checked_all), generated_at)


def subject(digest: Digest) -> str:
    changed, failed = len(digest.changed_countries), len(digest.failed_countries)
    countries = _plural(changed, "country", "countries")
    text = f"Cyberwellness changes {digest.period.label}: {changed} {countries} changed"
    return text + (f", {failed} failed" if failed else "")


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _context(**extra):
    return {"plural": _plural, **extra}


def digest_html(digest: Digest) -> str:
    return environment().get_template("digest.html").render(_context(d=digest))


def digest_email_html(digest: Digest) -> str:
    """The digest for mail clients, which drop <style>: every style inline."""
    return environment().get_template("email.html").render(_context(d=digest))


def country_html(history: CountryHistory, generated_at: datetime) -> str:
    return (
        environment()
        .get_template("country.html")
        .render(_context(h=history, generated_at=generated_at))
    )


def index_html(weeks: list[str], histories: list[CountryHistory], generated_at: datetime) -> str:
    return (
        environment()
        .get_template("index.html")
        .render(
            _context(
                weeks=sorted(weeks, reverse=True), histories=histories, generated_at=generated_at
            )
        )
    )


def digest_text(digest: Digest) -> str:
    """Plain text: the email's first part, and what a terminal shows."""
    lines = [subject(digest), "=" * len(subject(digest)), ""]
    lines += [*_summary_lines(digest), ""]
    for country, events in digest.by_country():
        lines.append(country)
        lines.append("-" * len(country))
        for event in events:
            comparison = event.comparison
            note = " (changed without a new date)" if event.without_new_date else ""
            lines.append(f"{comparison.old.ref} → {comparison.new.ref}{note}")
            for title, changes in grouped(comparison.changes):
                lines.append(f"  {title}")
                for change in changes:
                    lines.append(f"    {change_text(change)}")
        lines.append("")
    if digest.failures:
        lines.append("Failures")
        lines.append("--------")
        for failure in digest.failures:
            lines.append(
                f"{failure.country}: {failure.error} "
                f"(failing since {failure.since}, {failure.failures} runs in a row)"
            )
    return "\n".join(lines).rstrip() + "\n"


def digest_markdown(digest: Digest) -> str:
    lines = [f"# {md_escape(subject(digest))}", ""]
    lines += [f"- {line}" for line in _summary_lines(digest)] + [""]
    for country, events in digest.by_country():
        lines += [f"## {md_escape(country)}", ""]
        for event in events:
            comparison = event.comparison
            note = " *(changed without a new date)*" if event.without_new_date else ""
            lines += [f"**{comparison.old.ref} → {comparison.new.ref}**{note}", ""]
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


def _summary_lines(digest: Digest) -> list[str]:
    out = [
        f"{len(digest.checked)} countries checked, {len(digest.changed_countries)} changed, "
        f"{len(digest.unchanged_countries)} unchanged, {len(digest.failed_countries)} failed"
    ]
    if digest.without_new_date:
        names = ", ".join(sorted({e.country for e in digest.without_new_date}))
        out.append(f"Changed without a new date: {names}")
    if digest.first_seen:
        out.append("Now monitored: " + ", ".join(sorted({e.country for e in digest.first_seen})))
    return out


def atom_feed(histories: list[CountryHistory], base_url: str, generated_at: datetime) -> str:
    """Valid Atom: one entry per change event (country + snapshot), stable ids."""
    from monitor.history import week_of

    events = sorted(
        (e for h in histories for e in h.events if not e.first),
        key=lambda e: (e.seen_at, e.slug),
        reverse=True,
    )
    updated = (events[0].seen_at if events else generated_at).isoformat()
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        "  <title>Cyberwellness Monitor: profile changes</title>",
        "  <id>tag:cyberwellness-monitor,2026:feed</id>",
        f"  <updated>{updated}</updated>",
        f'  <link rel="self" href="{xml_escape(base_url)}feed.atom"/>',
        "  <author><name>Cyberwellness Monitor</name></author>",
    ]
    for event in events:
        count = len(event.comparison.changes)
        week = week_of(event.seen_at).label
        title = f"{event.country}: {count} {_plural(count, 'change', 'changes')} ({event.ref})"
        summary = "; ".join(c.path for c in event.comparison.changes[:8]) or "no field changed"
        parts += [
            "  <entry>",
            f"    <title>{xml_escape(title)}</title>",
            f"    <id>tag:cyberwellness-monitor,2026:{event.slug}/{event.ref}</id>",
            f"    <updated>{event.seen_at.isoformat()}</updated>",
            f'    <link href="{xml_escape(base_url)}countries/{event.slug}.html#{event.ref}"/>',
            f'    <link rel="related" href="{xml_escape(base_url)}{week}.html"/>',
            f"    <summary>{xml_escape(summary)}</summary>",
            "  </entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"
