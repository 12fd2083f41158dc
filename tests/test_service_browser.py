"""The served pages in a real headless Chromium: the index, a country page reached by its
link, a diff page, a digest reached through /weeks/, and the styled 404."""

from __future__ import annotations

import pytest

from monitor.config import load_config
from monitor.edges.clock import utc_now
from monitor.service.app import create_app
from tests.helpers import IRAQ, import_files, keep, write_config
from tests.helpers import IRAQ_LATER as LATER
from tests.helpers import IRAQ_REVISED as REVISED
from tests.servers import uvicorn_thread


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("browsed")
    write_config(root)
    import_files(root, ("a.txt", IRAQ))
    import_files(root, ("b.txt", LATER))
    import_files(root, ("c.txt", REVISED))
    app = create_app(load_config(root / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as url:
        yield url


def test_served_pages_in_chromium(browser, base, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(base + "/")
    assert browser.title == "Cyberwellness Monitor reports"
    link = browser.find_element(By.LINK_TEXT, "Iraq")
    link.click()
    assert browser.current_url == f"{base}/countries/iraq.html"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Iraq: profile history"
    rows = browser.find_elements(By.CSS_SELECTOR, "#timeline tr")
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows[1:]] == [
        "2016-01-10.r2 no new date",
        "2016-01-10",
        "2015-03-06",
    ]
    keep(browser, tmp_path / "served-country.png")
    browser.find_element(By.LINK_TEXT, "All reports").click()
    assert browser.current_url == f"{base}/index.html"

    browser.get(f"{base}/countries/IQ/diff/first/latest")
    assert browser.title == "Iraq: 2015-03-06 → 2016-01-10.r2"
    changes = browser.find_elements(By.CSS_SELECTOR, "ul.changes li")
    assert len(changes) == 6
    assert all(li.is_displayed() for li in changes)
    assert any("IQ-CERT" in i.text for i in browser.find_elements(By.TAG_NAME, "ins"))
    assert browser.execute_script("return document.scripts.length") == 0
    keep(browser, tmp_path / "served-diff.png")

    browser.get(base + "/")
    week = browser.find_element(By.CSS_SELECTOR, "#weeks a").text
    browser.get(f"{base}/weeks/{week}")
    assert browser.current_url == f"{base}/{week}.html"
    assert browser.title == f"Cyberwellness changes {week}"
    browser.find_element(By.LINK_TEXT, "history").click()
    assert browser.current_url.startswith(f"{base}/countries/iraq.html#")

    browser.get(f"{base}/countries/irak")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
    assert browser.find_element(By.ID, "error").text == (
        "no country 'irak' in the store; did you mean Iraq?"
    )
    keep(browser, tmp_path / "served-404.png")

    # under the pages' Content-Security-Policy, their own style and script still run
    browser.get(f"{base}/overview")
    assert browser.find_element(By.ID, "tools").is_displayed()  # the script showed its tools
    width = browser.execute_script("return getComputedStyle(document.body).maxWidth")
    assert width != "none"  # the inline style applied
