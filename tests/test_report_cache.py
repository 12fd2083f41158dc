"""The report and diff caches: a report with nothing new reads no snapshot and writes the
same reports; something new is read again; a damaged cache is ignored and rebuilt."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from monitor.core.periods import iso_week
from monitor.edges import diffcache, reportcache
from monitor.edges.store import Store
from monitor.pipeline.reporting import write_reports
from tests.helpers import edited
from tests.reportdata import DURING, SEEDS, WEEK, build, save

GENERATED = re.compile(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC|<updated>[^<]*</updated>")


def outputs(reports) -> dict[str, str]:
    """Every report file but the caches, with the generation time blanked."""
    return {
        str(p.relative_to(reports)): GENERATED.sub("", p.read_text())
        for p in sorted(reports.rglob("*"))
        if p.is_file() and ".cache" not in p.parts
    }


@pytest.fixture
def world(tmp_path):
    world = build(tmp_path)
    write_reports(world.config, world.store, iso_week(WEEK), DURING)
    return world


def test_nothing_new_reads_no_snapshot_and_writes_the_same(world, monkeypatch):
    reports = world.config.storage.reports
    before = outputs(reports)

    def refuse(self, ref):
        raise AssertionError(f"read {ref.slug} {ref.name} with nothing new")

    monkeypatch.setattr(Store, "load", refuse)
    result = write_reports(world.config, world.store, iso_week(WEEK), DURING + timedelta(hours=1))
    assert result.written == 4  # the digest, index, overview and feed; no country page
    assert outputs(reports) == before


def test_a_new_snapshot_is_read_and_its_page_rewritten(world):
    reports = world.config.storage.reports
    kenya_before = (reports / "countries" / "kenya.html").read_text()
    tajik = (reports / "countries" / "tajikistan.html").stat().st_mtime_ns
    text = edited(SEEDS["iraq"], ("Last updated on 6th March 2015", "Last updated on 2nd May 2016"))
    save(world.store, text, "Kenya", DURING + timedelta(hours=2))
    result = write_reports(world.config, world.store, iso_week(WEEK), DURING + timedelta(hours=3))
    assert result.written == 5
    assert (reports / "countries" / "kenya.html").read_text() != kenya_before
    assert "2016-05-02" in (reports / "countries" / "kenya.html").read_text()
    assert (reports / "countries" / "tajikistan.html").stat().st_mtime_ns == tajik
    overview = (reports / "overview.html").read_text()
    assert "latest 2016-05-02" in overview


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b'{"schema": 3, "pairs": {"a:b": 7}}',
        b"[]",
    ],
    ids=["not-json", "wrong-pair", "wrong-shape"],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(world, damage):
    reports = world.config.storage.reports
    before = outputs(reports)
    paths = (diffcache.cache_path(world.store.root), reportcache.cache_path(reports))
    for path in paths:
        path.write_bytes(damage)
    write_reports(world.config, world.store, iso_week(WEEK), DURING)
    assert outputs(reports) == before
    for path in paths:
        assert json.loads(path.read_text())["schema"] >= 1  # written again, whole


def test_a_cache_entry_of_the_wrong_shape_reads_that_country_again(world, monkeypatch):
    reports = world.config.storage.reports
    path = reportcache.cache_path(reports)
    data = json.loads(path.read_text())
    data["countries"]["kenya"]["now"]["cells"]["national_cirt"]["value"] = "maybe"
    path.write_text(json.dumps(data))
    read = []
    original = Store.load

    def counting(self, ref):
        read.append(ref.slug)
        return original(self, ref)

    monkeypatch.setattr(Store, "load", counting)
    write_reports(world.config, world.store, iso_week(WEEK), DURING)
    assert set(read) == {"kenya"}


def test_a_deleted_diff_cache_diffs_again(world):
    reports = world.config.storage.reports
    before = outputs(reports)
    diffcache.cache_path(world.store.root).unlink()
    write_reports(world.config, world.store, iso_week(WEEK), DURING)
    assert outputs(reports) == before
    assert diffcache.cache_path(world.store.root).exists()


def test_an_unwritable_cache_only_costs_time(world, caplog):
    reports = world.config.storage.reports
    cache = reportcache.cache_path(reports)
    cache.unlink()
    cache.mkdir()  # a folder where the file should be: it cannot be written
    write_reports(world.config, world.store, iso_week(WEEK), DURING)
    assert (reports / f"{WEEK}.html").exists()
    assert any("cannot write" in r.getMessage() for r in caplog.records)
