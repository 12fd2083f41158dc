"""The analyst's pages in a real headless Chromium at desktop and phone width: the world map
(every covered country coloured, a legend, the date control changing the colours), no
horizontal scroll, axe-core finding no violation, no local path, a way back to the index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.edges.clock import utc_now
from monitor.service.app import create_app
from tests.helpers import IRAQ, import_files, keep, write_config
from tests.helpers import IRAQ_LATER as LATER
from tests.servers import uvicorn_thread

AXE = Path(__file__).resolve().parents[1] / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("mapped")
    write_config(root)
    import_files(root, ("a.txt", IRAQ))
    import_files(root, ("b.txt", LATER))
    app = create_app(load_config(root / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as url:
        yield url


def fills(browser) -> dict[str, str]:
    return browser.execute_script(
        "var out = {}; document.querySelectorAll('svg.worldmap path[data-country]')"
        ".forEach(function (p) { out[p.getAttribute('data-country')] = p.getAttribute('fill'); });"
        "return out;"
    )


def axe_violations(browser) -> list[dict]:
    assert AXE.exists(), "axe-core is not installed: npm install --prefix .axe axe-core (.ci/run)"
    browser.execute_script(AXE.read_text())
    found = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        ".then(function (r) { done(JSON.stringify(r.violations)); });"
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in json.loads(found)
    ]


def test_the_date_control_changes_the_colours(browser, base):
    browser.set_window_size(1280, 900)
    browser.get(f"{base}/map?indicator=national_cirt")
    latest = fills(browser)
    assert latest == {"iraq": "#1a7f37"}  # Iraq's 2016 profile: IQ-CERT exists
    legend = browser.find_elements("css selector", ".maplegend li")
    assert all(li.is_displayed() for li in legend)
    assert [li.text for li in legend][:3] == ["yes: 1", "planned or draft: 0", "no: 0"]
    swatch = browser.find_element("css selector", ".maplegend .c-yes")  # coloured under the CSP
    assert swatch.value_of_css_property("background-color") == "rgba(26, 127, 55, 1)"
    browser.find_element("link text", "2015-12").click()
    assert "as_of=2015-12" in browser.current_url
    then = fills(browser)
    assert then == {"iraq": "#cf222e"}  # its 2015 profile: no CIRT yet
    assert then != latest


PAGES = {
    "index": "/",
    "overview": "/overview",
    "map": "/map",
    "country": "/countries/iraq.html",
    "diff": "/countries/iraq/diff/first/latest",
    "search": "/search?q=CIRT",
    "error": "/countries/irak",
}


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_pass_axe_and_lead_home(browser, base, tmp_path, width):
    browser.set_window_size(width, 900)
    week = None
    for name, path in PAGES.items():
        browser.get(base + path)
        if name == "index":
            week = browser.find_element("css selector", "#weeks a").text
        page = browser.page_source
        assert "/tmp/" not in page, name
        scroll = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert scroll <= 0, (name, width, scroll)
        assert browser.find_elements("css selector", "main"), name
        home = browser.find_elements("css selector", "header.site a")
        assert home and home[0].get_attribute("href") in (f"{base}/index.html",), name
        assert axe_violations(browser) == [], (name, width)
        if name in ("index", "map", "overview"):
            coloured = browser.find_elements("css selector", "svg.worldmap path[data-country]")
            assert coloured and all(p.get_attribute("fill") for p in coloured), name
        keep(browser, tmp_path / f"{name}-{width}.png")
    browser.get(f"{base}/{week}.html")
    assert axe_violations(browser) == [], ("digest", width)
    keep(browser, tmp_path / f"digest-{width}.png")


def test_overview_filters_and_the_snapshot_picker_work_without_a_script(base):
    import httpx

    with httpx.Client(base_url=base, timeout=10) as client:
        kept = client.get("/overview", params={"indicator": "national_cirt", "value": "yes"})
        assert kept.status_code == 200
        assert '<tr id="iraq"' in kept.text and "1 of 1 shown" in kept.text
        assert '<option value="national_cirt" selected>' in kept.text  # kept in the form
        none = client.get("/overview", params={"indicator": "national_cirt", "value": "planned"})
        assert '<tr id="iraq"' not in none.text and "0 of 1 shown" in none.text
        recent = client.get("/overview", params={"since": "2016-01-01"})
        assert '<tr id="iraq"' in recent.text  # its CIRT dates from 2016-01-10
        later = client.get("/overview", params={"since": "2016-06-01"})
        assert '<tr id="iraq"' not in later.text
        picked = client.get("/countries/iraq/diff", params={"old": "first", "new": "latest"})
        assert picked.status_code == 303
        assert picked.headers["location"] == "/countries/iraq/diff/first/latest"
        page = client.get("/countries/iraq.html").text
        assert '<form id="compare"' in page and 'action="iraq/diff"' in page


def test_diff_pages_link_back_and_to_their_neighbours(base):
    import httpx

    with httpx.Client(base_url=base, timeout=10) as client:
        page = client.get("/countries/iraq/diff/first/latest").text
        assert '<a href="/countries/iraq.html">Back to Iraq</a>' in page
        assert 'rel="prev"' not in page and 'rel="next"' not in page  # the whole history
        one = client.get("/countries/iraq/diff/first/first").text
        assert 'rel="next" href="/countries/iraq/diff/2015-03-06/2016-01-10"' in one


def test_written_overview_keeps_its_filter_in_the_url(browser, tmp_path):
    from tests.helpers import IRAQ, import_files, run_cli, write_config

    write_config(tmp_path)
    import_files(tmp_path, ("a.txt", IRAQ), ("b.txt", LATER))
    assert run_cli("report", cwd=tmp_path).returncode == 0
    page = (tmp_path / "reports" / "overview.html").as_uri()
    browser.set_window_size(1280, 900)
    browser.get(page + "?indicator=national_cirt&value=no")
    assert browser.find_element("id", "iraq").is_displayed() is False  # Iraq: yes
    assert browser.find_element("id", "value").get_attribute("value") == "no"
    browser.get(page + "?indicator=national_cirt&value=yes")
    assert browser.find_element("id", "iraq").is_displayed()
    browser.execute_script(
        "var v = document.getElementById('value'); v.value = 'unknown';"
        "v.dispatchEvent(new Event('change'));"
    )
    assert browser.current_url.endswith("?indicator=national_cirt&value=unknown")
    assert not browser.find_element("id", "iraq").is_displayed()
    # the written map's date control (a script that only enhances: the latest without it)
    browser.get((tmp_path / "reports" / "map.html").as_uri())
    latest = fills(browser)
    browser.execute_script(
        "var p = document.getElementById('as-of'); p.value = '2015-12';"
        "p.dispatchEvent(new Event('change'));"
    )
    assert (latest, fills(browser)) == ({"iraq": "#1a7f37"}, {"iraq": "#cf222e"})  # 2015: no CIRT
    assert axe_violations(browser) == []
