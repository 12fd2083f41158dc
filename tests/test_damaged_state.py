"""Damaged bookkeeping, unexpected paths and bad settings, as an unlucky operator meets
them: each repairs itself or is one line naming the file and the key, and nothing stored is
lost."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from monitor.edges.state import all_states, outbox, run_log
from monitor.edges.store import Store
from tests.conftest import IRAQ_SEED
from tests.helpers import (
    IRAQ,
    T0,
    profile_from,
    run_cli,
    start_daemon,
    stderr_so_far,
    stop,
    wait_for,
    write_config,
)
from tests.smtp import smtp_server


def source(url: str, country: str = "Iraq") -> str:
    return f'[[sources.extra]]\ncountry = "{country}"\nurl = "{url}"\n'


def iraq_served(server, tmp_path: Path, extra: str = "") -> Path:
    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    return write_config(tmp_path, extra + source(server.url_for("/Iraq.txt")))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (".state.json", "null"),
        (".state.json", "[]"),
        (".state.json", '{"countries": {"iraq": {"last_check": "garbage"}}}'),
        (".state.json", "{not json"),
        ("iraq/state.json", '{"last_check": "garbage"}'),  # where older versions kept it
        ("iraq/state.json", "[]"),
    ],
)
def test_a_damaged_state_file_is_set_aside_and_rebuilt(server, tmp_path, name, content):
    iraq_served(server, tmp_path)
    state = tmp_path / "snapshots" / name
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(content)
    first = run_cli("fetch", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "Iraq: new iraq 2015-03-06"
    assert f"{state.name} was damaged" in first.stderr
    aside = list(state.parent.glob(f"{state.name}.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_text() == content  # kept for a person to look at
    central = json.loads((tmp_path / "snapshots" / ".state.json").read_text())
    assert central["countries"]["iraq"]["last_check"].startswith("20")
    for command in (("status",), ("list",), ("report",), ("run",)):
        assert run_cli(*command, cwd=tmp_path).returncode == 0, command


def test_bookkeeping_is_read_into_datetimes_and_written_back_as_spelled(tmp_path):
    states = (
        '{"countries":{"iraq":{"consecutive_failures":2,"country":"Iraq","etag":"\\"e1\\"",'
        '"failing_since":"2026-11-16T06:00:00+00:00","iso2":"IQ","iso3":"IRQ",'
        '"last_check":"2026-11-17T08:00:00.250000+02:00","last_error":"HTTP 503",'
        '"last_modified":"Mon, 16 Nov 2026 06:00:00 GMT","last_success":null,'
        '"url":"https://example.org/Iraq.pdf"}}}\n'
    )
    runs = (
        '{"fetch":{"finished":"2026-11-17T06:00:05+00:00","outcome":"1 new",'
        '"started":"2026-11-17T06:00:00+00:00"},"report":{"finalized":["2026-W46"]}}\n'
    )
    (tmp_path / ".state.json").write_text(states)
    (tmp_path / ".runs.json").write_text(runs)
    iraq = all_states(tmp_path).read()["iraq"]
    assert iraq.failing_since == T0
    assert iraq.last_check is not None and iraq.last_check.utcoffset() is not None
    assert run_log(tmp_path).read().last("fetch") == T0.replace(day=17)
    all_states(tmp_path).update(lambda found: found)
    run_log(tmp_path).update(lambda found: found)
    assert (tmp_path / ".state.json").read_text() == states
    assert (tmp_path / ".runs.json").read_text() == runs


def test_a_snapshot_seen_without_a_timezone_is_reported_as_damaged(tmp_path):
    write_config(tmp_path)
    store = Store(tmp_path / "snapshots")
    saved = store.save(
        profile_from(IRAQ), IRAQ.encode(), kind="text", content_type="text/plain", now=T0
    )
    path = store.path(saved.ref)
    data = json.loads(path.read_text())
    data["source"]["seen_at"] = "2026-11-16T06:00:00"
    path.write_text(json.dumps(data))
    listing = run_cli("list", "iraq", cwd=tmp_path)
    assert "2015-03-06      error:" in listing.stdout
    assert "has no timezone" in listing.stdout
    assert run_cli("report", cwd=tmp_path).returncode == 0
    again = run_cli("import", str(IRAQ_SEED), cwd=tmp_path)  # later content: a revision
    assert again.stdout.endswith("revised iraq 2015-03-06.r2\n")


@pytest.mark.parametrize("runs", ['{"fetch": "x"}', '{"fetch": {"started": "soon"}}', "null"])
def test_a_damaged_run_log_never_stops_a_run(server, tmp_path, runs):
    iraq_served(server, tmp_path)
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / ".runs.json").write_text(runs)
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Iraq: new iraq 2015-03-06"
    assert ".runs.json was damaged" in result.stderr
    assert "fetch   last run 20" in run_cli("status", cwd=tmp_path).stdout


def test_the_daemon_starts_on_a_damaged_run_log(server, tmp_path):
    iraq_served(server, tmp_path, '[schedule]\nfetch = "0 6 * * *"\nreport = "0 7 * * mon"\n')
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / ".runs.json").write_text('{"fetch": {"started": "soon"}}')
    daemon = start_daemon(tmp_path)
    try:
        assert wait_for(lambda: "daemon: report next at" in stderr_so_far(tmp_path))
    finally:
        code, err = stop(daemon, tmp_path)
    assert code == 0, err
    assert ".runs.json was damaged" in err


def test_a_bad_outbox_entry_never_holds_back_the_mail(tmp_path):
    with smtp_server() as (box, port):
        write_config(
            tmp_path,
            f'[email]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\nwhen = "always"\n',
        )
        (tmp_path / "reports").mkdir()
        (tmp_path / "reports" / ".outbox.json").write_text('{"pending": ["2026-W99"]}')
        result = run_cli("report", "--week", "2026-W47", "--email", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(box.messages) == 1
    assert "not a week: '2026-W99'" in result.stderr
    assert outbox(tmp_path / "reports").read() == ()


def test_fetch_and_report_in_the_same_slot_on_a_fresh_store(server, tmp_path):
    iraq_served(server, tmp_path, '[schedule]\nfetch = "*/2 * * * * *"\nreport = "*/2 * * * * *"\n')
    daemon = start_daemon(tmp_path)
    try:
        assert wait_for(lambda: stderr_so_far(tmp_path).count("INFO fetch: 1 source: ") >= 3)
        assert wait_for(lambda: stderr_so_far(tmp_path).count("INFO report: ") >= 3)
    finally:
        code, text = stop(daemon, tmp_path)
    assert code == 0, text
    assert " ERROR " not in text
    assert " WARNING " not in text
    assert "Traceback" not in text
    fetched = [line for line in text.splitlines() if "INFO fetch: 1 source: " in line]
    assert fetched[0].split("INFO ")[1].startswith("fetch: 1 source: 1 new")
    assert all("error" not in line for line in fetched)


def test_links_in_the_store_are_refused_never_followed(tmp_path):
    write_config(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me")
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    (snapshots / "france").symlink_to(elsewhere)
    (snapshots / ".x.tmp").symlink_to(elsewhere / "precious.txt")
    france = tmp_path / "France.txt"
    france.write_text(re.sub("iraq", "France", IRAQ, flags=re.I))
    result = run_cli("import", str(france), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"{france}: error: snapshots/france: a symbolic link inside the store; "
        "the store never follows links (replace it with the real folder)\n"
    )
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]
    Store(snapshots).remove_stale_temp_files()
    assert (elsewhere / "precious.txt").read_text() == "keep me"
    assert run_cli("import", str(IRAQ_SEED), cwd=tmp_path).returncode == 0
    tajik = snapshots / "tajikistan"
    tajik.mkdir()
    (tajik / "2015-03-06.json").symlink_to(snapshots / "iraq" / "2015-03-06.json")
    shown = run_cli("show", "tajikistan", cwd=tmp_path)
    assert shown.returncode == 1
    assert shown.stderr == (
        "error: snapshots/tajikistan/2015-03-06.json: a symbolic link inside the store; "
        "the store never follows links\n"
    )


def test_the_store_path_is_a_file(tmp_path):
    write_config(tmp_path)
    (tmp_path / "snapshots").write_text("not a folder")
    for command in (("list",), ("report",), ("import", str(IRAQ_SEED))):
        result = run_cli(*command, cwd=tmp_path)
        assert result.returncode == 1, command
        assert "snapshots: not a folder (storage.snapshots must name a folder)" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "reports").exists()  # no empty report pretending all is well


def test_a_store_that_cannot_be_written(tmp_path):
    write_config(tmp_path).write_text('[storage]\nsnapshots = "/sys/cyberwellness"\n')
    result = run_cli("import", str(IRAQ_SEED), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"{IRAQ_SEED}: error: cannot create /sys/cyberwellness: Operation not permitted\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources.extra]]\ncountry = 'Iraq'\n", "sources.extra[0].url: missing"),
        (
            "[sources]\nurl_template = 'https://x.org/{0}/{name}.pdf'\ncountries = ['Iraq']\n",
            "sources.url_template: only {name} may stand in braces",
        ),
        ("[fetch]\ntimeout = nan\n", "fetch.timeout: must be a finite number, not nan"),
        ("[fetch]\nlock_timeout = inf\n", "fetch.lock_timeout: must be a finite number, not inf"),
        ("[email]\ntimeout = nan\n", "email.timeout: must be a finite number, not nan"),
        (
            '[email]\nfrom = "a@example.org\\r\\nBcc: b@example.org"\n',
            "email.from: 'a@example.org\\r\\nBcc: b@example.org' is not one e-mail address",
        ),
        ("[email]\nto = []\n", "email.to: needs at least one address"),
    ],
)
def test_bad_settings_are_one_line_naming_the_file_and_key(tmp_path, text, message):
    write_config(tmp_path).write_text(text)
    result = run_cli("list", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: config.toml: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_config_file_that_is_not_utf8(tmp_path):
    (tmp_path / "config.toml").write_bytes('[fetch]\nuser_agent = "caf\xe9"\n'.encode("cp1252"))
    result = run_cli("list", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "error: config.toml: not UTF-8 text (byte 25); save it as UTF-8\n"


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01"])
def test_weeks_out_of_range(tmp_path, week):
    write_config(tmp_path)
    result = run_cli("report", "--week", week, cwd=tmp_path)
    assert result.returncode == 2
    assert f"'{week}' is outside the years 1900 to 9998" in result.stderr
    assert "Traceback" not in result.stderr


def test_leftover_temp_files_are_tidied_by_the_next_run(server, tmp_path):
    iraq_served(server, tmp_path)
    reports, country = tmp_path / "reports", tmp_path / "snapshots" / "iraq"
    (reports / "countries").mkdir(parents=True)
    country.mkdir(parents=True)
    gone = _dead_pid()  # a writer killed mid-write
    leftovers = [
        reports / f".2026-W47.html.{gone}.1.a1.tmp",
        reports / "countries" / f".iraq.html.{gone}.1.a2.tmp",
        tmp_path / "snapshots" / f".state.json.{gone}.1.a3.tmp",
        country / f".state.json.{gone}.1.a4.tmp",
        country / ".2015-03-06.json.x5.tmp",  # an older name without a pid, hours old
    ]
    for path in leftovers:
        path.write_text("half")
    os.utime(leftovers[-1], (time.time() - 7200, time.time() - 7200))
    # a live writer's file (another job of the daemon, mid-write) is never touched
    in_flight = tmp_path / "snapshots" / f".runs.json.{os.getpid()}.1.b1.tmp"
    in_flight.write_text("being written")
    assert run_cli("run", cwd=tmp_path).returncode == 0
    assert [p for p in leftovers if p.exists()] == []
    assert in_flight.read_text() == "being written"


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_reports_are_readable_by_others_as_the_umask_allows(tmp_path):
    """A web server running as another user can serve what `monitor report` writes."""
    write_config(tmp_path)
    previous = os.umask(0o022)
    try:
        assert run_cli("report", cwd=tmp_path).returncode == 0
    finally:
        os.umask(previous)
    for page in (tmp_path / "reports").glob("*.html"):
        assert page.stat().st_mode & 0o777 == 0o644, page
