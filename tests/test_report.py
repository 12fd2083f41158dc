"""The weekly digest, country pages, index and feed, rendered from a store with real edits."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from monitor.core.periods import iso_week
from monitor.core.summary import summarise
from monitor.pipeline.reporting import build_digest, write_reports
from monitor.render.markdown import digest_markdown
from monitor.render.text import digest_text, subject
from tests.reportdata import DURING, INJECTION, WEEK, build


@pytest.fixture
def world(tmp_path):
    return build(tmp_path)


@pytest.fixture
def written(world):
    result = write_reports(world.config, world.store, iso_week(WEEK), DURING)
    return world, result


def sections(page: str) -> dict[str, dict[str, list[str]]]:
    """country slug -> group heading -> the text of each change listed under it."""
    out = {}
    for slug, body in re.findall(
        r'<section class="country" id="([^"]+)">(.*?)</section>', page, re.S
    ):
        groups: dict[str, list[str]] = {}
        for title, items in re.findall(
            r"<h3>(.*?)</h3>\s*<ul class=\"changes\">(.*?)</ul>", body, re.S
        ):
            texts = [
                html.unescape(" ".join(re.sub(r"<[^>]+>", " ", li).split()))
                for li in re.findall(r"<li[^>]*>(.*?)</li>", items, re.S)
            ]
            groups[html.unescape(title)] = texts
        out[slug] = groups
    return out


def group_of(path: str) -> str:
    return path.split(" › ")[0]


def test_each_change_appears_once_in_its_section(written):
    world, result = written
    page = result.path.read_text()
    found = sections(page)
    dates_only = page.split('<section id="dates-only">', 1)[1].split("</section>", 1)[0]
    for country, case in world.changed.items():
        slug = country.lower()
        if all(c["path"] == "Profile › last updated" for c in case["expected"]):
            # only the date moved: one line in "Dates only", not a section of its own
            assert slug not in found, country
            assert re.search(rf">{country}</a>: last updated \S+ → \S+</li>", dates_only)
            continue
        assert slug in found, country
        for change in case["expected"]:
            group = group_of(change["path"])
            listed = found[slug][group]
            value = change["new"] if change["kind"] != "removed" else change["old"]
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if isinstance(value, int) and not isinstance(value, bool):
                value = f"{value:,}".replace(",", " ")
            hits = [t for t in listed if str(value) in t]
            assert len(hits) == 1, (country, change["path"], listed)
        # nothing else is listed for this country
        assert sum(len(v) for v in found[slug].values()) == len(case["expected"]), country


def test_prose_shows_old_and_new_wording(written):
    _, result = written
    page = html.unescape(result.path.read_text())
    assert "was: Tajikistan does not have any officially recognized national CIRT." in page
    assert "now: Tajikistan has an officially recognized national CIRT known as TJ-CERT." in page
    assert "<del>does not have any</del>" in result.path.read_text()
    assert "<ins>has an</ins>" in result.path.read_text()


def test_html_in_profile_text_is_escaped(written):
    _, result = written
    page = result.path.read_text()
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    for other in (result.path.parent / "countries").glob("*.html"):
        assert "<script" not in other.read_text()


def test_summary_revision_flag_and_failures(written):
    world, result = written
    page = result.path.read_text()
    digest = result.digest
    changed = len(world.changed) + 1  # the diff cases and Iraq's revision
    assert len(digest.changed_countries) == changed
    assert digest.failed_countries == ["yemen"]
    assert digest.unchanged_countries == ["tajikistan"]
    assert re.search(rf"<strong>{changed + 2}</strong> checked", page)
    assert re.search(rf"<strong>{changed}</strong> changed", page)
    assert re.search(r"<strong>1</strong> failed", page)
    assert 'id="without-new-date"' in page
    assert "Iraq (2015-03-06.r2)" in page
    assert "HTTP 503 Service Unavailable from https://example.org/Yemen.pdf" in page
    assert "failing since 2026-11-15T06:00:00+00:00 (3 runs in a row)" in page
    assert subject(digest) == f"Cyberwellness changes {WEEK}: {changed} countries changed, 1 failed"


def test_a_change_belongs_to_the_week_it_was_seen(world):
    before, _ = build_digest(world.store, iso_week("2026-W46"), DURING)
    assert before.changes == ()
    assert len(before.first_seen) == len(world.changed) + 3
    after, _ = build_digest(world.store, iso_week("2026-W48"), DURING)
    assert after.events == ()


def test_text_and_markdown_digests(written):
    _, result = written
    text = digest_text(result.digest, summarise(result.digest))
    assert text.startswith(subject(result.digest))
    assert "+ items: Law on Cybersecurity" in text
    assert "~ national CIRT: no → yes" in text
    md = digest_markdown(result.digest, summarise(result.digest))
    assert "## Kenya" in md or "## Ghana" in md
    assert "Law on Cybersecurity" in md


def test_country_page_index_and_feed(written):
    world, result = written
    reports = result.path.parent
    kenya = (reports / "countries" / "kenya.html").read_text()
    assert 'id="timeline"' in kenya
    assert kenya.count("First snapshot the monitor holds") == 1
    assert 'href="#2015-03-09"' in kenya or 'href="#2015-03-06"' in kenya
    index = (reports / "index.html").read_text()
    assert f'href="{WEEK}.html"' in index
    assert 'href="countries/kenya.html"' in index
    feed = ET.parse(reports / "feed.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == len(world.changed) + 1
    ids = [e.find("a:id", ns).text for e in entries]
    assert len(set(ids)) == len(ids)
    assert "tag:cyberwellness-monitor,2026:iraq/2015-03-06.r2" in ids
    for entry in entries:
        assert entry.find("a:updated", ns).text
        assert entry.find("a:link", ns).get("href").startswith("countries/")
    again = write_reports(world.config, world.store, iso_week(WEEK), DURING)
    feed2 = ET.parse(again.path.parent / "feed.atom").getroot()
    assert [e.find("a:id", ns).text for e in feed2.findall("a:entry", ns)] == ids


def test_injection_text_kept_verbatim_in_text_digest(written):
    _, result = written
    assert INJECTION in digest_text(result.digest, summarise(result.digest))


@pytest.mark.parametrize(("weeks", "shown"), [(2, False), (3, True)])
def test_feed_carries_values_absolute_links_and_only_recent_weeks(tmp_path, weeks, shown):
    world = build(tmp_path, reports={"base_url": "https://example.org/cw/", "feed_weeks": weeks})
    later = DURING + timedelta(days=14)  # two weeks after the changes were seen
    write_reports(world.config, world.store, iso_week(WEEK), later)
    feed = ET.parse(world.config.storage.reports / "feed.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    found = feed.findall("a:entry", ns)
    # every change event was seen in WEEK: in a feed of the last 3 weeks, none in the last 2
    assert len(found) == (len(world.changed) + 1 if shown else 0)
    assert feed.find("a:link", ns).get("href") == "https://example.org/cw/feed.atom"
    if not shown:
        return
    by_id = {e.find("a:id", ns).text.split(":")[-1]: e for e in found}
    peru = by_id["peru/2015-03-06.r2"]
    summary = peru.find("a:summary", ns).text
    assert "~ population: 33 703 000 → 36 004 552 (+2 301 552, +6.8 %)" in summary
    assert summary.splitlines()[0] == "2015-03-06 → 2015-03-06.r2"
    assert peru.find("a:link", ns).get("href") == (
        "https://example.org/cw/countries/peru.html#2015-03-06.r2"
    )
    assert peru.find("a:link[@rel='related']", ns).get("href") == (
        f"https://example.org/cw/{WEEK}.html"
    )
