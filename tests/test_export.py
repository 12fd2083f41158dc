"""`monitor export` on the real corpus plus edited versions: CSV, JSON Lines (validated
against monitor/schemas/snapshot.schema.json) and SQLite (changes equal `monitor diff`,
full-text search over sections)."""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest

from monitor.core.profile import INDICATORS
from monitor.edges.export import COLUMNS
from tests.conftest import ROOT
from tests.corpusworld import IRAQ_CERT
from tests.helpers import run_cli, write_config

SCHEMA = json.loads((ROOT / "monitor" / "schemas" / "snapshot.schema.json").read_text())


@pytest.fixture(scope="module")
def world(corpus_world):
    return corpus_world, write_config(corpus_world.root)


def export(world, *args: str):
    corpus, config = world
    ran = run_cli("--config", str(config), "export", *args, cwd=corpus.root)
    assert ran.returncode == 0, ran.stderr
    return ran


def snapshot_count(store) -> int:
    return sum(len(store.refs(slug)) for slug in store.countries())


def test_csv_has_one_row_per_snapshot(world):
    corpus, _ = world
    rows = list(csv.DictReader(io.StringIO(export(world, "--format", "csv").stdout)))
    assert len(rows) == snapshot_count(corpus.store) == 120 + 5
    statuses = [f"{key}_status" for key in INDICATORS]
    evidence = [f"{key}_evidence" for key in INDICATORS]
    assert list(rows[0]) == [*COLUMNS, *INDICATORS, *statuses, *evidence]
    assert COLUMNS[-2:] == ("population_note", "internet_users_note")
    iraq = [r for r in rows if r["slug"] == "iraq"]
    assert [r["snapshot"] for r in iraq] == ["2015-03-06", "2016-02-10", "2016-06-01"]
    assert [r["national_cirt"] for r in iraq] == ["no", "yes", "yes"]
    assert iraq[0]["population"] == "33703000"
    assert iraq[0]["population_source"] == "United Nations Statistics Division"
    assert iraq[0]["internet_users_pct"] == "9.2"
    kenya = [r for r in rows if r["slug"] == "kenya"]
    assert [(r["dated_by"], r["last_updated"]) for r in kenya] == [
        ("footer", "2014-08-12"),
        ("first_seen", ""),
    ]
    assert {r["national_cirt"] for r in rows} <= {"yes", "no", ""}


def test_csv_of_named_countries_to_a_file(world):
    corpus, _ = world
    out = corpus.root / "two.csv"
    ran = export(world, "--format", "csv", "-o", str(out), "IRQ", "Chad")
    assert ran.stdout == f"wrote {out}\n"
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["slug"] for r in rows] == ["iraq", "iraq", "iraq", "chad", "chad"]


def test_jsonl_is_the_documented_snapshot_json(world):
    import jsonschema

    corpus, _ = world
    lines = export(world, "--format", "jsonl").stdout.splitlines()
    assert len(lines) == snapshot_count(corpus.store)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for line in lines:
        validator.validate(json.loads(line))
    first = json.loads(lines[0])
    stored = json.loads(
        corpus.store.path(corpus.store.find_ref(first["profile"]["slug"], first["ref"])).read_text()
    )
    assert {k: v for k, v in first.items() if k != "ref"} == stored


def test_every_stored_snapshot_file_follows_the_schema(world):
    import jsonschema

    corpus, _ = world
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for slug in corpus.store.countries():
        for ref in corpus.store.refs(slug):
            validator.validate(json.loads(corpus.store.path(ref).read_text()))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"schema": 1, "profile": {}, "source": {}, "dated_by": "guess"})


def test_sqlite_changes_equal_monitor_diff_and_sections_are_searchable(world):
    import sqlite_utils

    corpus, config = world
    path = corpus.root / "export.db"
    ran = export(world, "--format", "sqlite", "-o", str(path))
    assert ran.stdout == f"wrote {path}\n"
    db = sqlite_utils.Database(path)
    assert db["snapshots"].count == snapshot_count(corpus.store)
    assert db["countries"].count == 120
    pairs = 0
    for slug in corpus.store.countries():
        refs = [r.name for r in corpus.store.refs(slug)]
        for old, new in itertools.pairwise(refs):
            pairs += 1
            diff = run_cli(
                "--config", str(config), "diff", slug, old, new, "--format", "json", cwd=corpus.root
            )
            expected = sorted(
                (c["path"], c["kind"], _text(c["old"]), _text(c["new"]), c["group"])
                for c in json.loads(diff.stdout)["changes"]
            )
            stored = sorted(
                (r["path"], r["kind"], r["old_value"], r["new_value"], r["section"])
                for r in db["changes"].rows_where(
                    "slug = ? and old = ? and new = ?", [slug, old, new]
                )
            )
            assert stored == expected, (slug, old, new)
            assert expected, (slug, old, new)  # every edited pair changed something
    assert pairs == 5
    assert db["changes"].count == sum(1 for _ in db["changes"].rows)
    found = list(db["sections"].search('"IQ-CERT"'))
    assert {(r["slug"], r["snapshot"], r["number"]) for r in found} == {
        ("iraq", "2016-02-10", "1.2.1"),
        ("iraq", "2016-06-01", "1.2.1"),
    }
    assert IRAQ_CERT in found[0]["text"]
    assert "sections_fts" in db.table_names()
    db.close()


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def test_sqlite_needs_an_output_file(world):
    corpus, config = world
    ran = run_cli("--config", str(config), "export", "--format", "sqlite", cwd=corpus.root)
    assert ran.returncode == 2
    assert "--format sqlite needs -o PATH" in ran.stderr
