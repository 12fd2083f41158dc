"""`monitor parse` as a user runs it: real files, the CLI in-process (a real process where
the traceback of -v is the point)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CORPUS, IRAQ_SEED, requires_corpus
from tests.helpers import run_cli, run_process
from tests.pdfs import text_to_pdf


def run(*args: str):
    return run_cli(*args, cwd=Path.cwd())


def test_parse_prints_a_readable_summary():
    result = run("parse", str(IRAQ_SEED))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Republic of Iraq  [iraq, IQ/IRQ]" in out
    assert "Last updated     2015-03-06" in out
    assert "33 703 000  (United Nations Statistics Division, December 2012)" in out
    assert "national CIRT" in out and "Sections (28)" in out
    assert "1.1.2  Regulation and Compliance" in out


def test_parse_json_is_the_snapshot_form():
    result = run("parse", str(IRAQ_SEED), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    assert data["slug"] == "iraq"
    assert data["background"]["population"]["value"] == 33_703_000
    assert [s["number"] for s in data["sections"]][:3] == ["1", "1.1", "1.1.1"]


def test_parse_a_pdf(tmp_path):
    pdf = tmp_path / "Iraq.pdf"
    pdf.write_bytes(text_to_pdf(IRAQ_SEED.read_text("utf-8")))
    result = run("parse", str(pdf), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["last_updated"] == "2015-03-06"


def test_bad_file_is_one_line_without_traceback(tmp_path):
    page = tmp_path / "Iraq.pdf"
    page.write_text("<html><head><title>Service Unavailable</title></head></html>")
    result = run("parse", str(page))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {page}: expected a PDF but got an HTML page (Service Unavailable)"]


def test_verbose_shows_the_traceback(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run_process("-v", "parse", str(empty), cwd=Path.cwd())
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ExtractError" in result.stderr


def test_missing_file_and_usage_errors():
    missing = run("parse", "/nonexistent/profile.pdf")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: /nonexistent/profile.pdf: no such file"
    usage = run("parse")
    assert usage.returncode == 2
    assert "Missing argument 'FILE'" in usage.stderr


@requires_corpus
def test_the_printed_title_wins_over_a_contradicting_country():
    kenya = str(CORPUS / "Kenya.txt")
    result = run("parse", kenya, "--country", "Uganda")
    assert result.returncode == 1
    assert "the document is the profile of Kenya" in result.stderr
    assert "not of Uganda" in result.stderr
    agrees = run("parse", kenya, "--country", "KEN", "--format", "json")
    assert json.loads(agrees.stdout)["iso2"] == "KE"
    forced = run("parse", kenya, "--country", "Uganda", "--force-country", "--format", "json")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["iso2"] == "UG"
