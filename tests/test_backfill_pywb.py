"""`monitor backfill` through the Memento path, against a real pywb serving a WARC collection
written here with warcio. pywb lives in its own virtualenv (its pinned dependencies clash
with ours): `.ci/run` creates `.venv-pywb`; without it locally, this test skips."""

from __future__ import annotations

import io
import socket
import subprocess
import time
from datetime import UTC, datetime

import httpx
import pytest

from monitor.edges.store import Store
from tests.conftest import ROOT
from tests.helpers import run_cli
from tests.wayback import ITU, SOFT_404, V1, V2, pdf

PYWB = ROOT / ".venv-pywb" / "bin"
pytestmark = pytest.mark.skipif(
    not (PYWB / "wayback").is_file(),
    reason=f"pywb is not installed in {PYWB.parent} (.ci/run installs it: "
    "python3 -m venv .venv-pywb && .venv-pywb/bin/pip install pywb)",
)


def write_warc(path, captures) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for when, url, body, content_type in captures:
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),  # known: warcio then needs no (unclosed) temp file
                http_headers=http,
                warc_headers_dict={"WARC-Date": when},
            )
            writer.write_record(record)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def pywb(tmp_path):
    """pywb on 127.0.0.1 with one collection, ``coll``; yields its collection root."""
    home = tmp_path / "pywb"
    home.mkdir()
    write_warc(
        home / "iraq.warc.gz",
        [
            ("2014-01-01T00:00:00Z", f"http://{ITU}/Iraq.pdf", SOFT_404, "text/html"),
            ("2015-03-10T12:00:00Z", f"http://{ITU}/Iraq.pdf", pdf(V1, 2015), "application/pdf"),
            ("2016-03-01T00:00:00Z", f"https://{ITU}/Iraq.pdf", pdf(V2, 2016), "application/pdf"),
            ("2017-01-01T00:00:00Z", f"https://{ITU}/Iraq.pdf", pdf(V2, 2017), "application/pdf"),
        ],
    )
    for args in (["init", "coll"], ["add", "coll", "iraq.warc.gz"]):
        subprocess.run([PYWB / "wb-manager", *args], cwd=home, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [PYWB / "wayback", "-p", str(port), "-b", "127.0.0.1"],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = f"http://127.0.0.1:{port}/coll"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "pywb exited at start"
            try:
                if httpx.get(f"{root}/timemap/link/http://{ITU}/Iraq.pdf").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "pywb did not answer within 60 s"
            time.sleep(0.2)
        yield root
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_backfill_through_a_memento_archive(pywb, tmp_path):
    (tmp_path / "config.toml").write_text(
        "[fetch]\nretries = 1\nbackoff = 0.01\n"
        f'[archive]\nkind = "memento"\nurl = "{pywb}"\n'
        "lists_per_minute = 60000\ndownloads_per_minute = 60000\n"
        f'[sources]\nurl_template = "https://{ITU}/{{name}}.pdf"\ncountries = ["Iraq"]\n'
    )
    first = run_cli("backfill", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "Iraq: new iraq 2015-03-06 (capture 20150310120000)",
        "Iraq: new iraq 2016-02-10 (capture 20160301000000)",
        "1 source: captures 4 listed, 4 downloaded, 2 stored, 1 unchanged, 1 skipped",
    ]
    assert first.stderr.splitlines() == [
        "Iraq: skipped capture 20140101000000: expected a PDF but got an HTML page (Page not found)"
    ]
    store = Store(tmp_path / "snapshots")
    snaps = [store.load(ref) for ref in store.refs("iraq")]
    assert [(s.ref.name, s.source.seen_at) for s in snaps] == [
        ("2015-03-06", datetime(2015, 3, 10, 12, tzinfo=UTC).isoformat()),
        ("2016-02-10", datetime(2016, 3, 1, tzinfo=UTC).isoformat()),
    ]
    # a TimeMap names one original (the URL asked about), whichever spelling was captured
    assert snaps[0].source.capture_url == f"{pywb}/20150310120000id_/https://{ITU}/Iraq.pdf"

    again = run_cli("backfill", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["1 source: captures 1 listed, 1 already seen"]

    diff = run_cli("diff", "iraq", "first", "latest", cwd=tmp_path)
    assert diff.stdout.splitlines()[0] == "Iraq (iraq): 2015-03-06 → 2016-02-10  (4 changes)"
