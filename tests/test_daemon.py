"""`monitor daemon`, `run`, `status` and `demo` as they run for real: subprocesses, a web
server and an SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.edges.store import Store
from tests.helpers import (
    IRAQ,
    config_text,
    run_cli,
    run_process,
    start_daemon,
    start_monitor,
    stderr_so_far,
    stop,
    wait_for,
)
from tests.smtp import smtp_server


def test_daemon_fetches_reports_and_stops_cleanly(server, tmp_path):
    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    (tmp_path / "config.toml").write_text(
        config_text(server.url_for("/Iraq.txt"), "*/2 * * * * *", "*/3 * * * * *")
    )
    daemon = start_daemon(tmp_path)
    try:
        store = Store(tmp_path / "snapshots")
        assert wait_for(lambda: store.refs("iraq")), "no fetch happened"
        week = datetime.now(UTC).isocalendar()
        digest = tmp_path / "reports" / f"{week.year}-W{week.week:02d}.html"
        assert wait_for(digest.is_file), "no digest was written"
        second = run_process("daemon", cwd=tmp_path)
        assert second.returncode == 1
        assert "another monitor daemon is already running on snapshots" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        code, err = stop(daemon, tmp_path)
    assert code == 0, err
    assert "fetch: 1 source: 1 new" in err
    assert "daemon: stopped" in err
    assert "Traceback" not in err
    assert not list((tmp_path / "snapshots").glob("*/.*.tmp"))


def test_missed_run_is_caught_up_once(server, tmp_path):
    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    (tmp_path / "config.toml").write_text(
        config_text(server.url_for("/Iraq.txt"), "0 6 * * *", "0 7 1 1 *")
    )
    (tmp_path / "snapshots").mkdir()
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="seconds")
    runs = tmp_path / "snapshots" / ".runs.json"
    runs.write_text(json.dumps({"fetch": {"started": three_days_ago}}))
    daemon = start_daemon(tmp_path)
    try:
        # the catch-up run has finished (the run log says so); the next slot is tomorrow
        assert wait_for(lambda: '"finished"' in runs.read_text())
    finally:
        code, err = stop(daemon, tmp_path)
    requests = [r for r, _ in server.log if r.path == "/Iraq.txt"]
    assert code == 0, err
    assert len(requests) == 1  # three missed daily slots, one catch-up run
    assert err.count("fetch: catching up the run missed at") == 1
    assert "report: catching up" not in err


def test_fetch_by_hand_waits_for_the_lock(server, tmp_path):
    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    (tmp_path / "config.toml").write_text(
        config_text(server.url_for("/Iraq.txt"), "0 6 * * *", "0 7 * * mon")
    )
    store = Store(tmp_path / "snapshots")
    with store.lock():  # as the daemon's job holds it
        by_hand = start_monitor(tmp_path, "fetch")
        assert wait_for(lambda: "waiting for the store lock" in stderr_so_far(tmp_path))
        assert by_hand.poll() is None  # still waiting
        assert store.refs("iraq") == []
    out, _ = by_hand.communicate(timeout=30)
    assert by_hand.returncode == 0, stderr_so_far(tmp_path)
    assert out.splitlines()[0] == "Iraq: new iraq 2015-03-06"


def test_run_end_to_end_with_email_and_status(server, tmp_path):
    with smtp_server() as (box, port):
        server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
        (tmp_path / "config.toml").write_text(
            config_text(
                server.url_for("/Iraq.txt"),
                "0 6 * * *",
                "0 7 * * mon",
                f'[email]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\n'
                'when = "always"\nto = ["analyst@example.org"]\n',
            )
        )
        result = run_cli("run", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "Iraq: new iraq 2015-03-06"
        assert lines[1] == "1 source: 1 new"
        assert lines[2].startswith("report: reports/")
        assert len(box.messages) == 1
        envelope, _ = box.messages[0]
        assert envelope.rcpt_tos == ["analyst@example.org"]
        assert b"Subject: Cyberwellness changes" in envelope.original_content
        again = run_cli("run", cwd=tmp_path)  # the week's report is not sent twice
        assert again.returncode == 0
        assert len(box.messages) == 1
        status = run_cli("status", cwd=tmp_path)
    assert status.returncode == 0
    out = status.stdout
    assert "fetch   last run 20" in out
    assert "(1 unchanged)" in out  # the server sends no ETag: a full GET, same content
    assert "next 20" in out
    assert "iraq" in out
    data = json.loads(run_cli("status", "--format", "json", cwd=tmp_path).stdout)
    assert data["countries"][0]["consecutive_failures"] == 0
    assert data["schedule"]["report"]["cron"] == "0 7 * * mon"


def test_run_exits_1_when_a_source_fails(server, tmp_path):
    server.expect_request("/Iraq.txt").respond_with_data("gone", status=404)
    (tmp_path / "config.toml").write_text(
        config_text(server.url_for("/Iraq.txt"), "0 6 * * *", "0 7 * * mon")
    )
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Iraq: ")]
    assert len(errors) == 1
    assert errors[0].startswith("Iraq: error: HTTP 404 NOT FOUND")
    assert result.stdout.splitlines()[0] == "1 source: 1 error"


def test_demo_in_a_fresh_folder(tmp_path):
    result = run_cli("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "round 1: Iraq new 2015-03-06, Tajikistan new 2015-03-09" in out
    assert "round 3: Iraq revised 2016-02-10.r2, Tajikistan not modified" in out
    digest = Path(out.split("weekly digest: ")[1].splitlines()[0])
    assert digest.is_file()
    page = digest.read_text()
    assert "IQ-CERT" in page
    assert "Law on Personal Data Protection" in page
    assert "changed without a new date" in page
    explore = run_cli("--config", str(tmp_path / "demo" / "config.toml"), "list", cwd=tmp_path)
    assert "iraq" in explore.stdout
    assert "tajikistan" in explore.stdout
    assert run_cli("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path).returncode == 2
