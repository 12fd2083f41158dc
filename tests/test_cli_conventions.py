"""What a newcomer expects of the CLI: where output goes, -q and -v, the config's order,
grammar, help, and errors that name the file and the key."""

from __future__ import annotations

import logging
import socket
import ssl

import httpx
import pytest
import trustme
from pytest_httpserver import HTTPServer

from monitor.config import load_config
from monitor.edges.fetch import _should_retry
from monitor.errors import ConfigError
from monitor.pipeline.fetching import fetch_all
from tests.conftest import IRAQ_SEED
from tests.helpers import IRAQ, run_cli, write_config


def test_verbose_anywhere_in_the_count_shows_the_traceback(tmp_path):
    write_config(tmp_path)
    plain = run_cli("show", "iraq", cwd=tmp_path)
    assert plain.returncode == 1
    assert plain.stderr.startswith("error: no country 'iraq' in the store")
    assert "Traceback" not in plain.stderr
    loud = run_cli("-vvv", "show", "iraq", cwd=tmp_path)
    assert loud.returncode == 1
    assert "Traceback" in loud.stderr
    assert "SnapshotNotFound" in loud.stderr


def test_environment_wins_over_the_local_config_file(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    chosen = write_config(elsewhere)
    write_config(tmp_path)  # ./config.toml, which $MONITOR_CONFIG must override
    result = run_cli("list", cwd=tmp_path, env={"MONITOR_CONFIG": str(chosen)})
    assert result.stdout == f"no snapshots in {(elsewhere / 'snapshots').resolve()}\n"
    flag = run_cli(
        "--config", str(tmp_path / "config.toml"), "list", cwd=tmp_path,
        env={"MONITOR_CONFIG": str(chosen)},
    )  # fmt: skip
    assert flag.stdout == f"no snapshots in {(tmp_path / 'snapshots').resolve()}\n"


def test_report_email_when_email_is_disabled(tmp_path):
    write_config(tmp_path)
    result = run_cli("report", "--email", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "error: config.toml: email.enabled is false; set it to true to use --email\n"
    )
    assert not (tmp_path / "reports").exists()  # decided before anything is written


def test_status_knows_about_reports_written_by_hand(tmp_path):
    write_config(tmp_path)
    before = run_cli("status", cwd=tmp_path).stdout
    assert "report  last run never" in before
    assert run_cli("report", cwd=tmp_path).returncode == 0
    after = run_cli("status", cwd=tmp_path).stdout
    assert "report  last run 20" in after


def test_quiet_demo_prints_nothing_and_the_hint_is_the_command_as_invoked(tmp_path):
    quiet = run_cli("-q", "demo", "--dir", str(tmp_path / "quiet"), cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == ""
    assert quiet.stderr == ""
    loud = run_cli("demo", "--dir", str(tmp_path / "loud"), cwd=tmp_path)
    hint = loud.stdout.splitlines()[-1]
    assert hint.startswith("explore:")
    invoked = hint.split()[1]
    assert invoked != "monitor"  # under pytest, sys.argv[0] is not a `monitor` on PATH
    assert f"--config {tmp_path / 'loud' / 'config.toml'} diff iraq first latest" in hint


def test_help_shows_a_date_metavar_and_every_command_has_help():
    result = run_cli("report", "--help", cwd=IRAQ_SEED.parent)
    assert "--since DATE" in result.stdout
    assert "--week YYYY-Www" in result.stdout


def test_a_bad_cron_expression_names_the_file_and_the_key(tmp_path):
    path = write_config(tmp_path, '[schedule]\nfetch = "61 * * * *"\n')
    config = load_config(path)
    with pytest.raises(ConfigError, match=r"config.toml: schedule.fetch: '61 \* \* \* \*'"):
        config.trigger("fetch")
    status = run_cli("status", cwd=tmp_path)
    assert status.returncode == 1
    assert status.stderr.startswith(f"error: {path.name}: schedule.fetch: '61 * * * *' is not")


def test_retries_are_one_line_each_and_quiet_silences_them(server, tmp_path):
    server.expect_ordered_request("/Iraq.txt").respond_with_data("busy", status=503)
    server.expect_ordered_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    write_config(
        tmp_path,
        "[fetch]\nretries = 2\nbackoff = 0.01\n"
        f'[[sources.extra]]\ncountry = "Iraq"\nurl = "{server.url_for("/Iraq.txt")}"\n',
    )
    result = run_cli("fetch", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    url = server.url_for("/Iraq.txt")
    assert lines[0].endswith(
        f"INFO Iraq: attempt 1 of 3 at {url} failed (HTTP 503 SERVICE UNAVAILABLE from {url});"
        " retrying"
    )
    assert "stamina" not in result.stderr
    server.clear()
    server.expect_ordered_request("/Iraq.txt").respond_with_data("busy", status=503)
    server.expect_ordered_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    quiet = run_cli("-q", "fetch", cwd=tmp_path)
    assert quiet.returncode == 0
    assert quiet.stderr == ""
    assert quiet.stdout == ""


def test_a_missing_host_name_is_not_retried():
    gone = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = gone
    assert _should_retry(error) is False
    assert _should_retry(httpx.ConnectError("connection refused")) is True


def test_an_untrusted_certificate_is_not_retried(tmp_path, caplog):
    authority = trustme.CA()  # a CA the client does not trust
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    https = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    https.start()
    try:
        https.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
        path = write_config(
            tmp_path,
            "[fetch]\nretries = 3\nbackoff = 0.01\n"
            f'[[sources.extra]]\ncountry = "Iraq"\nurl = "{https.url_for("/Iraq.txt")}"\n',
        )
        config = load_config(path)
        from monitor.edges.store import Store

        with caplog.at_level(logging.INFO, logger="monitor"):
            (result,) = fetch_all(
                config, Store(config.storage.snapshots), config.sources, clock=_now
            )
    finally:
        https.clear()
        https.stop()
    assert result.error is not None
    assert result.error.startswith("TLS certificate not trusted")
    assert result.error.endswith("(not retried)")
    assert "retrying" not in caplog.text


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
