"""`monitor serve` and `monitor daemon --serve` as real processes: they start, answer, log
each request, stop cleanly on SIGTERM; and no other command loads the web stack."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import httpx
import pytest

from monitor.core.snapshot import SnapshotRef
from monitor.edges.store import Store
from tests.conftest import IRAQ_SEED, ROOT
from tests.helpers import (
    listening,
    run_cli,
    start_daemon_serve,
    start_monitor,
    stderr_so_far,
    stop,
    wait_for,
    write_config,
)

ACCESS = re.compile(
    r"^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "
    r'"GET /api/countries/iraq/diff/first/latest HTTP/1\.1" 200 \d+ "-" "python-httpx/[\d.]+" '
    r"[\d.]+ms$",
    re.M,
)


def test_serve_answers_logs_and_stops_on_sigterm(tmp_path):
    write_config(tmp_path)
    assert run_cli("import", str(IRAQ_SEED), cwd=tmp_path).returncode == 0
    process = start_monitor(tmp_path, "serve", "--port", "0")
    try:
        assert wait_for(lambda: listening(tmp_path)), stderr_so_far(tmp_path)
        base = listening(tmp_path)
        assert httpx.get(f"{base}/api/health").json()["countries"] == 1
        diff = httpx.get(f"{base}/api/countries/iraq/diff/first/latest")
        assert diff.json()["changes"] == []
        assert wait_for(lambda: ACCESS.search(stderr_so_far(tmp_path)))
    finally:
        code, err = stop(process, tmp_path)
    assert code == 0, err
    assert "serve: received SIGTERM" in err
    assert "serve: stopped" in err
    assert "Traceback" not in err


def test_daemon_serve_runs_both_and_stops_both(server, tmp_path):
    daemon = start_daemon_serve(server, tmp_path, "*/2 * * * * *")
    try:
        assert wait_for(lambda: listening(tmp_path)), stderr_so_far(tmp_path)
        base = listening(tmp_path)
        # the scheduler fetched, and the service sees what it stored
        assert wait_for(lambda: httpx.get(f"{base}/api/countries").json() != [])
        listed = httpx.get(f"{base}/api/countries/iraq").json()
        assert [s["ref"] for s in listed["snapshots"]] == ["2015-03-06"]
        assert Store(tmp_path / "snapshots").refs("iraq") == [SnapshotRef("2015-03-06", 1, "iraq")]
    finally:
        code, err = stop(daemon, tmp_path)
    assert code == 0, err
    assert "fetch: 1 source: 1 new" in err
    assert "serve: stopped" in err
    assert "daemon: stopped" in err
    assert err.index("serve: stopped") < err.index("daemon: stopped")
    assert "Traceback" not in err


def test_a_port_in_use_is_one_line(tmp_path):
    write_config(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_host_and_port_need_serve(tmp_path):
    write_config(tmp_path)
    result = run_cli("daemon", "--port", "9000", cwd=tmp_path)
    assert result.returncode == 2
    assert "--port applies only with --serve" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["diff", "iraq", "first", "latest"], ["list"]])
def test_other_commands_do_not_load_the_web_stack(tmp_path, args):
    write_config(tmp_path)
    assert run_cli("import", str(IRAQ_SEED), cwd=tmp_path).returncode == 0
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "monitor", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()}
    assert "monitor.cli.serve" in imported  # the command is registered...
    web = {m for m in imported if m.split(".")[0] in ("starlette", "uvicorn", "monitor")}
    assert {m for m in web if not m.startswith("monitor")} == set()  # ...its stack is not loaded
    assert not any(m.startswith("monitor.service") for m in web)
