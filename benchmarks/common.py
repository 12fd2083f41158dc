"""Helpers shared by the benchmarks."""

from __future__ import annotations

import subprocess
import time


def timed(cmd: list[str], cwd: str, env: dict[str, str] | None = None) -> float:
    """Wall time of one command, start to exit."""
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=True, env=env)
    return time.perf_counter() - start
