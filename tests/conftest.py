"""Shared paths and helpers. The real corpus is read in place from ../shared/corpus/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "ict4sd"
IRAQ_SEED = FIXTURES / "iraq-2015-03-06.txt"
TAJIKISTAN_SEED = FIXTURES / "tajikistan-2015-03-09.txt"

NO_CORPUS = f"the real corpus {CORPUS} is absent (CI always has it)"
requires_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=NO_CORPUS)


def corpus_params() -> list:
    """One pytest param per corpus file, named by file; a single skipped param if absent."""
    if not CORPUS.is_dir():
        return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]
    return [pytest.param(path, id=path.stem.strip()) for path in sorted(CORPUS.glob("*.txt"))]


def seed_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def _session_server():
    """One threaded pytest-httpserver on 127.0.0.1 for the whole run (each start and stop
    costs about half a second); ``server`` resets it between tests."""
    from tests.servers import http_server

    with http_server() as server:
        yield server


@pytest.fixture
def server(_session_server):
    _session_server.clear()
    yield _session_server
    _session_server.clear()


def pytest_terminal_summary(terminalreporter) -> None:
    """Indicator agreement per indicator, tuning set and hold-out (tests/test_indicators.py)."""
    import sys

    module = sys.modules.get("tests.test_indicators")
    lines = getattr(module, "REPORT", None)
    if lines:
        terminalreporter.section("indicator agreement with the labelled corpus")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def corpus_world(tmp_path_factory):
    """The real corpus imported in one week and a few edited versions in the next
    (tests/corpusworld.py); read-only for the tests that share it."""
    if not CORPUS.is_dir():
        pytest.skip(NO_CORPUS)
    from tests.corpusworld import build

    return build(tmp_path_factory.mktemp("corpus-world"))


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Debian Chromium driven by selenium, one per test module."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert Path(CHROMIUM).exists(), "Debian chromium is not installed (.ci/run installs it)"
    assert Path(CHROMEDRIVER).exists(), "Debian chromium-driver is not installed"
    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1200,1600",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
