"""Hostile and broken documents: the work on each is bounded, the error is one line naming
the limit, and nothing stored is lost. The PDFs are built here, byte by byte."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from monitor.config import parse_config
from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.core.snapshot import Outcome
from monitor.edges.store import Store
from monitor.pipeline.fetching import fetch_all
from monitor.pipeline.history import all_histories
from monitor.render.feed import atom_feed, feed_items
from tests.conftest import IRAQ_SEED, ROOT, TAJIKISTAN_SEED
from tests.helpers import IRAQ, T0, edited, profile_from, run_cli, run_process, write_config
from tests.pdfs import hostile_pdfs, text_to_pdf
from tests.servers import dribbling_server

TIGHT = "[extract]\ntimeout = 5\nmax_memory_mb = 300\n"


@pytest.mark.parametrize("name", list(hostile_pdfs()))
def test_hostile_pdf_is_bounded_in_time_and_memory(tmp_path, name):
    pdf = tmp_path / "Iraq.pdf"
    pdf.write_bytes(hostile_pdfs()[name])
    write_config(tmp_path, TIGHT)
    result = run_process("parse", str(pdf), cwd=tmp_path, memory=2 << 30)  # a 2 GB bound
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {pdf}: ")
    assert "(limit extract." in lines[0]


def test_a_hostile_fetch_is_one_line_naming_the_country_and_the_limit(server, tmp_path):
    server.expect_request("/Iraq.pdf").respond_with_data(
        hostile_pdfs()["two million text runs"], content_type="application/pdf"
    )
    server.expect_request("/Tajikistan.txt").respond_with_data(
        TAJIKISTAN_SEED.read_bytes(), content_type="text/plain"
    )
    iraq, tajikistan = server.url_for("/Iraq.pdf"), server.url_for("/Tajikistan.txt")
    write_config(
        tmp_path,
        TIGHT
        + f'[[sources.extra]]\ncountry = "Iraq"\nurl = "{iraq}"\n'
        + f'[[sources.extra]]\ncountry = "Tajikistan"\nurl = "{tajikistan}"\n',
    )
    result = run_cli("fetch", cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Iraq: ")]
    assert len(errors) == 1
    assert errors[0].startswith("Iraq: error: document needs more than 300 MB")
    assert errors[0].endswith("(limit extract.max_memory_mb)")
    assert "Tajikistan: new tajikistan 2015-03-09" in result.stdout


def test_a_server_sending_a_byte_at_a_time_meets_the_deadline(tmp_path):
    with dribbling_server(0.1) as (url, _):
        config = parse_config(
            {
                "storage": {"snapshots": str(tmp_path / "s"), "reports": str(tmp_path / "r")},
                "fetch": {"timeout": 5, "deadline": 1, "retries": 2, "backoff": 0.01},
                "sources": {"extra": [{"country": "Iraq", "url": url}]},
            },
            None,
        )
        (result,) = fetch_all(
            config, Store(config.storage.snapshots), config.sources, clock=lambda: T0
        )
    assert result.outcome is Outcome.ERROR
    assert result.error == f"{url}: download took longer than 1 s; stopped (limit fetch.deadline)"


def test_sigterm_stops_the_daemon_mid_download(tmp_path):
    with dribbling_server(0.5) as (url, asked):
        write_config(
            tmp_path,
            '[schedule]\nfetch = "* * * * * *"\nreport = "0 7 1 1 *"\n'
            f'[[sources.extra]]\ncountry = "Iraq"\nurl = "{url}"\n',
        )
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "daemon"],
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert asked.wait(30), "the daemon never asked"
        daemon.terminate()
        _, err = daemon.communicate(timeout=15)  # seconds, not the download's hours
    assert daemon.returncode == 0, err
    assert "daemon: stopped" in err
    snapshots = tmp_path / "snapshots"
    assert not list(snapshots.glob("*/*.json"))
    assert not list(snapshots.glob("**/*.tmp"))


def test_only_regular_files_are_read(tmp_path):
    write_config(tmp_path)
    fifo = tmp_path / "profile.fifo"
    os.mkfifo(fifo)
    imported = run_cli("import", str(fifo), str(IRAQ_SEED), cwd=tmp_path)
    assert imported.returncode == 1
    assert imported.stderr == f"{fifo}: error: not a regular file (a device, pipe or socket)\n"
    assert imported.stdout == f"{IRAQ_SEED}: new iraq 2015-03-06\n"
    zero = run_cli("parse", "/dev/zero", cwd=tmp_path)
    assert zero.returncode == 1
    assert zero.stderr == "error: /dev/zero: not a regular file (a device, pipe or socket)\n"


def test_a_huge_prose_change_makes_a_bounded_report(tmp_path):
    write_config(tmp_path)
    store = Store(tmp_path / "snapshots")
    store.save(profile_from(IRAQ), IRAQ.encode(), kind="text", content_type="text/plain", now=T0)
    sentence = "The national CIRT was reorganised again this year. "
    huge = edited(
        IRAQ,
        ("6th March 2015", "6th March 2016"),
        ("recognized CERT in Iraq.", "recognized CERT in Iraq. " + sentence * 30_000),
    )
    assert len(huge) > 1_500_000
    later = datetime(2026, 11, 17, tzinfo=UTC)
    store.save(profile_from(huge), huge.encode(), kind="text", content_type="text/plain", now=later)
    result = run_cli("report", "--week", "2026-W47", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for page in (tmp_path / "reports").rglob("*.html"):
        assert page.stat().st_size < 200_000, page
    digest = (tmp_path / "reports" / "2026-W47.html").read_text()
    assert "more characters in the stored snapshot" in digest


def test_a_hyphen_broken_at_a_line_end_is_the_same_profile(tmp_path):
    text = IRAQ.replace(
        "building",
        "building programme for national capa-\ncity in cybersecurity",
        1,
    )
    joined = text.replace("capa-\ncity", "capacity")
    pdf = text_to_pdf(text)
    assert "\ufffe" in __import__("pypdfium2").PdfDocument(pdf)[0].get_textpage().get_text_range()
    from_pdf, from_text = parse(extract(pdf)), parse(extract(joined.encode()))
    assert from_pdf.sections == from_text.sections
    store = Store(tmp_path / "snapshots")
    store.save(from_text, joined.encode(), kind="text", content_type="text/plain", now=T0)
    saved = store.save(from_pdf, pdf, kind="pdf", content_type="application/pdf", now=T0)
    assert saved.outcome is Outcome.UNCHANGED


def test_the_feed_is_well_formed_whatever_the_text_holds(tmp_path):
    store = Store(tmp_path / "snapshots")
    store.save(profile_from(IRAQ), IRAQ.encode(), kind="text", content_type="text/plain", now=T0)
    nasty = edited(IRAQ, ("6th March 2015", "6th March 2016"))
    profile = profile_from(nasty)
    section = profile.sections["1.2.1"]
    from dataclasses import replace

    bad = replace(section, text=section.text + " capa\ufffecity \x0b\x1b <b>&amp;")
    profile = replace(profile, sections={**profile.sections, "1.2.1": bad})
    store.save(profile, nasty.encode(), kind="text", content_type="text/plain", now=T0)
    events = [e for h in all_histories(store) for e in h.events]
    feed = atom_feed(feed_items(events), "", T0)
    ET.fromstring(feed.encode())  # a reader would drop a feed that does not parse


@pytest.mark.parametrize(
    ("printed", "note"),
    [
        ("1,234.5 million", "printed as '1,234.5 million', not a number the monitor reads"),
        ("9" * 5000, "not a number the monitor reads"),
        ("12 000 000 000", "printed as '12 000 000 000', more people than any country has"),
    ],
)
def test_a_figure_that_does_not_read_is_not_stated_with_a_note(printed, note):
    profile = profile_from(IRAQ.replace("33 703 000", printed))
    population = profile.background.population
    assert population.value is None
    assert population.note is not None
    assert population.note.endswith(note)
    assert population.source == "United Nations Statistics Division"


def test_internet_use_above_100_percent_is_not_stated():
    share = profile_from(IRAQ.replace("9.20%", "920%")).background.internet_users_pct
    assert share.value is None
    assert share.note == "printed as '920%', more than 100 %"


def test_one_bad_figure_never_stops_an_import(tmp_path):
    write_config(tmp_path)
    names = {
        "a.txt": IRAQ,
        "b.txt": edited(IRAQ, ("6th March 2015", "1st May 2015"), ("33 703 000", "9" * 5000)),
        "c.txt": edited(IRAQ, ("6th March 2015", "1st June 2015")),
    }
    for name, text in names.items():
        (tmp_path / name).write_text(text)
    result = run_cli("import", *names, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "a.txt: new iraq 2015-03-06",
        "b.txt: new iraq 2015-05-01",
        "c.txt: new iraq 2015-06-01",
    ]


def test_a_document_that_is_not_a_profile_says_so_first(tmp_path):
    result = run_cli("parse", str(ROOT / "README.md"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {ROOT / 'README.md'}: not a Cyberwellness Profile: "
        "no part 1 CYBERSECURITY heading\n"
    )


def test_extraction_in_the_child_gives_the_same_text():
    from monitor.edges.reading import read_text

    pdf = text_to_pdf(IRAQ)
    assert read_text(pdf) == extract(pdf)


@pytest.mark.parametrize("name", ["..", "/", "中国", "Narnia"])
def test_a_name_that_is_no_country_is_an_error_not_a_slug(tmp_path, name):
    write_config(tmp_path)
    result = run_cli("import", str(IRAQ_SEED), "--country", name, "--force-country", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"{IRAQ_SEED}: error: {name!r} is not a country the monitor knows "
        "(give a name or ISO code)\n"
    )
    assert not (tmp_path / "snapshots" / "unknown").exists()
