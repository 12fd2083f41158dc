"""`monitor import`, `list`, `show` as a user runs them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CORPUS, FIXTURES, IRAQ_SEED, requires_corpus
from tests.helpers import IRAQ, edited, run_cli, write_config


@pytest.fixture
def workdir(tmp_path):
    write_config(tmp_path)
    return tmp_path


@requires_corpus
def test_import_the_whole_corpus_and_the_seeds(workdir):
    corpus = sorted(CORPUS.glob("*.txt"))
    result = run_cli(
        "import", *map(str, corpus), str(FIXTURES / "iraq-2015-03-06.txt"), cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 122
    outcome = {line.split(": ", 1)[0].rsplit("/", 1)[-1]: line.split(": ", 1)[1] for line in lines}
    # St Kitts twice, the same version extracted two ways: the second one is unchanged
    kitts = [
        outcome["Saint Kitts and Nevis (Federation of).txt"],
        outcome["St_Kitts_and_Nevis.txt"],
    ]
    assert kitts == [
        "new saint-kitts-and-nevis 2014-08-12",
        "unchanged saint-kitts-and-nevis 2014-08-12",
    ]
    assert outcome["iraq-2015-03-06.txt"] == "unchanged iraq 2015-03-06"
    assert sum(v.startswith("new ") for v in outcome.values()) == 120

    listing = run_cli("list", "--format", "json", cwd=workdir)
    countries = json.loads(listing.stdout)
    assert len(countries) == 120
    assert {
        "slug": "iraq",
        "country": "Iraq",
        "snapshots": ["2015-03-06"],
        "error": None,
    } in countries
    text = run_cli("list", cwd=workdir).stdout.splitlines()
    assert text[0].split() == ["COUNTRY", "SNAPSHOTS", "FIRST", "LATEST", "NAME"]
    assert len(text) == 121


def test_import_reports_each_file_and_goes_on(workdir):
    later = workdir / "iraq-2016.txt"
    later.write_text(edited(IRAQ, ("6th March 2015", "10th January 2016")))
    junk = workdir / "notes.txt"
    junk.write_text("shopping list")
    result = run_cli("import", str(IRAQ_SEED), str(junk), "missing.pdf", str(later), cwd=workdir)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{IRAQ_SEED}: new iraq 2015-03-06",
        f"{later}: new iraq 2016-01-10",
    ]
    assert result.stderr.splitlines() == [
        f"{junk}: error: not a Cyberwellness Profile: no 'CYBERWELLNESS PROFILE' title",
        "missing.pdf: error: no such file",
    ]


def test_import_with_country_override_is_path_safe(workdir):
    before = sorted(p.name for p in workdir.parent.iterdir())
    for name in ("../../etc", "a/b"):
        for extra in ((), ("--force-country",)):
            refused = run_cli("import", str(IRAQ_SEED), "--country", name, *extra, cwd=workdir)
            assert refused.returncode == 1
            assert f"{name!r} is not a country the monitor knows" in refused.stderr
    assert not (workdir / "snapshots").exists()  # nothing stored, under any name
    assert sorted(p.name for p in workdir.parent.iterdir()) == before


@pytest.fixture
def two_iraqs(workdir):
    later = workdir / "iraq-2016.txt"
    later.write_text(edited(IRAQ, ("6th March 2015", "10th January 2016")))
    assert run_cli("import", str(IRAQ_SEED), str(later), cwd=workdir).returncode == 0
    tajik = FIXTURES / "tajikistan-2015-03-09.txt"
    assert run_cli("import", str(tajik), cwd=workdir).returncode == 0
    return workdir


def test_list_one_country(two_iraqs):
    result = run_cli("list", "IQ", cwd=two_iraqs)
    lines = result.stdout.splitlines()
    assert lines[0] == "iraq: 2 snapshots"
    assert lines[1].split()[:2] == ["2015-03-06", "dated"]
    assert lines[2].split()[:2] == ["2016-01-10", "dated"]


def test_show(two_iraqs):
    result = run_cli("show", "Iraq", cwd=two_iraqs)
    assert result.returncode == 0
    assert result.stdout.startswith("snapshot iraq 2016-01-10\n")
    assert "Last updated     2016-01-10" in result.stdout
    old = run_cli("show", "iraq", "previous", "--format", "json", cwd=two_iraqs)
    data = json.loads(old.stdout)
    assert data["ref"] == "2015-03-06"
    assert data["profile"]["last_updated"] == "2015-03-06"
    assert data["source"]["file"].endswith("iraq-2015-03-06.txt")


@pytest.mark.parametrize(("ref", "expected"), [("2015", "2015-03-06"), ("2016-01", "2016-01-10")])
def test_show_a_year_or_a_month(two_iraqs, ref, expected):
    shown = run_cli("show", "IRQ", ref, "--format", "json", cwd=two_iraqs)
    assert json.loads(shown.stdout)["ref"] == expected


def test_unknown_country_and_ref(two_iraqs):
    typo = run_cli("show", "irak", cwd=two_iraqs)
    assert typo.returncode == 1
    assert typo.stderr == "error: no country 'irak' in the store; did you mean Iraq?\n"
    ref = run_cli("show", "iraq", "2014-01-01", cwd=two_iraqs)
    assert ref.returncode == 1
    assert ref.stderr == "error: iraq: no snapshot '2014-01-01'; stored: 2015-03-06, 2016-01-10\n"
    year = run_cli("show", "iraq", "2014", cwd=two_iraqs)
    assert year.stderr == "error: iraq: no snapshot '2014'; stored: 2015-03-06, 2016-01-10\n"
    verbose = run_cli("-v", "show", "iraq", "2014-01-01", cwd=two_iraqs)
    assert "Traceback" in verbose.stderr


def test_corrupt_snapshot(two_iraqs):
    path = two_iraqs / "snapshots" / "iraq" / "2016-01-10.json"
    path.write_text(path.read_text()[:200])
    shown = run_cli("show", "iraq", cwd=two_iraqs)
    assert shown.returncode == 1
    assert shown.stderr.startswith(f"error: {path.relative_to(two_iraqs)}: corrupt snapshot")
    assert "Traceback" not in shown.stderr
    listing = run_cli("list", cwd=two_iraqs)
    assert listing.returncode == 0
    assert "tajikistan" in listing.stdout
    assert "iraq" in listing.stdout
    one = run_cli("list", "iraq", cwd=two_iraqs)
    assert "2016-01-10      error:" in one.stdout
