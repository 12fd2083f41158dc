"""The analyst's questions over the real corpus plus edited later editions
(tests/corpusworld.py): search, changes, compare and the overview, in the CLI and on a
real uvicorn, and the search index deleted, damaged and out of date.

Expectations come from reading the documents: only Mauritius and Sri Lanka name the
"Budapest Convention" (Hungary mentions Budapest as a city); the edited Iraq of 2016-02-10
gains "IQ-CERT" and loses "still no nationally recognized CERT"; Kenya (KE-CIRT/CC) and
Uganda (CERT-UG, ugCERT) both have a national CIRT.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from monitor.config import load_config
from monitor.core.refs import as_of
from monitor.core.search import fts_query
from monitor.core.snapshot import SnapshotRef
from monitor.edges.clock import utc_now
from monitor.edges.index import index_path
from monitor.errors import QuestionError, SnapshotNotFound
from monitor.service.app import create_app
from tests.helpers import cli_json, run_cli, write_config
from tests.servers import uvicorn_thread

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def world(corpus_world, tmp_path_factory):
    """A copy of the corpus world's store (the index is written beside it), served."""
    root = tmp_path_factory.mktemp("asked")
    shutil.copytree(corpus_world.root / "snapshots", root / "snapshots")
    write_config(root)
    app = create_app(load_config(root / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        yield root, base


def hits_of(answer: dict) -> dict[tuple[str, str], dict]:
    return {(h["country"]["slug"], h["section"]): h for h in answer["hits"]}


# -- search --------------------------------------------------------------------------------


def test_a_phrase_is_found_where_the_documents_print_it(world):
    root, _ = world
    found = cli_json(root, "search", '"Budapest Convention"')
    assert {slug for slug, _ in hits_of(found)} == {"mauritius", "sri-lanka"}
    assert all(h["now"] and "«Budapest Convention»" in h["snippet"] for h in found["hits"])


def test_a_phrase_added_later_is_first_found_in_that_edition(world):
    root, _ = world
    found = hits_of(cli_json(root, "search", "IQ-CERT"))
    hit = found["iraq", "1.2.1"]
    assert (hit["first"], hit["last"], hit["now"]) == ("2016-02-10", "2016-06-01", True)
    assert hit["gone_after"] is None
    assert set(found) == {("iraq", "1.2.1")}


def test_a_phrase_that_disappeared_reports_its_last_snapshot(world):
    root, _ = world
    found = hits_of(cli_json(root, "search", '"still no nationally recognized CERT"'))
    assert set(found) == {("iraq", "1.2.1")}
    hit = found["iraq", "1.2.1"]
    assert (hit["first"], hit["last"], hit["now"]) == ("2015-03-06", "2015-03-06", False)
    assert hit["gone_after"] == "2015-03-06" and hit["latest"] == "2016-06-01"
    text = run_cli("search", '"still no nationally recognized CERT"', cwd=root).stdout
    assert "gone after 2015-03-06, first in 2015-03-06" in text
    assert "[still no nationally recognized CERT]" in text


def test_search_filters_country_section_and_dates(world):
    root, _ = world
    query = "IQ-CERT OR Budapest*"
    everything = hits_of(cli_json(root, "search", query))
    assert ("iraq", "1.2.1") in everything and (
        "hungary",
        everything_section(everything),
    ) in everything
    only = hits_of(cli_json(root, "search", query, "--country", "Iraq", "--section", "1.2"))
    assert set(only) == {("iraq", "1.2.1")}
    before = hits_of(cli_json(root, "search", "IQ-CERT", "--to", "2015"))
    assert before == {}
    csv = run_cli("search", "IQ-CERT", "--format", "csv", cwd=root).stdout.splitlines()
    assert csv[0].startswith("slug,country,section") and csv[1].startswith("iraq,Iraq,1.2.1")


def everything_section(hits: dict) -> str:
    return next(section for slug, section in hits if slug == "hungary")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("budapest convention", '"budapest" AND "convention"'),
        ('"council of europe" OR budap*', '"council of europe" OR "budap"*'),
        ("cert NOT iraq", '"cert" NOT "iraq"'),
        ("(a OR b) c", '( "a" OR "b" ) AND "c"'),
        ("OR x NOT", '"x"'),
        ("((x", '( ( "x" ) )'),
        ('KE-CIRT/CC"', '"KE-CIRT/CC"'),
        ("a) b", '"a" AND "b"'),
    ],
)
def test_queries_are_fts5_that_never_fails(typed, expected):
    assert fts_query(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "AND OR", '""', "()"])
def test_a_query_without_words_is_one_clear_error(typed):
    with pytest.raises(QuestionError, match="nothing to look for"):
        fts_query(typed)


def test_odd_queries_answer(world):
    root, _ = world
    for typed in ['"', "*", "NEAR(", "a:b", "^x", "x OR"]:
        result = run_cli("search", typed, cwd=root)
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr


# -- the index: derived, rebuildable, up to date ------------------------------------------


def copy_world(world, tmp_path: Path) -> Path:
    root, _ = world
    shutil.copytree(root / "snapshots", tmp_path / "snapshots")
    write_config(tmp_path)
    return tmp_path


def test_the_index_survives_deletion_and_damage(world, tmp_path, caplog):
    root = copy_world(world, tmp_path)
    expected = cli_json(root, "search", '"Budapest Convention" OR IQ-CERT')
    path = index_path(root / "snapshots")
    assert path.is_file()
    for extra in path.parent.glob("search.db*"):
        extra.unlink()
    assert cli_json(root, "search", '"Budapest Convention" OR IQ-CERT') == expected
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    for extra in path.parent.glob("search.db-*"):
        extra.unlink()
    caplog.clear()
    assert cli_json(root, "search", '"Budapest Convention" OR IQ-CERT') == expected
    damaged = [r for r in caplog.records if "search.db was damaged" in r.getMessage()]
    assert len(damaged) == 1
    assert len(list(path.parent.glob("search.db.corrupt-*"))) == 1


def test_a_store_where_the_index_cannot_be_written_is_searched_all_the_same(world, tmp_path):
    root = copy_world(world, tmp_path)
    expected = cli_json(root, "search", '"Budapest Convention" OR IQ-CERT')
    cache = index_path(root / "snapshots").parent
    shutil.rmtree(cache)
    cache.write_text("in the way")  # as a folder this process may not write to would be
    ran = run_cli("search", '"Budapest Convention" OR IQ-CERT', "--format", "json", cwd=root)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == expected
    assert "cannot keep the search index there" in ran.stderr
    assert "built in memory" in ran.stderr
    assert cache.read_text() == "in the way"


def test_a_snapshot_added_by_another_process_is_found_by_the_next_search(world, tmp_path):
    root = copy_world(world, tmp_path)
    assert cli_json(root, "search", "Zanzibar-Accord")["hits"] == []
    from tests.corpusworld import text_of

    text = (
        text_of("Chad")
        .replace("12th March 2015", "9th May 2017")
        .replace(
            "1.2.1 CIRT", "1.2.1 CIRT\nChad signed the Zanzibar-Accord on incident sharing.", 1
        )
    )
    document = tmp_path / "chad-2017.txt"
    document.write_text(text, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "monitor", "import", str(document)],
        cwd=root,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    found = hits_of(cli_json(root, "search", "Zanzibar-Accord"))
    assert set(found) == {("chad", "1.2.1")}
    assert found["chad", "1.2.1"]["first"] == "2017-05-09"


# -- changes -------------------------------------------------------------------------------


def test_which_countries_gained_a_national_cirt_in_2016(world):
    root, _ = world
    args = ("changes", "--field", "national_cirt", "--to-value", "yes")
    found = cli_json(root, *args, "--from", "2016", "--to", "2016")["changes"]
    assert [(c["country"]["slug"], c["old"], c["new"], c["new_ref"]) for c in found] == [
        ("iraq", False, True, "2016-02-10")
    ]
    assert cli_json(root, *args, "--from", "2015", "--to", "2015")["changes"] == []
    assert cli_json(root, *args, "--from", "2017")["changes"] == []


def test_changes_by_field_glob_country_and_first_seen(world):
    root, _ = world
    population = cli_json(root, "changes", "--field", "population", "--from", "2016")["changes"]
    assert {(c["country"]["slug"], c["old"], c["new"]) for c in population} == {
        ("chad", 11831000, 12448000),
        ("iraq", 33703000, 36004552),
    }
    background = cli_json(root, "changes", "--field", "internet_*", "--country", "KE")["changes"]
    assert [(c["old"], c["new"], c["published_is_first_seen"]) for c in background] == [
        (39.0, 43.0, True)
    ]
    seen = cli_json(root, "changes", "--seen-from", "2026-11-26", "--field", "internet_*")
    assert [c["country"]["slug"] for c in seen["changes"]] == ["kenya"]
    items = cli_json(root, "changes", "--field", "section:*", "--country", "iraq")["changes"]
    assert {c["field"] for c in items} == {"section:1.2.1:text"}


def test_a_bad_date_is_one_line(world):
    root, _ = world
    result = run_cli("changes", "--from", "last year", cwd=root)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: --from: 'last year' is not a date like 2015, 2015-03 or 2015-03-06"
    ]


# -- compare -------------------------------------------------------------------------------


def test_compare_shows_equal_values_too(world):
    root, _ = world
    found = cli_json(root, "compare", "kenya", "uganda")
    assert [c["slug"] for c in found["countries"]] == ["kenya", "uganda"]
    cirt = next(r for r in found["indicators"] if r["key"] == "national_cirt")
    assert cirt["equal"] and [v["value"] for v in cirt["values"]] == ["yes", "yes"]
    assert "KE-CIRT/CC" in cirt["values"][0]["evidence"]
    text = run_cli("compare", "kenya", "uganda", cwd=root).stdout
    assert "= national CIRT" in text
    for fmt, marker in (("md", "| national CIRT (same) | yes | yes |"), ("html", "<table>")):
        assert marker in run_cli("compare", "kenya", "uganda", "--format", fmt, cwd=root).stdout


def test_compare_at_a_date_and_country_refs(world):
    root, _ = world
    found = cli_json(root, "compare", "iraq", "chad", "--at", "2015")
    assert [c["ref"] for c in found["countries"]] == ["2015-03-06", "2015-03-12"]
    cirt = next(r for r in found["indicators"] if r["key"] == "national_cirt")
    assert cirt["values"][0]["value"] == "no"
    mixed = cli_json(root, "compare", "iraq:latest", "iraq:first")
    assert [c["ref"] for c in mixed["countries"]] == ["2016-06-01", "2015-03-06"]
    assert run_cli("compare", "iraq", cwd=root).returncode == 1


def test_as_of_is_the_newest_on_or_before():
    refs = [SnapshotRef("2015-03-06", 1, "x"), SnapshotRef("2016-02-10", 1, "x")]
    assert as_of(refs, "2015-12-31", "x").key == "2015-03-06"
    assert as_of(refs, "2016", "x").key == "2016-02-10"
    assert as_of(refs, "latest", "x").key == "2016-02-10"
    with pytest.raises(SnapshotNotFound, match="nothing stored on or before 2014"):
        as_of(refs, "2014", "x")


# -- the API answers exactly what the CLI prints --------------------------------------------


@pytest.mark.parametrize(
    ("target", "cli"),
    [
        ("/api/search?q=%22Budapest+Convention%22", ["search", '"Budapest Convention"']),
        (
            "/api/search?q=CERT&country=iraq&country=kenya&section=1.2&from=2015",
            [
                "search",
                "CERT",
                "--country",
                "iraq",
                "--country",
                "kenya",
                "--section",
                "1.2",
                "--from",
                "2015",
            ],
        ),
        (
            "/api/changes?field=national_cirt&to_value=yes&from=2016&to=2016",
            [
                "changes",
                "--field",
                "national_cirt",
                "--to-value",
                "yes",
                "--from",
                "2016",
                "--to",
                "2016",
            ],
        ),
        (
            "/api/changes?field=population&kind=changed",
            ["changes", "--field", "population", "--kind", "changed"],
        ),
        ("/api/compare?countries=kenya,uganda", ["compare", "kenya", "uganda"]),
        (
            "/api/compare?countries=iraq:first,chad&at=2016",
            ["compare", "iraq:first", "chad", "--at", "2016"],
        ),
        ("/api/overview", ["overview"]),
    ],
)
def test_the_api_answers_what_the_cli_prints(world, target, cli):
    root, base = world
    response = httpx.get(f"{base}{target}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    printed = run_cli(*cli, "--format", "json", cwd=root)
    assert printed.returncode == 0, printed.stderr
    assert response.text == printed.stdout
    again = httpx.get(f"{base}{target}", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_the_api_refuses_bad_questions_with_400(world):
    _, base = world
    for target in ("/api/search?q=", "/api/changes?from=soon", "/api/compare?countries=iraq"):
        response = httpx.get(f"{base}{target}")
        assert response.status_code == 400, target
        assert set(response.json()) == {"error"}
    assert httpx.get(f"{base}/api/compare?countries=iraq,atlantis").status_code == 404


def test_the_search_page_links_each_hit(world):
    _, base = world
    page = httpx.get(f"{base}/search", params={"q": '"Budapest Convention" OR <b>'})
    assert page.status_code == 200
    value = (
        '<input id="q" name="q" type="search" value="&#34;Budapest Convention&#34; OR &lt;b&gt;"'
    )
    assert value in page.text
    assert "<mark>Budapest Convention</mark>" in page.text
    assert "/api/countries/mauritius/snapshots/" in page.text
    assert 'href="/countries/sri-lanka.html"' in page.text
    assert 'href="/countries/mauritius.html#2014-08-12"' in page.text  # the snapshot there
    assert httpx.get(f"{base}/search").status_code == 200


# -- regions (UN M49, from ICU's region data) ---------------------------------------------


def test_regions_are_un_m49():
    from monitor.core.countries import region_codes

    africa, western_asia = region_codes("region:africa"), region_codes("western-asia")
    assert {"KE", "UG", "TD", "TG"} <= africa and "IQ" not in africa
    assert {"IQ", "SA", "TR", "CY"} <= western_asia and "IR" not in western_asia
    assert "MX" in region_codes("latin-america-and-the-caribbean")
    assert "MX" in region_codes("region:013") and "MX" not in region_codes("northern-america")
    assert region_codes("region:atlantis") is None


def test_a_region_is_accepted_wherever_countries_are(world):
    root, base = world
    asked = ("changes", "--field", "population", "--country", "region:western-asia")
    assert [c["country"]["slug"] for c in cli_json(root, *asked)["changes"]] == ["iraq"]
    found = cli_json(root, "search", "CIRT OR CERT", "--country", "region:eastern-africa")
    assert {"kenya", "uganda"} <= {h["country"]["slug"] for h in found["hits"]}
    assert "iraq" not in {h["country"]["slug"] for h in found["hits"]}
    api = httpx.get(f"{base}/api/changes?field=population&country=region:western-asia")
    assert api.text == run_cli(*asked, "--format", "json", cwd=root).stdout
    csv = run_cli("export", "--format", "csv", "region:middle-africa", cwd=root).stdout
    assert "chad" in csv and "iraq" not in csv
    wrong = run_cli("search", "CERT", "--country", "region:westrn-asia", cwd=root)
    assert wrong.returncode == 1
    assert wrong.stderr.strip().startswith(
        "error: 'region:westrn-asia' is no region (UN M49 regions and sub-regions); "
        "did you mean region:western-asia,"
    )
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_status_transitions_are_a_kind_and_a_value(tmp_path):
    """Bolivia's strategy planned → draft → adopted (tests/test_status_changes.py's
    editions, statuses as tests/data/README.md defines them)."""
    from monitor.edges.store import Store
    from tests.corpusworld import save, text_of
    from tests.helpers import edited
    from tests.test_status_changes import EDITIONS

    write_config(tmp_path)
    store = Store(tmp_path / "snapshots")
    for name, when, edits in EDITIONS:
        if name == "Bolivia":
            save(store, edited(text_of(name), *edits), when)
    status = cli_json(tmp_path, "changes", "--kind", "status")["changes"]
    assert [(c["new_ref"], c["old_status"], c["new_status"], c["new"]) for c in status] == [
        ("2016-05-02", "planned", "draft", False),
        ("2017-06-09", "draft", None, True),
    ]
    drafts = cli_json(tmp_path, "changes", "--to-value", "draft")["changes"]
    assert [c["new_ref"] for c in drafts] == ["2016-05-02"]


@pytest.mark.parametrize(
    ("country", "old", "new"),
    [
        ("kenya", "latest", "uganda:latest"),
        ("uganda", "kenya:2014", "latest"),
        ("iraq", "iraq:first", "2016"),
    ],
)
def test_the_service_takes_country_refs_as_the_cli_does(world, country, old, new):
    root, base = world
    response = httpx.get(f"{base}/api/countries/{country}/diff/{old}/{new}")
    assert response.status_code == 200, response.text
    printed = run_cli("diff", country, old, new, "--format", "json", cwd=root)
    assert response.text == printed.stdout
    page = httpx.get(f"{base}/countries/{country}/diff/{old}/{new}")
    assert page.status_code == 200
