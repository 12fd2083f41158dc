"""The system clock: the one place the monitor reads the time (everything else is given
``now`` or a ``Clock``, so tests and backfills can set it)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
