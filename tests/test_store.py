"""The snapshot store: identity by content, revisions, refs, first-seen keys, paths."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.core.snapshot import Outcome, SnapshotRef
from monitor.edges.store import Store, check_slug, find_country
from monitor.errors import ParseError, SnapshotDamaged, SnapshotNotFound, StoreError
from tests.helpers import IRAQ, T0, edited, profile_from


def save(store: Store, text: str, now=T0):
    return store.save(
        profile_from(text), text.encode(), kind="text", content_type="text/plain", now=now
    )


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "snapshots", lock_timeout=5)


def test_new_unchanged_revised_new(store):
    first = save(store, IRAQ)
    assert (first.outcome, first.ref.name) == (Outcome.NEW, "2015-03-06")
    # the same content again, even with other bytes (line ends, spacing): nothing written
    again = save(store, IRAQ.replace("\n", "\r\n").replace("Iraq.", "Iraq. "))
    assert (again.outcome, again.ref.name) == (Outcome.UNCHANGED, "2015-03-06")
    # new content under the same date: a revision, never an overwrite
    changed = edited(IRAQ, ("33 703 000", "34 000 000"))
    revised = save(store, changed)
    assert (revised.outcome, revised.ref.name) == (Outcome.REVISED, "2015-03-06.r2")
    assert save(store, changed).outcome == Outcome.UNCHANGED
    third = save(store, edited(changed, ("9.20%", "9.90%")))
    assert third.ref.name == "2015-03-06.r3"
    newer = save(store, edited(IRAQ, ("6th March 2015", "1st June 2016")))
    assert (newer.outcome, newer.ref.name) == (Outcome.NEW, "2016-06-01")
    names = sorted(p.name for p in (store.root / "iraq").iterdir())
    assert names == [
        "2015-03-06.json",
        "2015-03-06.r2.json",
        "2015-03-06.r2.txt",
        "2015-03-06.r3.json",
        "2015-03-06.r3.txt",
        "2015-03-06.txt",
        "2016-06-01.json",
        "2016-06-01.txt",
    ]
    # the first version is still exactly what was first saved
    assert store.load(first.ref).profile == profile_from(IRAQ)
    assert (store.root / "iraq" / "2015-03-06.txt").read_text() == IRAQ


def test_snapshot_records_its_source(store):
    result = store.save(
        profile_from(IRAQ),
        b"raw bytes",
        kind="pdf",
        content_type="application/pdf",
        now=T0,
        url="https://example.org/Iraq.pdf",
    )
    snap = store.load(result.ref)
    assert snap.source.url == "https://example.org/Iraq.pdf"
    assert snap.source.seen_at.isoformat() == "2026-11-16T06:00:00+00:00"
    assert snap.source.content_type == "application/pdf"
    assert snap.source.raw == "2015-03-06.pdf"
    assert (store.root / "iraq" / "2015-03-06.pdf").read_bytes() == b"raw bytes"
    data = json.loads(store.path(result.ref).read_text())
    assert data["schema"] == 1
    assert data["profile"]["schema"] == 1


@pytest.fixture
def history(store):
    """Iraq: 2015-03-06, its revision r2, 2016-01-10, 2017-02-01."""
    save(store, IRAQ)
    save(store, edited(IRAQ, ("33 703 000", "33 800 000")))
    save(store, edited(IRAQ, ("6th March 2015", "10th January 2016")))
    save(store, edited(IRAQ, ("6th March 2015", "1st February 2017")))
    return store


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("2015-03-06", "2015-03-06.r2"),  # a date means its newest revision
        ("2015-03-06.r2", "2015-03-06.r2"),
        ("2015-03-06.r1", "2015-03-06"),
        ("latest", "2017-02-01"),
        ("LATEST", "2017-02-01"),
        ("previous", "2016-01-10"),
        ("latest~1", "2016-01-10"),
        ("latest~3", "2015-03-06"),
        ("first", "2015-03-06"),
        ("first~1", "2015-03-06.r2"),
        ("2015", "2015-03-06.r2"),  # a year means the newest snapshot dated within it
        ("2016", "2016-01-10"),
        ("2015-03", "2015-03-06.r2"),  # a month likewise
        ("2017-02", "2017-02-01"),
    ],
)
def test_refs(history, ref, expected):
    assert history.find_ref("iraq", ref).name == expected


@pytest.mark.parametrize(
    "ref", ["2014-01-01", "latest~4", "2015-03-06.r3", "yesterday", "2014", "2016-02", "2015.r2"]
)
def test_unknown_ref_lists_what_exists(history, ref):
    with pytest.raises(SnapshotNotFound) as caught:
        history.find_ref("iraq", ref)
    assert "2015-03-06, 2015-03-06.r2, 2016-01-10, 2017-02-01" in str(caught.value)


def test_refs_sort_by_date_then_revision(history):
    refs = history.refs("iraq")
    assert refs == sorted(refs)
    assert refs[0] == SnapshotRef("2015-03-06", 1, "iraq")


def test_undated_documents_are_keyed_by_the_day_first_seen(store):
    undated = IRAQ.replace("Last updated on 6th March 2015", "")
    first = save(store, undated, now=T0)
    assert first.ref.name == "2026-11-16"
    assert store.load(first.ref).dated_by == "first_seen"
    # seen again days later, unchanged: not a new snapshot under a new day
    later = T0 + timedelta(days=3)
    assert save(store, undated, now=later).outcome == Outcome.UNCHANGED
    # changed later: a new first-seen day; changed twice that day: a revision
    one = save(store, edited(undated, ("9.20%", "9.50%")), now=later)
    assert (one.outcome, one.ref.name) == (Outcome.NEW, "2026-11-19")
    two = save(store, edited(undated, ("9.20%", "9.60%")), now=later)
    assert (two.outcome, two.ref.name) == (Outcome.REVISED, "2026-11-19.r2")


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden", "UPPER", "x" * 100, "a\\b"])
def test_slugs_never_escape_the_store(bad):
    with pytest.raises(StoreError):
        check_slug(bad)


def test_names_that_are_no_country_never_become_paths(store, tmp_path):
    iraq = parse(extract(IRAQ.encode()))
    for name in ["../../etc", "a/b", "..", "/abs/path"]:
        with pytest.raises(ParseError, match="is not a country the monitor knows"):
            parse(extract(IRAQ.encode()), country=name, force_country=True)
        hostile = replace(iraq, slug=name)  # the store's own check, should a bad slug come
        with pytest.raises(StoreError, match="not a valid country key"):
            store.save(hostile, b"x", kind="text", content_type="text/plain", now=T0)
    assert not (tmp_path / "etc").exists()
    assert store.countries() == []


def test_corrupt_snapshot_names_the_file(history):
    path = history.path(history.find_ref("iraq", "latest"))
    path.write_text(path.read_text()[:100])
    with pytest.raises(StoreError, match=str(path)):
        history.load(history.find_ref("iraq", "latest"))
    # listing and resolving still work: they never read snapshot files
    assert history.find_ref("iraq", "latest").name == "2017-02-01"


@pytest.mark.parametrize(
    ("damage", "cause"),
    [
        (lambda data: "{not json", "Expecting property name"),
        (lambda data: data.replace('"items":[]', '"items":7', 1), "$.profile.sections[0].items"),
        (lambda data: data.replace('"seen_at":"2026', '"seen_at":"soon'), "$.source.seen_at"),
        (lambda data: data.replace('1,"sections"', '7,"sections"'), "schema 7 is not 1"),
    ],
    ids=["not-json", "items-not-a-list", "seen-at-not-a-time", "profile-schema"],
)
def test_a_damaged_snapshot_is_its_own_error_naming_the_file(store, damage, cause):
    path = store.path(save(store, IRAQ).ref)
    path.write_text(damage(path.read_text()))
    with pytest.raises(SnapshotDamaged) as caught:
        store.load(store.find_ref("iraq", "latest"))
    assert str(caught.value).startswith(f"{path}: corrupt snapshot (")
    assert cause in str(caught.value)
    assert not isinstance(caught.value, ParseError)  # the document was fine; the file is not


def test_a_snapshot_file_spells_its_moment_to_the_second(store):
    saved = save(store, IRAQ, now=T0.replace(microsecond=123456))
    text = store.path(saved.ref).read_text()
    assert '"seen_at":"2026-11-16T06:00:00+00:00"' in text
    assert store.load(saved.ref).source.seen_at == T0


def test_corrupt_snapshot_is_never_overwritten(store):
    first = save(store, IRAQ)
    store.path(first.ref).write_text("{not json")
    again = save(store, IRAQ)
    assert (again.outcome, again.ref.name) == (Outcome.REVISED, "2015-03-06.r2")
    assert store.path(first.ref).read_text() == "{not json"


def test_find_country_by_slug_code_or_name(history):
    for query in ["iraq", "IRAQ", "iq", "IRQ", "Iraq", "Republic of Iraq", " iraq "]:
        assert find_country(history, query) == "iraq"
    with pytest.raises(SnapshotNotFound, match=r"(?i)did you mean iraq"):
        find_country(history, "Irak")


def test_a_rules_change_is_not_a_change_of_the_profile(store):
    """A snapshot stored under older rules (other indicator values, no status, its
    content_sha256 under the old formula) is judged by today's rules when read."""
    from monitor.core.diff import diff
    from monitor.core.snapshot import content_hash

    first = save(store, IRAQ)
    path = store.path(first.ref)
    data = json.loads(path.read_text("utf-8"))
    for finding in data["profile"]["indicators"].values():
        finding["value"] = not finding["value"]  # what the old rules made of the text
        finding.pop("status")  # written before statuses existed
    data["content_sha256"] = content_hash({**data["profile"], "x": 1})  # an older formula
    path.write_text(json.dumps(data), "utf-8")

    stored = store.load(first.ref)
    fresh = profile_from(IRAQ)
    assert stored.profile == fresh
    assert diff(stored.profile, fresh) == []
    assert save(store, IRAQ).outcome == Outcome.UNCHANGED
    assert [r.name for r in store.refs("iraq")] == ["2015-03-06"]
