"""`monitor diff` as a user runs it, on a store holding two Iraq snapshots."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import IRAQ_SEED, ROOT
from tests.helpers import IRAQ_LATER as LATER
from tests.helpers import run_cli, write_config


@pytest.fixture
def store(tmp_path):
    write_config(tmp_path)
    later = tmp_path / "iraq-2016.txt"
    later.write_text(LATER)
    assert run_cli("import", str(IRAQ_SEED), str(later), cwd=tmp_path).returncode == 0
    return tmp_path


def test_diff_prints_the_changes(store):
    result = run_cli("diff", "iraq", "2015-03-06", "latest", cwd=store)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Iraq (iraq): 2015-03-06 → 2016-01-10  (6 changes)",
        "",
        "Indicators",
        "  ~ national CIRT: no → yes: Iraq has an officially recognized national CIRT called"
        " IQ-CERT.",
        "  ~ cybersecurity regulation: no → yes: Cyber Security Law No. 12",
        "",
        "Profile",
        "  ~ last updated: 2015-03-06 → 2016-01-10",
        "",
        "Background",
        "  ~ population: 33 703 000 → 36 004 552 (+2 301 552, +6.8 %)",
        "",
        "1.1.2 Regulation and Compliance",
        "  + items: Cyber Security Law No. 12",
        "",
        "1.2.1 CIRT",
        "  ~ text: … (a security core and CIRT training) with ITU-IMPACT. [-There is still no"
        " nationally-] {+Iraq has an officially+} recognized [-CERT in Iraq.-] {+national CIRT"
        " called IQ-CERT.+}",
    ]
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_json_validates_against_its_schema(store):
    result = run_cli("diff", "IQ", "first", "latest", "--format", "json", cwd=store)
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "monitor" / "schemas" / "diff.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert data["old"]["ref"] == "2015-03-06"
    assert data["new"]["last_updated"] == "2016-01-10"
    assert data["new"]["source"].endswith("iraq-2016.txt")
    assert len(data["changes"]) == 6


def test_markdown_and_html_to_a_file(store):
    md = run_cli("diff", "iraq", "previous", "latest", "--format", "md", cwd=store)
    assert md.stdout.startswith("# Iraq (iraq): 2015-03-06 → 2016-01-10")
    assert "- added items: Cyber Security Law No. 12" in md.stdout
    out = store / "out" / "iraq.html"
    html = run_cli(
        "diff", "iraq", "previous", "latest", "--format", "html", "-o", str(out), cwd=store
    )
    assert html.returncode == 0
    assert html.stdout == ""
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<ins>Iraq has an officially</ins>" in page
    assert "<script" not in page


def test_exit_code(store):
    assert run_cli("diff", "iraq", "first", "latest", "--exit-code", cwd=store).returncode == 1
    same = run_cli("diff", "iraq", "latest", "latest", "--exit-code", cwd=store)
    assert same.returncode == 0
    assert "(0 changes)" in same.stdout
    assert run_cli("diff", "iraq", "first", "latest", cwd=store).returncode == 0


def test_local_files_on_either_side(store):
    result = run_cli("diff", "iraq", "latest", str(IRAQ_SEED), "--format", "json", cwd=store)
    data = json.loads(result.stdout)
    assert data["new"]["ref"] == str(IRAQ_SEED)
    assert {c["path"] for c in data["changes"]} >= {"Profile › last updated"}
    # two files, no store needed
    other = store / "other.txt"
    other.write_text(LATER)
    files = run_cli("diff", "iraq", str(IRAQ_SEED), str(other), "--exit-code", cwd=store.parent)
    assert files.returncode == 1


def test_errors(store):
    assert run_cli("diff", "irak", "first", "latest", cwd=store).stderr == (
        "error: no country 'irak' in the store; did you mean Iraq?\n"
    )
    bad_ref = run_cli("diff", "iraq", "2014-01-01", "latest", cwd=store)
    assert bad_ref.returncode == 1
    assert bad_ref.stderr == (
        "error: iraq: no snapshot '2014-01-01'; stored: 2015-03-06, 2016-01-10\n"
    )


def test_two_countries_only_when_asked_for(store):
    tajikistan = ROOT / "tests" / "fixtures" / "tajikistan-2015-03-09.txt"
    silent = run_cli("diff", "iraq", "latest", str(tajikistan), cwd=store)
    assert silent.returncode == 1
    assert silent.stderr.startswith(
        f"error: {tajikistan} is the profile of Tajikistan, not of iraq"
    )
    assert "tajikistan:" in silent.stderr
    assert run_cli("import", str(tajikistan), cwd=store).returncode == 0
    across = run_cli("diff", "iraq", "latest", "tajikistan:latest", cwd=store)
    assert across.returncode == 0, across.stderr
    assert across.stdout.splitlines()[0].startswith(
        "Iraq → Tajikistan (two countries) (iraq): iraq:2016-01-10 → tajikistan:2015-03-09"
    )
    as_file = run_cli("diff", "iraq", "latest", f"tajikistan:{tajikistan}", cwd=store)
    assert as_file.returncode == 0, as_file.stderr
    assert "(two countries)" in as_file.stdout.splitlines()[0]
    # the prefix must be the file's own country
    wrong = run_cli("diff", "iraq", "latest", f"kenya:{tajikistan}", cwd=store)
    assert wrong.returncode == 1
    assert "the document is the profile of Tajikistan" in wrong.stderr
