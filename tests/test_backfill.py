"""`monitor backfill` against a Wayback-compatible archive on 127.0.0.1 (tests/wayback.py)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from monitor.config import load_config
from monitor.core.periods import iso_week
from monitor.edges.store import Store
from monitor.errors import ArchiveBlocked
from monitor.pipeline.backfill import backfill
from monitor.pipeline.fetching import sources_named
from monitor.pipeline.reporting import build_digest
from tests.helpers import run_cli
from tests.pdfs import hostile_pdfs
from tests.wayback import ITU, SOFT_404, V1, V2, Archived, Wayback, pdf

ITU_80 = ITU.replace("www.itu.int", "www.itu.int:80")
IRAQ_URL = f"https://{ITU}/Iraq.pdf"


def iraq_history() -> list[Archived]:
    """Eight captures of one PDF as the archive holds them, in several URL spellings."""
    v1, v2 = pdf(V1, 2015), pdf(V2, 2016)
    return [
        Archived("20140101000000", f"http://{ITU}/Iraq.pdf", SOFT_404, "text/html"),
        Archived(
            "20150310120000", f"http://{ITU.replace('www.itu.int', 'www.itu.int:80')}/Iraq.pdf", v1
        ),
        Archived("20150410000000", f"https://{ITU}/Iraq.pdf", v1),  # adjacent duplicate
        Archived(
            "20150501000000",
            f"http://{ITU.removeprefix('www.')}/Iraq.pdf",
            status="-",
            mimetype="warc/revisit",
            digest=Archived("", "", v1).digest,
        ),
        Archived("20160301000000", f"https://{ITU}/Iraq.pdf", v2),
        Archived("20160401000000", f"http://{ITU}/Iraq.pdf", v1),  # an old copy again
        Archived("20160601000000", f"https://{ITU}/Iraq.pdf", b"gone", "text/html", status="404"),
        Archived("20170101000000", f"https://{ITU}/Iraq.pdf", pdf(V2, 2017)),  # re-rendered
        Archived("20170201000000", f"https://{ITU}/Other.pdf", pdf(V1, 2017)),  # another file
    ]


def write_config(tmp_path, archive_url: str, extra: str = "") -> None:
    (tmp_path / "config.toml").write_text(
        "[fetch]\nretries = 1\nbackoff = 0.01\n"
        f'[archive]\nurl = "{archive_url}"\nlists_per_minute = 60000\n'
        f"downloads_per_minute = 60000\n{extra}"
        "[sources]\n"
        f'url_template = "https://{ITU}/{{name}}.pdf"\n'
        'countries = ["Iraq"]\n'
    )


@pytest.fixture
def archive(server):
    return Wayback(server, iraq_history()).install()


def test_backfill_rebuilds_history_dated_by_the_archive(archive, tmp_path):
    write_config(tmp_path, archive.url)
    first = run_cli("backfill", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "Iraq: new iraq 2015-03-06 (capture 20150310120000)",
        "Iraq: new iraq 2016-02-10 (capture 20160301000000)",
        "1 source: captures 5 listed, 1 already seen, 4 downloaded, 2 stored, 1 unchanged, "
        "1 skipped",
    ]
    assert first.stderr.splitlines() == [
        "Iraq: skipped capture 20140101000000: expected a PDF but got an HTML page (Page not found)"
    ]
    # listed: the soft 404, v1, v2, v1 again (a known digest: not downloaded), re-rendered v2
    played = [r for r in archive.requests if r.startswith("/web/")]
    assert [p.split("/")[2] for p in played] == [
        "20140101000000id_",
        "20150310120000id_",
        "20160301000000id_",
        "20170101000000id_",
    ]
    assert archive.count("/cdx/") == 2  # three rows a page: one resume key

    store = Store(tmp_path / "snapshots")
    assert [r.name for r in store.refs("iraq")] == ["2015-03-06", "2016-02-10"]
    first_snap = store.load(store.find_ref("iraq", "first"))
    assert first_snap.source.seen_at.isoformat() == "2015-03-10T12:00:00+00:00"
    assert first_snap.source.capture == "20150310120000"
    assert first_snap.source.capture_url == (
        f"{archive.url}/web/20150310120000id_/http://{ITU_80}/Iraq.pdf"
    )
    latest = store.load(store.find_ref("iraq", "latest"))
    assert latest.source.seen_at.isoformat() == "2016-03-01T00:00:00+00:00"
    assert latest.source.history is False

    archive.requests.clear()
    again = run_cli("backfill", "iraq", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert archive.count("/web/") == 0  # nothing it has seen is downloaded again
    assert archive.count("/cdx/") == 1
    assert "from=20170101000000" in archive.requests[0]  # only what is newer
    assert again.stdout.splitlines() == ["1 source: captures 1 listed, 1 already seen"]

    diff = run_cli("diff", "iraq", "first", "latest", cwd=tmp_path)
    assert diff.returncode == 0
    assert diff.stdout.splitlines()[0] == "Iraq (iraq): 2015-03-06 → 2016-02-10  (4 changes)"
    assert "~ population: 33 703 000 → 36 004 552 (+2 301 552, +6.8 %)" in diff.stdout


def test_backfilled_history_is_placed_in_its_own_weeks(archive, tmp_path):
    write_config(tmp_path, archive.url)
    assert run_cli("-q", "backfill", cwd=tmp_path).returncode == 0
    store = Store(tmp_path / "snapshots")
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    this_week, _ = build_digest(store, iso_week("2026-W48"), now)
    assert this_week.events == ()
    first, _ = build_digest(store, iso_week("2015-W11"), now)
    assert [e.country for e in first.first_seen] == ["Iraq"]
    changed, _ = build_digest(store, iso_week("2016-W09"), now)
    assert [(e.ref, e.comparison.old.ref) for e in changed.changes] == [
        ("2016-02-10", "2015-03-06")
    ]
    listing = run_cli("list", "iraq", cwd=tmp_path)
    assert "seen 2015-03-10T12:00:00+00:00" in listing.stdout


def test_from_and_to_limit_the_captures(archive, tmp_path):
    write_config(tmp_path, archive.url)
    ran = run_cli("backfill", "--from", "2015-04", "--to", "2016", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    # from 2015-04 on, the first capture of v1 is the one of 10 April (not adjacent to the
    # March one any more, so not collapsed); v1 again in 2016 is a known digest
    assert ran.stdout.splitlines()[:2] == [
        "Iraq: new iraq 2015-03-06 (capture 20150410000000)",
        "Iraq: new iraq 2016-02-10 (capture 20160301000000)",
    ]
    assert ran.stderr == ""  # the 2014 soft 404 is before --from
    cdx = [r for r in archive.requests if r.startswith("/cdx/")]
    assert "from=201504" in cdx[0]
    assert "to=2016" in cdx[0]
    # --from left a gap before it: the next run without it lists from the beginning,
    # and downloads only the captures it has not handled
    archive.requests.clear()
    full = run_cli("backfill", cwd=tmp_path)
    assert full.returncode == 0
    assert "from=" not in archive.requests[0]
    played = sorted(r.split("/")[2] for r in archive.requests if r.startswith("/web/"))
    assert played == ["20140101000000id_", "20170101000000id_"]


def test_bad_dates_and_write_without_discover(tmp_path):
    write_config(tmp_path, "http://127.0.0.1:9")
    bad = run_cli("backfill", "--from", "March 2015", cwd=tmp_path)
    assert bad.returncode == 2
    assert "not a date like 2015" in bad.stderr
    lone = run_cli("backfill", "--write", cwd=tmp_path)
    assert lone.returncode == 2


def test_unreachable_archive_fails_the_source(tmp_path):
    write_config(tmp_path, "http://127.0.0.1:9")  # nothing listens on the discard port
    ran = run_cli("backfill", cwd=tmp_path)
    assert ran.returncode == 1
    errors = [line for line in ran.stderr.splitlines() if line.startswith("Iraq: error:")]
    assert len(errors) == 1
    assert errors[0].startswith("Iraq: error: cannot list captures at http://127.0.0.1:9: ")
    assert "cannot connect" in errors[0]
    assert ran.stdout.splitlines() == ["1 source: captures 0 listed, 1 not listed"]


class Sleeps:
    """A clock that only pretends: sleeping records the wait and moves the clock on."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 1000.0

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def monotonic(self) -> float:
        return self.now


def run_backfill(tmp_path, sleeps):
    config = load_config(tmp_path / "config.toml")
    store = Store(config.storage.snapshots)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    return backfill(
        config,
        store,
        sources_named(config, []),
        clock=lambda: now,
        sleep=sleeps,
        monotonic=sleeps.monotonic,
    )


def test_a_429_waits_a_minute_once_without_a_storm(archive, tmp_path):
    write_config(tmp_path, archive.url)
    archive.answer_429 = 1
    sleeps = Sleeps()
    results = run_backfill(tmp_path, sleeps)
    assert [r.stored for r in results] == [["2015-03-06", "2016-02-10"]]
    assert max(sleeps.waits) == 60.0
    assert archive.requests[0] == archive.requests[1]  # the same request, once, a minute later
    assert archive.count("/cdx/") == 3


def test_a_second_429_stops_the_run(archive, tmp_path):
    write_config(tmp_path, archive.url)
    archive.answer_429 = 10
    sleeps = Sleeps()
    with pytest.raises(ArchiveBlocked, match="answered 429 Too Many Requests again"):
        run_backfill(tmp_path, sleeps)
    assert len(archive.requests) == 2
    assert sleeps.waits.count(60.0) == 1


def test_pacing_spaces_requests(archive, tmp_path):
    write_config(tmp_path, archive.url, "")
    text = (tmp_path / "config.toml").read_text()
    (tmp_path / "config.toml").write_text(
        text.replace("lists_per_minute = 60000", "lists_per_minute = 20").replace(
            "downloads_per_minute = 60000", "downloads_per_minute = 30"
        )
    )
    sleeps = Sleeps()
    run_backfill(tmp_path, sleeps)
    # 2 listings 3 s apart (20 a minute), then 4 downloads 2 s apart (30 a minute): the
    # first download comes 3 s after the last listing, so it need not wait
    assert sleeps.waits == [3.0, 2.0, 2.0, 2.0]


def test_archive_log_is_shape_checked(archive, tmp_path):
    write_config(tmp_path, archive.url)
    assert run_cli("-q", "backfill", cwd=tmp_path).returncode == 0
    log = tmp_path / "snapshots" / "iraq" / "archive.json"
    data = json.loads(log.read_text())
    entry = data["archives"][archive.url]
    assert entry["complete_until"] == "20170101000000"
    assert [c["outcome"] for c in entry["captures"]] == ["skipped", "new", "new", "unchanged"]
    entry["captures"][0]["outcome"] = 7
    log.write_text(json.dumps(data))
    archive.requests.clear()
    ran = run_cli("backfill", cwd=tmp_path)
    assert ran.returncode == 0
    assert "malformed capture entries dropped" in ran.stderr
    assert list((tmp_path / "snapshots" / "iraq").glob("archive.json.corrupt-*"))
    assert archive.count("/web/") == 0  # the rest of the log still spares the downloads


def test_discover_prints_and_writes_every_profile_in_the_folder(server, tmp_path):
    def doc(name: str, scheme: str = "https") -> Archived:
        return Archived("20150310120000", f"{scheme}://{ITU}/{name}", name.encode())

    Wayback(
        server,
        [
            doc("Iraq.pdf"),  # configured already
            doc("Saudi_Arabia.pdf"),
            doc("Saudi_Arabia.pdf", "http"),  # the same file, another spelling
            doc("Congo(DRC).pdf"),
            doc("Kenya.pdf", "http"),
            doc("Foo_Bar.pdf"),  # no country by that name
            doc(""),  # the folder's own page
            Archived("20150310120000", "https://www.itu.int/en/ITU-D/Other/Iraq.pdf", b"x"),
        ],
    ).install()
    write_config(tmp_path, server.url_for("/").rstrip("/"))
    shown = run_cli("backfill", "--discover", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    folder = f"https://{ITU}/"
    assert shown.stdout == (
        "[[sources.extra]]\n"
        'country = "Democratic Republic of the Congo"\n'
        f'url = "{folder}Congo(DRC).pdf"\n\n'
        "[[sources.extra]]\n"
        'country = "Kenya"\n'
        f'url = "{folder}Kenya.pdf"\n\n'
        "[[sources.extra]]\n"
        'country = "Saudi Arabia"\n'
        f'url = "{folder}Saudi_Arabia.pdf"\n'
    )
    assert shown.stderr.splitlines() == [
        f"{folder}: 3 new countries, 1 already configured, 1 not matched",
        f"not matched to a country: https://{ITU}/Foo_Bar.pdf",
    ]
    written = run_cli("backfill", "--discover", "--write", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert written.stdout == "added 3 sources to config.toml\n"
    config = load_config(tmp_path / "config.toml")
    assert [s.country for s in config.sources] == [
        "Iraq",
        "Democratic Republic of the Congo",
        "Kenya",
        "Saudi Arabia",
    ]
    again = run_cli("backfill", "--discover", cwd=tmp_path)
    assert again.stdout == ""
    assert again.stderr.startswith(f"{folder}: 0 new countries, 4 already configured")


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        ('kind = "cdx"', 'archive.kind: must be "wayback" or "memento"'),
        ('url = "ftp://archive.example"', "archive.url: must be http(s)"),
        ("wait_429 = 5", "archive.wait_429: must be at least 60"),
        ("lists_per_minute = 0", "archive.lists_per_minute: must be more than 0"),
        ("pace = 3", "archive.pace: unknown key"),
    ],
)
def test_archive_settings_are_checked(tmp_path, archive, message):
    (tmp_path / "config.toml").write_text(f"[archive]\n{archive}\n")
    ran = run_cli("backfill", cwd=tmp_path)
    assert ran.returncode == 1
    assert ran.stderr.startswith(f"error: config.toml: {message}")
    assert len(ran.stderr.splitlines()) == 1


def test_playback_tells_archived_answers_from_the_archives_own(server):
    from monitor.config import ArchiveConfig
    from monitor.edges.archive import Archive, Listed
    from monitor.edges.fetch import make_client

    moved = "https://www.itu.int/new/Iraq.pdf"
    Wayback(
        server,
        [
            Archived("20150310120000", f"https://{ITU}/Iraq.pdf", b"%PDF-1.4 x"),
            Archived(
                "20160101000000", f"https://{ITU}/Iraq.pdf", b"", status="302", location=moved
            ),
            Archived("20160601000000", f"https://{ITU}/Iraq.pdf", b"gone", "text/html", "404"),
        ],
    ).install()
    sleeps = Sleeps()

    async def play(timestamp: str):
        config = ArchiveConfig(url=server.url_for("/").rstrip("/"))
        async with make_client(timeout=5, user_agent="test", concurrency=1) as client:
            archive = Archive(config, client, sleep=sleeps, monotonic=sleeps.monotonic)
            return await archive.fetch(Listed(timestamp, f"https://{ITU}/Iraq.pdf"))

    ok = asyncio.run(play("20150310120000"))
    assert (ok.status, ok.content, ok.skip) == (200, b"%PDF-1.4 x", None)
    redirect = asyncio.run(play("20160101000000"))
    assert redirect.skip == f"archived redirect (HTTP 302) to {moved}"
    gone = asyncio.run(play("20160601000000"))
    assert gone.skip == "archived HTTP 404 page"
    jumped = asyncio.run(play("20150311000000"))  # no capture then: the archive jumps
    assert jumped.skip == (
        "the archive has no capture at this time (redirects to "
        f"{server.url_for('/').rstrip('/')}/web/20150310120000id_/https://{ITU}/Iraq.pdf: "
        "found capture at 20150310120000)"
    )


def test_a_hostile_pdf_in_the_archive_is_refused_as_a_fetched_one_is(server, tmp_path):
    """An archived PDF bomb is read by the same bounded reader as a fetched one: it stops
    at ``[extract]``'s limits with one line naming the country and the capture, and the run
    goes on to the next capture."""
    bomb = hostile_pdfs()["two million text runs"]
    archive = Wayback(
        server,
        [
            Archived("20150310120000", f"https://{ITU}/Iraq.pdf", bomb),
            Archived("20160301000000", f"https://{ITU}/Iraq.pdf", pdf(V1, 2015)),
        ],
    ).install()
    write_config(tmp_path, archive.url, "[extract]\ntimeout = 30\nmax_memory_mb = 300\n")
    result = run_cli("backfill", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Iraq: skipped capture 20150310120000: document needs more than 300 MB to read; "
        "stopped (limit extract.max_memory_mb)"
    ]
    assert result.stdout.splitlines()[0] == "Iraq: new iraq 2015-03-06 (capture 20160301000000)"
