"""The one way anything reaches the disk: atomic writes of bytes and of JSON.

A temp file beside the target (a unique name, so two threads or processes writing the same
file never share one), optionally fsynced, then renamed over the target: readers see the
old file or the new one, never half of one. ``OSError`` is turned into the caller's
``MonitorError`` subclass, so every message names the file and the cause.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from monitor.core.jsonform import dumps
from monitor.errors import MonitorError

TEMP_SUFFIX = ".tmp"


def write_atomic(
    path: Path,
    data: bytes,
    *,
    durable: bool = True,
    error: type[MonitorError] = MonitorError,
    mkdir: bool = False,
) -> None:
    """Write ``data`` to ``path`` atomically; ``durable`` fsyncs it before the rename."""
    path = Path(path)
    temp: str | None = None
    try:
        if mkdir:
            path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
        )
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as exc:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise error(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_json(path: Path, data: Any, **options: Any) -> None:
    """The on-disk JSON spelling (compact, sorted keys, UTF-8, one line), written as
    ``write_atomic`` writes (same options)."""
    write_atomic(path, (dumps(data, compact=True) + "\n").encode(), **options)


def sync_dir(directory: Path) -> None:
    """Make the renames done in a folder durable."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def remove_temp_files(directory: Path, pattern: str = ".*" + TEMP_SUFFIX) -> int:
    """Temp files left by a process killed mid-write; they are never read, only tidied.

    Only regular files are removed, never through a symlink."""
    removed = 0
    if not directory.is_dir():
        return 0
    for temp in directory.glob(pattern):
        if temp.is_symlink() or not temp.is_file():
            continue
        with contextlib.suppress(OSError):
            temp.unlink()
            removed += 1
    return removed
