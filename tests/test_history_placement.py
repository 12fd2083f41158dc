"""History added later (an old PDF imported by hand, a web-archive capture) is placed in
its own time: it never becomes this week's news and never rewrites an old digest."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.core.periods import iso_week
from monitor.edges.store import Store
from monitor.pipeline.history import country_history
from monitor.pipeline.reporting import build_digest
from tests.helpers import IRAQ, edited, run_cli, write_config

V2016 = edited(
    IRAQ,
    ("Last updated on 6th March 2015", "Last updated on 10th February 2016"),
    ("Total Population: 33 703 000", "Total Population: 36 004 552"),
)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # in 2026-W47


def test_an_older_version_imported_later_is_history(tmp_path):
    write_config(tmp_path)
    (tmp_path / "iraq-2016.txt").write_text(V2016, encoding="utf-8")
    (tmp_path / "iraq-2015.txt").write_text(IRAQ, encoding="utf-8")
    first = run_cli("import", "iraq-2016.txt", "--seen", "2026-11-02", cwd=tmp_path)  # W45
    assert first.stdout == "iraq-2016.txt: new iraq 2016-02-10\n"
    older = run_cli("import", "iraq-2015.txt", "--seen", "2026-11-17T08:30:00", cwd=tmp_path)
    assert older.stdout == "iraq-2015.txt: new iraq 2015-03-06\n"

    store = Store(tmp_path / "snapshots")
    old = store.load(store.find_ref("iraq", "2015-03-06"))
    assert old.source.seen_at.isoformat() == "2026-11-17T08:30:00+00:00"
    assert old.source.history is True
    assert store.load(store.find_ref("iraq", "latest")).source.history is False

    # this week: nothing to announce (not "Now monitored: Iraq", not a change)
    this_week, _ = build_digest(store, iso_week("2026-W47"), NOW)
    assert this_week.events == ()
    # the week Iraq was first imported still says what it said then
    then, _ = build_digest(store, iso_week("2026-W45"), NOW)
    assert [(e.country, e.ref) for e in then.first_seen] == [("Iraq", "2016-02-10")]
    assert then.changes == ()
    # the country page shows the whole history in date order
    history = country_history(store, "iraq")
    assert [e.ref for e in history.events] == ["2015-03-06", "2016-02-10"]
    change = history.events[1].comparison
    assert change is not None
    assert "Background › population" in [c.path for c in change.changes]


def test_a_newer_version_imported_later_is_news(tmp_path):
    write_config(tmp_path)
    (tmp_path / "iraq-2016.txt").write_text(V2016, encoding="utf-8")
    (tmp_path / "iraq-2015.txt").write_text(IRAQ, encoding="utf-8")
    run_cli("import", "iraq-2015.txt", "--seen", "2026-11-02", cwd=tmp_path)
    run_cli("import", "iraq-2016.txt", "--seen", "2026-11-17", cwd=tmp_path)
    store = Store(tmp_path / "snapshots")
    this_week, _ = build_digest(store, iso_week("2026-W47"), NOW)
    assert [(e.ref, e.comparison.old.ref) for e in this_week.changes] == [
        ("2016-02-10", "2015-03-06")
    ]


def test_seen_must_be_a_date(tmp_path):
    write_config(tmp_path)
    (tmp_path / "iraq.txt").write_text(IRAQ, encoding="utf-8")
    bad = run_cli("import", "iraq.txt", "--seen", "last week", cwd=tmp_path)
    assert bad.returncode == 2
    assert "--seen" in bad.stderr
