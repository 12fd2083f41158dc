"""The edges where reports leave the monitor: files on disk, email, the Atom feed."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from monitor.errors import DeliveryError


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: readers never see half a file."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from exc
