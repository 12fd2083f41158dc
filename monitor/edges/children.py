"""Child processes of the monitor (the document reader of ``edges/reading``): a fresh
interpreter running one of our modules.

Fresh (not forked), so no thread or lock of ours is copied into it, and started with this
package importable whether it is installed or run from a source tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def spawn(module: str, *args: str, **options: Any) -> subprocess.Popen[bytes]:
    """``python -m module args``, talking on its stdin and stdout (``options`` go to
    ``Popen``: stderr or another stdout, for one)."""
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        **{"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, **options},
        env={**os.environ, "PYTHONPATH": path},
    )


def end(process: subprocess.Popen[bytes] | None, *, kill: bool) -> None:
    """Stop a helper: close its input and wait for it to finish what it was doing, or
    (``kill``) stop it at once; then release its pipes."""
    if process is None:
        return
    if process.stdin is not None and not process.stdin.closed:
        try:
            process.stdin.close()
        except OSError:
            pass  # it died first: its pipe is broken
    if kill and process.poll() is None:
        process.kill()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()
