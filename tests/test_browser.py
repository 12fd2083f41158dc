"""The digest and a country page in a real headless Chromium (Debian's chromium + chromedriver).

Screenshots are saved under the test's temporary folder; set MONITOR_SCREENSHOTS=DIR to keep
copies for a person to look at.
"""

from __future__ import annotations

import pytest

from monitor.core.periods import iso_week
from monitor.pipeline.reporting import write_reports
from tests.helpers import keep
from tests.reportdata import DURING, WEEK, build


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    world = build(root)
    result = write_reports(world.config, world.store, iso_week(WEEK), DURING)
    return world, result.path.parent


def test_digest_in_chromium(browser, reports, tmp_path):
    from selenium.webdriver.common.by import By

    world, root = reports
    browser.get((root / f"{WEEK}.html").as_uri())
    assert browser.title == f"Cyberwellness changes {WEEK}"
    summary = browser.find_element(By.ID, "summary")
    assert summary.is_displayed()
    assert "failed" in summary.text
    countries = {h.text for h in browser.find_elements(By.CSS_SELECTOR, "section.country > h2")}
    substantive = {
        country
        for country, case in world.changed.items()
        if any(c["path"] != "Profile › last updated" for c in case["expected"])
    }
    assert countries >= substantive | {"Iraq"}
    assert browser.find_element(By.ID, "dates-only").is_displayed()  # the date-only ones
    for section in browser.find_elements(By.CSS_SELECTOR, "section.country"):
        assert section.is_displayed()
    changes = browser.find_elements(By.CSS_SELECTOR, "ul.changes li")
    assert len(changes) >= sum(len(c["expected"]) for c in world.changed.values())
    assert all(li.is_displayed() for li in changes)
    inserted = browser.find_elements(By.TAG_NAME, "ins")
    assert any("TJ-CERT" in i.text for i in inserted)
    assert browser.find_element(By.ID, "failures").is_displayed()
    # scripts in the profile text stayed text: nothing ran, nothing was injected
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    keep(browser, tmp_path / "digest.png")
    browser.set_window_size(390, 1600)  # a phone
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    ), "the digest scrolls sideways on a phone"
    keep(browser, tmp_path / "digest-phone.png")
    browser.set_window_size(1200, 1600)


def test_country_page_in_chromium(browser, reports, tmp_path):
    from selenium.webdriver.common.by import By

    _, root = reports
    browser.get((root / "countries" / "tajikistan.html").as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text == "Tajikistan: profile history"
    rows = browser.find_elements(By.CSS_SELECTOR, "#timeline tr")
    assert len(rows) == 2  # header and the one snapshot
    browser.get((root / "countries" / "iraq.html").as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "#timeline tr")
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows[1:]] == [
        "2015-03-06.r2 no new date",
        "2015-03-06",
    ]
    assert browser.find_element(By.ID, "2015-03-06.r2").is_displayed()
    keep(browser, tmp_path / "country.png")


@pytest.fixture(scope="module")
def corpus_reports(corpus_world):
    from tests.corpusworld import SECOND_EDITS, WEEK_OF_EDITS

    result = write_reports(
        corpus_world.config, corpus_world.store, iso_week(WEEK_OF_EDITS), SECOND_EDITS
    )
    return result.path.parent


def no_sideways_scroll(browser) -> bool:
    return browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_overview_in_chromium(browser, corpus_reports, width, tmp_path):
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 1400)
    try:
        browser.get((corpus_reports / "overview.html").as_uri())
        rows = browser.find_elements(By.CSS_SELECTOR, "#overview tbody tr")
        assert len(rows) == 120
        assert no_sideways_scroll(browser), f"the overview scrolls sideways at {width} px"
        charts = browser.find_elements(By.CSS_SELECTOR, ".charts svg")
        assert len(charts) == 9
        assert all(c.is_displayed() and c.size["width"] > 100 for c in charts)
        iraq = browser.find_element(By.ID, "iraq")
        cirt = iraq.find_element(By.CSS_SELECTOR, 'td[data-label="national CIRT"]')
        assert "since 2016-02-10" in cirt.text
        assert cirt.is_displayed()
        keep(browser, tmp_path / f"overview-{width}.png")
        browser.execute_script("arguments[0].scrollIntoView()", iraq)
        keep(browser, tmp_path / f"overview-{width}-iraq.png")
        # the optional script: filters without a server; without it nothing is hidden
        find = browser.find_element(By.ID, "find")
        assert find.is_displayed()
        find.send_keys("ira")
        shown = [r.get_attribute("id") for r in rows if r.is_displayed()]
        assert shown == ["iraq"]  # the corpus has no Iran
        assert no_sideways_scroll(browser)
    finally:
        browser.set_window_size(1200, 1600)


def test_overview_sorts_and_filters_by_indicator(browser, corpus_reports):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get((corpus_reports / "overview.html").as_uri())
    names = lambda: [  # noqa: E731
        r.get_attribute("data-name")
        for r in browser.find_elements(By.CSS_SELECTOR, "#overview tbody tr")
        if r.is_displayed()
    ]
    assert names() == sorted(names())
    Select(browser.find_element(By.ID, "sort")).select_by_value("name-desc")
    assert names() == sorted(names(), reverse=True)
    Select(browser.find_element(By.ID, "only")).select_by_value("national_cirt")
    total = browser.find_element(By.CSS_SELECTOR, 'td[data-key="national_cirt"]')
    assert len(names()) == int(total.text.split()[0])


def test_country_page_current_state_in_chromium(browser, corpus_reports, tmp_path):
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 1400)
    try:
        browser.get((corpus_reports / "countries" / "iraq.html").as_uri())
        current = browser.find_element(By.ID, "current")
        assert current.location["y"] < browser.find_element(By.ID, "timeline").location["y"]
        assert len(current.find_elements(By.CSS_SELECTOR, "svg.chart")) == 2
        assert no_sideways_scroll(browser)
        keep(browser, tmp_path / "country-iraq-390.png")
    finally:
        browser.set_window_size(1200, 1600)
