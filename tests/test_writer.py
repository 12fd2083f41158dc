"""The writing helper process of a fetch run: the same atomic, grouped writes as in-process,
its failures reported as the store's errors, and nothing renamed once its parent is gone."""

from __future__ import annotations

import json
import os
import signal

import pytest

from monitor.edges.children import spawn
from monitor.edges.files import TEMP_SUFFIX, Writer, remove_temp_files
from monitor.errors import StoreError


def test_a_batch_lands_whole_with_its_folders(tmp_path):
    writer = Writer()
    try:
        files = [
            (tmp_path / "iraq" / "2015-03-06.txt", b"raw " * 50_000),  # more than a pipe holds
            (tmp_path / "iraq" / "2015-03-06.json", b'{"a": 1}\n'),
            (tmp_path / "chad" / "2016-01-01.json", b""),
        ]
        writer.write_all(files, error=StoreError, mkdir=True)
        for path, data in files:
            assert path.read_bytes() == data
        assert not [p for p in tmp_path.rglob("*") if p.name.endswith(TEMP_SUFFIX)]
        writer.write_all([(files[1][0], b"{}\n")], error=StoreError)  # the helper lives on
        assert files[1][0].read_bytes() == b"{}\n"
    finally:
        writer.close()


def test_a_failure_is_the_callers_error_naming_the_file(tmp_path):
    (tmp_path / "iraq").write_text("a file where a folder should be")
    writer = Writer()
    try:
        with pytest.raises(StoreError, match=r"cannot write .*iraq"):
            writer.write_all([(tmp_path / "iraq" / "x.json", b"{}")], error=StoreError, mkdir=True)
        writer.write_all([(tmp_path / "ok.json", b"{}")], error=StoreError)  # and goes on
        assert (tmp_path / "ok.json").read_bytes() == b"{}"
    finally:
        writer.close()


def test_a_helper_that_died_between_batches_is_replaced(tmp_path):
    writer = Writer()
    try:
        writer.start()
        assert writer._process is not None
        first = writer._process.pid
        os.kill(first, signal.SIGKILL)
        writer._process.wait(timeout=10)
        writer.write_all([(tmp_path / "a.json", b"{}")], error=StoreError)
        assert (tmp_path / "a.json").exists()
        assert writer._process is not None and writer._process.pid != first
    finally:
        writer.close()


def test_a_helper_that_dies_mid_batch_fails_that_batch_only(tmp_path, monkeypatch):
    from monitor.edges import files

    writer = Writer()
    send = files._send

    def killed_after_sending(handle: int, buffers) -> None:  # type: ignore[no-untyped-def]
        send(handle, buffers[:1])  # the request's header reaches it, then it is killed
        assert writer._process is not None
        os.kill(writer._process.pid, signal.SIGKILL)
        writer._process.wait(timeout=10)

    try:
        monkeypatch.setattr(files, "_send", killed_after_sending)
        with pytest.raises(StoreError, match=r"a\.json: the writing process ended unexpectedly"):
            writer.write_all([(tmp_path / "a.json", b"{}")], error=StoreError)
        assert list(tmp_path.iterdir()) == []
        monkeypatch.setattr(files, "_send", send)
        writer.write_all([(tmp_path / "b.json", b"{}")], error=StoreError)
        assert [p.name for p in tmp_path.iterdir()] == ["b.json"]
    finally:
        writer.close()


def test_ctrl_c_is_the_parents_to_handle(tmp_path):
    """Ctrl-C is for the monitor to handle: the helper runs in its own process group, so
    a terminal's Ctrl-C never reaches it, and a SIGINT or SIGTERM sent to it anyway (a
    service manager stopping every process of the unit) does not stop it mid-batch."""
    writer = Writer()
    try:
        writer.write_all([(tmp_path / "a.json", b"{}")], error=StoreError)  # it is serving
        assert writer._process is not None
        assert os.getpgid(writer._process.pid) != os.getpgid(0)
        os.kill(writer._process.pid, signal.SIGINT)
        os.kill(writer._process.pid, signal.SIGTERM)
        writer.write_all([(tmp_path / "b.json", b"{}")], error=StoreError)
        assert (tmp_path / "b.json").exists()
    finally:
        writer.close()
    assert writer._process is None


def test_an_orphaned_helper_renames_nothing(tmp_path):
    """A helper whose parent is gone (killed mid-run: the store's lock went with it) writes
    nothing more; the temp files of a dead writer are tidied."""
    not_my_parent = os.getpid() + 1_000_000  # the helper sees another parent than this
    process = spawn("monitor.edges.files", str(not_my_parent))
    header = {"files": [[str(tmp_path / "a.json"), 2]], "durable": True, "mkdir": False}
    out, _ = process.communicate(json.dumps(header).encode() + b"\n{}", timeout=30)
    assert out == b""
    assert process.returncode == 0
    assert list(tmp_path.iterdir()) == []
    assert remove_temp_files(tmp_path) == 0


def test_a_fetch_commits_through_the_helper(server, tmp_path, monkeypatch):
    """A fetch run's group commits go to the helper, and its snapshots are the store's."""
    from monitor.edges import files
    from tests.helpers import IRAQ, run_cli

    batches: list[int] = []
    original = files.Writer.write_all

    def counted(self: Writer, batch, **options):  # type: ignore[no-untyped-def]
        batches.append(len(batch))
        return original(self, batch, **options)

    monkeypatch.setattr(files.Writer, "write_all", counted)
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
