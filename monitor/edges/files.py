"""The one way anything reaches the disk: atomic writes of bytes and of JSON.

A temp file beside the target (a unique name, so two threads or processes writing the same
file never share one), optionally fsynced, then renamed over the target: readers see the
old file or the new one, never half of one. ``OSError`` is turned into the caller's
``MonitorError`` subclass, so every message names the file and the cause.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import sys
import threading
import time
from collections.abc import Sequence
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
    write_all([(Path(path), data)], durable=durable, error=error, mkdir=mkdir)


def write_all(
    files: Sequence[tuple[Path, bytes]],
    *,
    durable: bool = True,
    error: type[MonitorError] = MonitorError,
    mkdir: bool = False,
) -> None:
    """Write several files atomically, in order: a group commit.

    Every file goes to a temp file beside it; with ``durable``, all of them are made durable
    together (one ``syncfs`` where the system has it: one journal commit for the batch
    instead of one per file), then renamed in the order given (a file that names another
    comes after it), then the renames made durable once. A crash leaves old files or new
    ones, and temp files to tidy, never half of one. (One file alone: its data is fsynced
    before the rename, as always.)"""
    temps: list[tuple[str, Path]] = []
    made: set[Path] = set()
    try:
        for path, data in files:
            if mkdir and path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            handle, temp = _create_temp(path)
            temps.append((temp, path))
            try:  # raw os calls: each system call a thread makes costs it a wait for the GIL
                _write_fully(handle, data)
                if durable and len(files) == 1:
                    os.fsync(handle)
            finally:
                os.close(handle)
        if durable and len(files) > 1:
            _sync([temp for temp, _ in temps])
        for temp, path in temps:
            os.replace(temp, path)
        if durable and len(files) > 1:
            _sync(sorted({str(path.parent) for path, _ in files}))
    except OSError as exc:
        for temp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        where = exc.filename or (files[0][0] if files else "")
        raise error(f"cannot write {where}: {exc.strerror or exc}") from exc


def _write_fully(handle: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


def _create_temp(path: Path) -> tuple[int, str]:
    """A new temp file beside ``path``, unique to this process and thread, created with the
    usual permissions (what the umask allows, as any file the user writes: a web server
    may serve the reports; ``mkstemp`` would make it private)."""
    stem = f"{path.parent}/.{path.name}.{os.getpid()}.{threading.get_ident()}"
    while True:
        temp = f"{stem}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temp
        except FileExistsError:
            continue


def _sync(paths: Sequence[str]) -> None:
    """Make what was written to ``paths`` (files or folders) durable: one ``syncfs`` for
    the filesystem holding them (Linux), else an fsync of each."""
    if len(paths) > 1 and _syncfs(paths[0]):
        return
    for path in paths:
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


@functools.cache
def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _syncfs(path: str) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    handle = os.open(path, os.O_RDONLY)
    try:
        return bool(_libc().syncfs(handle) == 0)
    except (OSError, AttributeError):
        return False
    finally:
        os.close(handle)


def write_json(path: Path, data: Any, **options: Any) -> None:
    """The on-disk JSON spelling (compact, sorted keys, UTF-8, one line), written as
    ``write_atomic`` writes (same options)."""
    write_atomic(path, (dumps(data, compact=True) + "\n").encode(), **options)


def _abandoned(name: str, entry: os.DirEntry[str]) -> bool:
    """A temp file whose writer is gone. Names carry the writer's pid
    (``.NAME.PID.THREAD.RANDOM.tmp``): a live process's file may be mid-write (another job
    of the daemon, another monitor process) and is left alone; a name without a pid counts
    as abandoned once it is an hour old."""
    parts = name.split(".")
    pid = parts[-4] if len(parts) >= 6 else ""
    if pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # alive, another user's
        return False
    return time.time() - entry.stat(follow_symlinks=False).st_mtime > 3600


def remove_temp_files(directory: Path) -> int:
    """Temp files left by a process killed mid-write; they are never read, only tidied.

    Only regular files whose writer is gone are removed, never through a symlink."""
    removed = 0
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for entry in entries:
        temp = entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)
        if temp and entry.is_file(follow_symlinks=False) and _abandoned(entry.name, entry):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed += 1
    return removed
