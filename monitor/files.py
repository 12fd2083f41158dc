"""Atomic file writes, the one way the monitor puts anything on disk."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write to a hidden temp file beside ``path``, then rename it over ``path``.

    Readers see the old file or the new one, never half of one. ``durable`` also fsyncs
    the data before the rename, so that after a power cut the new file is complete too.
    Raises ``OSError``; callers turn it into their own ``MonitorError``.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def sync_dir(directory: Path) -> None:
    """Make the renames done in a folder durable."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
