"""Small helpers shared by tests: profiles from edited seed texts, running the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.core.profile import Profile
from tests.conftest import IRAQ_SEED, ROOT, seed_text

IRAQ = seed_text(IRAQ_SEED)
T0 = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)


def profile_from(text: str) -> Profile:
    return parse(extract(text.encode()))


def iraq(**edits: str) -> str:
    """The seed Iraq text with literal replacements (old=new given as pairs)."""
    text = IRAQ
    for old, new in edits.items():
        text = text.replace(old, new)
    return text


def edited(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


# The seed Iraq, published again: a new date, a national CIRT, a new law, more people.
IRAQ_LATER = edited(
    IRAQ,
    ("6th March 2015", "10th January 2016"),
    ("33 703 000", "36 004 552"),
    (
        "There is still no nationally recognized CERT in Iraq.",
        "Iraq has an officially recognized national CIRT called IQ-CERT.",
    ),
    ("-None.\n\n1.2 TECHNICAL", "- Cyber Security Law No. 12\n\n1.2 TECHNICAL"),
)


IRAQ_REVISED = edited(IRAQ_LATER, ("36 004 552", "36 100 000"))  # a new text, the same date


def write_config(directory: Path, extra: str = "") -> Path:
    config = directory / "config.toml"
    config.write_text(
        '[storage]\nsnapshots = "snapshots"\nreports = "reports"\n' + extra, encoding="utf-8"
    )
    return config


@dataclass(frozen=True)
class Ran:
    """What a command did: its exit status and its two output streams."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """The CLI in this process (click's CliRunner), as a user would run it from ``cwd``.

    An exception that escapes a command fails the test, unless -v asked for the traceback,
    which is then in ``stderr`` as Python would print it."""
    from click.testing import CliRunner

    from monitor.cli import cli

    runner = CliRunner(env={"MONITOR_CONFIG": None, **(env or {})})
    with contextlib.chdir(cwd):
        result = runner.invoke(cli, list(args), prog_name="monitor")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        if not any(a.startswith("-v") for a in args):
            raise result.exception
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)


def cli_json(root: Path, *args: str) -> object:
    """What a command prints with ``--format json``, run from ``root``; it must succeed."""
    ran = run_cli(*args, "--format", "json", cwd=root)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


_OPENED: list[list[str]] = []
_STARTED: list[list[list[str]]] = []


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _OPENED and isinstance(args[0], str | bytes | Path):
        _OPENED[-1].append(os.fsdecode(args[0]))
    elif event == "subprocess.Popen" and _STARTED:
        _STARTED[-1].append([os.fsdecode(a) for a in args[1]])


def _hook() -> None:
    if not getattr(_hook, "done", False):
        sys.addaudithook(_audit)  # cannot be removed; it records only inside the blocks below
        _hook.done = True  # type: ignore[attr-defined]


@contextlib.contextmanager
def _recorded(into: list[list[Any]]) -> Iterator[list[Any]]:
    _hook()
    into.append([])
    try:
        yield into[-1]
    finally:
        into.pop()


def opened_files() -> contextlib.AbstractContextManager[list[str]]:
    """Every file this process opens meanwhile (a server in a thread of it included)."""
    return _recorded(_OPENED)


def started_processes() -> contextlib.AbstractContextManager[list[list[str]]]:
    """The command line of every process this process starts meanwhile."""
    return _recorded(_STARTED)


def run_process(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    memory: int | None = None,
):
    """The CLI as a separate process: where a process is the point (signals, locks, crashes,
    tracebacks); ``memory`` caps its address space (bytes) to prove a bound."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    full_env.pop("MONITOR_CONFIG", None)
    full_env.update(env or {})

    def cap() -> None:
        if memory is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
        preexec_fn=cap,
    )


def start_daemon(cwd: Path) -> subprocess.Popen:
    return start_monitor(cwd, "daemon")


def start_monitor(cwd: Path, *args: str) -> subprocess.Popen:
    """`monitor ARGS` in the background; stdout captured, stderr also in ``cwd/stderr.log``
    so a test can watch it while the process runs."""
    with open(cwd / "stderr.log", "w") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )


def start_daemon_serve(server, cwd: Path, fetch: str, extra: str = "") -> subprocess.Popen:
    """`monitor daemon --serve --port 0` fetching Iraq from the loopback ``server`` on the
    ``fetch`` cron (the report job yearly)."""
    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    (cwd / "config.toml").write_text(
        config_text(server.url_for("/Iraq.txt"), fetch, "0 7 1 1 *") + extra
    )
    return start_monitor(cwd, "daemon", "--serve", "--port", "0")


def listening(cwd: Path) -> str | None:
    """The address a `monitor serve` (or `daemon --serve`) announced, once it has."""
    import re

    found = re.search(r"serving (http://127\.0\.0\.1:\d+) ", stderr_so_far(cwd))
    return found.group(1) if found else None


def stderr_so_far(cwd: Path) -> str:
    return (cwd / "stderr.log").read_text()


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def stop(daemon: subprocess.Popen, cwd: Path) -> tuple[int, str]:
    daemon.send_signal(signal.SIGTERM)
    daemon.communicate(timeout=30)
    return daemon.returncode, stderr_so_far(cwd)


def config_text(url: str, fetch: str, report: str, extra: str = "") -> str:
    """A config.toml for the daemon: Iraq from ``url``, fetch and report on these crons."""
    return (
        "[fetch]\nretries = 0\ntimeout = 5\nlock_timeout = 20\n"
        f'[schedule]\nfetch = "{fetch}"\nreport = "{report}"\ntimezone = "UTC"\n'
        f'[[sources.extra]]\ncountry = "Iraq"\nurl = "{url}"\n' + extra
    )


def import_files(directory: Path, *texts: tuple[str, str]) -> None:
    """``monitor import`` of each (file name, text), written into ``directory`` first."""
    paths = []
    for name, text in texts:
        (directory / name).write_text(text)
        paths.append(str(directory / name))
    result = run_cli("import", *paths, cwd=directory)
    assert result.returncode == 0, result.stderr


def keep(driver, path: Path) -> None:
    """A screenshot at ``path`` (under the test's tmp_path); MONITOR_SCREENSHOTS=DIR keeps a
    copy for a person to look at."""
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    keep_dir = os.environ.get("MONITOR_SCREENSHOTS")
    if keep_dir:
        Path(keep_dir).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep_dir) / path.name)
