"""The group commit: atomic, grouped writes whose failures are the store's errors, the
temp files of a dead writer tidied, and a fetch run's documents committed together."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from monitor.edges.files import TEMP_SUFFIX, remove_temp_files, write_all
from monitor.errors import StoreError


def test_a_batch_lands_whole_with_its_folders(tmp_path):
    files = [
        (tmp_path / "iraq" / "2015-03-06.txt", b"raw " * 50_000),
        (tmp_path / "iraq" / "2015-03-06.json", b'{"a": 1}\n'),
        (tmp_path / "chad" / "2016-01-01.json", b""),
    ]
    write_all(files, error=StoreError, mkdir=True)
    for path, data in files:
        assert path.read_bytes() == data
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_a_failure_is_the_callers_error_naming_the_file(tmp_path):
    (tmp_path / "iraq").write_text("a file where a folder should be")
    with pytest.raises(StoreError, match=r"cannot write .*iraq"):
        write_all([(tmp_path / "iraq" / "x.json", b"{}")], error=StoreError, mkdir=True)
    write_all([(tmp_path / "ok.json", b"{}")], error=StoreError)  # and the next one goes on
    assert (tmp_path / "ok.json").read_bytes() == b"{}"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_the_temp_files_of_a_dead_writer_are_tidied(tmp_path):
    """A writer killed mid-write leaves a temp file named with its pid: tidied once that
    process is gone, never while it lives."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = tmp_path / f".a.json.{dead.stdout.strip()}.1.abcd{TEMP_SUFFIX}"
    alive = tmp_path / f".b.json.{os.getpid()}.1.abcd{TEMP_SUFFIX}"
    gone.write_bytes(b"{")
    alive.write_bytes(b"{")
    assert remove_temp_files(tmp_path) == 1
    assert not gone.exists() and alive.exists()


def test_a_fetch_commits_a_document_and_its_snapshot_together(server, tmp_path, monkeypatch):
    """A fetch run's group commit holds a document and the snapshot that names it, and its
    snapshots are the store's."""
    from monitor.pipeline import fetching
    from tests.helpers import IRAQ, run_cli

    batches: list[int] = []
    original = fetching.write_all

    def counted(batch, **options):  # type: ignore[no-untyped-def]
        batches.append(len(batch))
        return original(batch, **options)

    monkeypatch.setattr(fetching, "write_all", counted)
    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    (tmp_path / "config.toml").write_text(
        f'[sources]\nurl_template = "{server.url_for("/")}{{name}}.txt"\ncountries = ["Iraq"]\n'
    )
    result = run_cli("fetch", cwd=tmp_path)
    assert result.stdout.splitlines()[0] == "Iraq: new iraq 2015-03-06"
    assert batches == [2]  # the document and its snapshot, in one commit
    assert run_cli("show", "iraq", "latest", cwd=tmp_path).returncode == 0


def test_a_commit_that_fails_is_reported_and_mended_by_the_next_run(server, tmp_path):
    """A fetch whose group commit cannot be written reports the documents it held as errors
    naming the cause (a batch fails as a whole: here Tajikistan's, and Iraq's with it if
    they came in together), nothing half-written is left, and the next run stores them."""
    from monitor.edges.store import Store
    from tests.conftest import TAJIKISTAN_SEED
    from tests.helpers import IRAQ, run_cli

    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    server.expect_request("/Tajikistan.txt").respond_with_data(
        TAJIKISTAN_SEED.read_bytes(), content_type="text/plain"
    )
    (tmp_path / "config.toml").write_text(
        f'[sources]\nurl_template = "{server.url_for("/")}{{name}}.txt"\n'
        'countries = ["Iraq", "Tajikistan"]\n'
    )
    obstacle = tmp_path / "snapshots" / "tajikistan"
    obstacle.parent.mkdir()
    obstacle.write_text("a file where the country's folder goes")
    failed = run_cli("fetch", cwd=tmp_path)
    assert failed.returncode == 1
    cause = "error: cannot write snapshots/tajikistan: File exists"
    assert f"Tajikistan: {cause}" in failed.stderr.splitlines()
    assert "Iraq: new iraq 2015-03-06" in failed.stdout or f"Iraq: {cause}" in failed.stderr
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(TEMP_SUFFIX)]
    obstacle.unlink()
    mended = run_cli("fetch", cwd=tmp_path)
    assert mended.returncode == 0, mended.stderr
    store = Store(tmp_path / "snapshots")
    assert [ref.name for ref in store.refs("tajikistan")] == ["2015-03-09"]
    assert [ref.name for ref in store.refs("iraq")] == ["2015-03-06"]
