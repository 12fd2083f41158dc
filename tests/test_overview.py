"""Across countries and over time: the overview page, since-dates, totals, the timeline,
and the digest summary, on the real corpus plus edited versions (tests/corpusworld.py)."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from monitor.core.overview import overview
from monitor.core.periods import iso_week
from monitor.core.summary import summarise
from monitor.pipeline.history import all_histories
from monitor.pipeline.reporting import write_reports
from monitor.render.text import digest_text
from tests.corpusworld import FIRST_EDITS, IMPORTED, SECOND_EDITS, WEEK_OF_EDITS, WEEK_OF_IMPORT
from tests.helpers import run_cli, write_config


@pytest.fixture(scope="module")
def reports(corpus_world):
    """Both weeks' reports, written into the shared world's reports folder."""
    write_reports(corpus_world.config, corpus_world.store, iso_week(WEEK_OF_IMPORT), SECOND_EDITS)
    result = write_reports(
        corpus_world.config, corpus_world.store, iso_week(WEEK_OF_EDITS), SECOND_EDITS
    )
    return result.path.parent


def row(page: str, slug: str) -> dict[str, tuple[str, str]]:
    """One country's row of the overview: column label → (value, since)."""
    body = re.search(rf'<tr id="{slug}"[^>]*>(.*?)</tr>', page, re.S)
    assert body, slug
    cells = {}
    for label, value, since in re.findall(
        r'<td[^>]*data-label="([^"]+)"[^>]*><a[^>]*>([^<]*)</a>\s*'
        r'<span class="since">([^<]*)</span>',
        body.group(1),
    ):
        cells[html.unescape(label)] = (html.unescape(value), html.unescape(since))
    return cells


def test_every_country_is_listed_once(corpus_world, reports):
    page = (reports / "overview.html").read_text()
    listed = re.findall(r'<tr id="([a-z0-9-]+)" data-name=', page)
    assert listed == sorted(listed, key=lambda slug: listed.index(slug))  # document order
    assert sorted(listed) == corpus_world.countries
    assert len(listed) == 120
    names = re.findall(r'<tr id="[^"]+" data-name="([^"]+)"', page)
    assert names == sorted(names)  # sorted by country without any script


def test_since_dates_follow_the_snapshot_that_changed_the_value(reports):
    page = (reports / "overview.html").read_text()
    iraq = row(page, "iraq")
    # the CIRT appeared in the version dated 2016-02-10; the later version (2016-06-01)
    # changed only the population, so the CIRT still dates from 2016-02-10
    assert iraq["national CIRT"] == ("yes", "since 2016-02-10")
    assert iraq["population"] == ("36 004 552", "since 2016-06-01")
    assert iraq["internet users"] == ("9.2 %", "since first snapshot")
    assert iraq["strategy"][1] == "since first snapshot"
    chad = row(page, "chad")
    assert chad["population"] == ("12 448 000", "since 2016-04-03")
    assert chad["national CIRT"][1] == "since first snapshot"
    # Kenya's new document prints no date: keyed by the day first seen, and said so
    kenya = row(page, "kenya")
    assert kenya["internet users"] == ("43 %", f"since {SECOND_EDITS.date()} (first seen, undated)")
    assert row(page, "togo")["population"][1] == "since first snapshot"  # only its date moved
    assert "latest 2026-11-26 (first seen, undated)" in page


def test_totals_match_the_csv_export(corpus_world, reports):
    page = (reports / "overview.html").read_text()
    totals = dict(re.findall(r'data-key="([a-z_]+)" title="yes (\d+),', page))
    config = write_config(corpus_world.root)
    ran = run_cli("--config", str(config), "export", "--format", "csv", cwd=corpus_world.root)
    assert ran.returncode == 0, ran.stderr
    latest: dict[str, dict[str, str]] = {}
    for line in csv.DictReader(io.StringIO(ran.stdout)):
        latest[line["slug"]] = line  # rows come oldest first per country
    assert len(latest) == 120
    for key, shown in totals.items():
        assert int(shown) == sum(1 for r in latest.values() if r[key] == "yes"), key
    assert set(totals) >= {"national_cirt", "cybersecurity_strategy", "cybercrime_legislation"}


def test_timeline_counts_countries_by_their_dated_snapshots(corpus_world):
    view = overview(all_histories(corpus_world.store))
    cirt = dict(view.series("national_cirt"))
    # before Iraq's 2016-02-10 version Iraq had no CIRT; from it on, Iraq counts
    before = max(day for day in cirt if day < "2016-02-10")
    assert cirt["2016-02-10"] == cirt[before] + 1
    assert view.timeline[-1].countries == 120
    assert view.timeline[-1].counts["national_cirt"] == view.totals["national_cirt"]["yes"]
    days = [p.day for p in view.timeline]
    assert days == sorted(days) and len(set(days)) == len(days)


def test_country_page_opens_with_the_current_state(reports):
    togo = (reports / "countries" / "togo.html").read_text()
    assert togo.index('id="current"') < togo.index('id="timeline"')
    page = (reports / "countries" / "afghanistan.html").read_text()  # one snapshot
    current = page.split('id="current"', 1)[1].split('id="timeline"', 1)[0]
    assert "33 397 000" in current  # its population, as Afghanistan.txt prints it
    assert current.count('id="ind-') == 9
    assert current.count("<svg") == 2  # population and internet users trends
    iraq = (reports / "countries" / "iraq.html").read_text()
    cirt = iraq.split('id="ind-national_cirt"', 1)[1].split("</tr>", 1)[0]
    assert "since 2016-02-10" in cirt
    assert "IQ-CERT" in cirt


def test_weekly_digest_opens_with_a_summary(reports):
    page = html.unescape((reports / f"{WEEK_OF_EDITS}.html").read_text())
    headline = re.search(r'<p class="headline" id="headline">(.*?)</p>', page, re.S).group(1)
    assert headline.split(" · ") == [
        "New national CIRT: Iraq",
        "Figures updated: 3",  # Iraq, Chad, Kenya
        "Dates only: 1",  # Togo
    ]
    assert "2026-11-23 to 2026-11-29" in page
    contents = page.split('id="contents"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="#([a-z-]+)"', contents) == ["chad", "iraq", "kenya", "dates-only"]
    # substantive changes first, the date-only country after them, on one line
    assert page.index('id="kenya"') < page.index('id="dates-only"')
    assert ">Togo</a>: last updated 2014-08-12 → 2016-08-12</li>" in page  # its footer, year moved
    assert "2026-11-26 (first seen, undated)" in page  # Kenya's undated document


def test_week_of_the_first_import_says_new(corpus_world, reports):
    page = (reports / f"{WEEK_OF_IMPORT}.html").read_text()
    assert re.search(r"<strong>120</strong> new", page)
    assert re.search(r"<strong>0</strong> unchanged", page)
    assert '<p class="headline" id="headline">120 new</p>' in page
    digest_page = html.unescape(page)
    assert "2026-11-16 to 2026-11-22" in digest_page
    from monitor.pipeline.reporting import build_digest

    digest, _ = build_digest(corpus_world.store, iso_week(WEEK_OF_IMPORT), IMPORTED)
    text = digest_text(digest, summarise(digest), "https://reports.example.org/")
    assert "120 new, 0 changed, 0 unchanged, 0 failed" in text
    assert "Read online: https://reports.example.org/2026-W47.html" in text
    assert FIRST_EDITS > IMPORTED


def test_a_snapshot_keyed_by_the_day_first_seen_says_so(corpus_world, reports):
    day = SECOND_EDITS.date().isoformat()
    kenya = html.unescape((reports / "countries" / "kenya.html").read_text())
    assert f"<h2>{day} (first seen, undated)</h2>" in kenya
    assert f'{day}</a> <span class="flag">first seen, undated</span>' in kenya
    assert "not stated (keyed by the day first seen)" in kenya
    assert '(first seen, undated: the document prints no "Last updated" date)' in kenya
    config = write_config(corpus_world.root)
    ran = run_cli(
        "--config", str(config), "diff", "kenya", "first", "latest", cwd=corpus_world.root
    )
    assert ran.stdout.splitlines()[0] == (
        f"Kenya (kenya): 2014-08-12 → {day} (first seen, undated)  (2 changes)"
    )
