"""Moments from outside are untrusted: an archive timestamp that is no real moment skips that
capture with one line and the run goes on; a moment before 1990 or more than a day ahead is
refused wherever it comes in; and nothing stored can break a report or a page."""

from __future__ import annotations

import httpx

from monitor.config import load_config
from monitor.core.jsonform import dumps, loads
from monitor.edges.clock import utc_now
from monitor.edges.files import write_atomic
from monitor.edges.store import Store
from monitor.service.app import create_app
from tests.helpers import IRAQ, import_files, run_cli
from tests.helpers import IRAQ_LATER as LATER
from tests.helpers import write_config as plain_config
from tests.servers import uvicorn_thread
from tests.test_backfill import write_config
from tests.wayback import ITU, V1, V2, Archived, Wayback, pdf

BAD = ["2015", "201603", "20150230120000", "00000000000000", "20170101246000"]
OUT_OF_RANGE = ["19800101000000", "99991231235959"]


def test_bad_capture_timestamps_skip_that_capture_and_the_run_goes_on(server, tmp_path):
    url = f"https://{ITU}/Iraq.pdf"
    captures = [  # each other bytes, or collapse=digest would fold them into one row
        Archived(stamp, url, pdf(V2, 2016 + n)) for n, stamp in enumerate(BAD + OUT_OF_RANGE)
    ]
    captures.append(Archived("20150310120000", url, pdf(V1, 2015)))
    archive = Wayback(server, sorted(captures, key=lambda c: c.timestamp)).install()
    write_config(tmp_path, archive.url)
    first = run_cli("backfill", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "Iraq: new iraq 2015-03-06 (capture 20150310120000)"
    skipped = sorted(first.stderr.splitlines())
    assert skipped == sorted(
        [
            f"Iraq: skipped capture {stamp}: timestamp '{stamp}' is not a real moment "
            "(YYYYMMDDhhmmss)"
            for stamp in BAD
        ]
        + [
            "Iraq: skipped capture 19800101000000: timestamp 19800101000000: "
            "1980-01-01T00:00:00+00:00 is before 1990",
            "Iraq: skipped capture 99991231235959: timestamp 99991231235959: "
            "9999-12-31T23:59:59+00:00 is in the future",
        ]
    )
    assert archive.count("/web/") == 1  # only the real capture was downloaded
    assert [r.name for r in Store(tmp_path / "snapshots").refs("iraq")] == ["2015-03-06"]
    again = run_cli("backfill", cwd=tmp_path)  # the bad rows are remembered, not retried
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    assert archive.count("/web/") == 1


def test_import_refuses_a_seen_date_before_1990_or_in_the_future(tmp_path):
    plain_config(tmp_path)
    (tmp_path / "iraq.txt").write_text(IRAQ)
    for seen, why in (
        ("9999-12-31T23:59:59", "9999-12-31T23:59:59+00:00 is in the future"),
        ("1989-12-31", "1989-12-31T00:00:00+00:00 is before 1990"),
    ):
        result = run_cli("import", "iraq.txt", "--seen", seen, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.splitlines()[-1] == (
            f"Error: Invalid value for --seen: {why}: a document is seen between 1990 and now"
        )
    assert Store(tmp_path / "snapshots").countries() == []
    assert run_cli("import", "iraq.txt", "--seen", "2014-05-01", cwd=tmp_path).returncode == 0


def test_a_stored_moment_in_year_9999_breaks_no_report_and_no_page(tmp_path):
    plain_config(tmp_path)
    import_files(tmp_path, ("a.txt", IRAQ), ("b.txt", LATER))
    snapshot = tmp_path / "snapshots" / "iraq" / "2016-01-10.json"
    data = loads(snapshot.read_bytes())
    data["source"]["seen_at"] = "9999-12-31T23:59:59+00:00"  # written by hand, or by old code
    write_atomic(snapshot, dumps(data).encode())
    report = run_cli("report", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "Traceback" not in report.stderr
    assert "9999" not in (tmp_path / "reports" / "index.html").read_text()
    app = create_app(load_config(tmp_path / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        for path in ("/", "/feed.atom", "/overview", "/countries/iraq", "/api/countries"):
            assert httpx.get(base + path).status_code == 200, path
        listed = httpx.get(f"{base}/api/countries/iraq").json()["snapshots"]
    damaged = [s for s in listed if s["error"]]
    assert [s["ref"] for s in damaged] == ["2016-01-10"]
    assert "seen_at 9999-12-31T23:59:59+00:00 is not between 1990 and 9998" in (damaged[0]["error"])


def test_bookkeeping_with_a_moment_out_of_range_is_set_aside_and_rebuilt(tmp_path):
    from monitor.edges import state

    plain_config(tmp_path)
    import_files(tmp_path, ("a.txt", IRAQ))
    books = tmp_path / "snapshots" / ".state.json"
    data = loads(books.read_bytes())
    (entry,) = data["countries"].values()
    entry["last_check"] = "0001-01-01T00:00:00+00:00"
    write_atomic(books, dumps(data).encode())
    runs = tmp_path / "snapshots" / ".runs.json"
    runs.write_text('{"fetch": {"started": "9999-12-31T00:00:00+00:00"}}')
    status = run_cli("status", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "last_check 0001-01-01T00:00:00+00:00 is not between 1990 and 9998" in status.stderr
    assert "started 9999-12-31T00:00:00+00:00 is not between 1990 and 9998" in status.stderr
    assert state.run_log(tmp_path / "snapshots").read().last("fetch") is None
