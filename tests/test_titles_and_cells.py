"""Titles are untrusted: bidirectional controls never decide a country and never reach a
name; a title that reads like a spreadsheet formula is exported as text."""

from __future__ import annotations

import csv
import io

from monitor.edges.export import cell
from monitor.edges.store import Store
from tests.helpers import IRAQ, edited, profile_from, run_cli, write_config

RLO_IRAQ = edited(IRAQ, ("REPUBLIC OF IRAQ", "\u202eQARI\u202c"))


def test_a_title_with_bidirectional_controls_decides_no_country(tmp_path):
    write_config(tmp_path)
    (tmp_path / "qari.txt").write_text(RLO_IRAQ)
    result = run_cli("import", "qari.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "qari.txt: error: the title 'QARI' holds bidirectional control characters "
        "(U+202C, U+202E), which can make one country's name read as another's"
    ]
    assert Store(tmp_path / "snapshots").countries() == []


def test_bidirectional_controls_are_removed_from_section_titles_and_text():
    text = edited(
        IRAQ,
        ("1.1.1 CRIMINAL LEGISLATION", "1.1.1 CRIMINAL \u2067LEGISLATION\u2069"),
        ("There is still no", "There is \u202estill\u202c no"),
    )
    assert profile_from(text) == profile_from(IRAQ)  # the same profile, to the letter


def test_cells_that_start_like_formulas_are_exported_as_text(tmp_path):
    write_config(tmp_path)
    (tmp_path / "formula.txt").write_text(edited(IRAQ, ("REPUBLIC OF IRAQ", "=1+2 CMD")))
    assert run_cli("import", "formula.txt", cwd=tmp_path).returncode == 0
    out = run_cli("export", "--format", "csv", cwd=tmp_path).stdout
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["country"] == "'=1+2 Cmd"
    for value in ("=HYPERLINK(1)", "+1", "-1+A1", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell(value) == "'" + value
    for value in ("Iraq", "", "1 + 2", 33703000, -1.5, 9.2):
        assert cell(value) == value
    assert cell(None) == ""
