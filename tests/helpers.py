"""Small helpers shared by tests: profiles from edited seed texts, running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.extract import extract
from monitor.profile import Profile, parse
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


def write_config(directory: Path, extra: str = "") -> Path:
    config = directory / "config.toml"
    config.write_text(
        '[storage]\nsnapshots = "snapshots"\nreports = "reports"\n' + extra, encoding="utf-8"
    )
    return config


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    full_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    full_env.pop("MONITOR_CONFIG", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=timeout,
    )
