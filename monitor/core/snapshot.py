"""Stored versions as data: refs, where a document came from, and what saving it did.

The store (``edges/store.py``) reads and writes these; history, reports and the service
only ever see these values, never files.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from monitor.core.jsonform import EARLIEST, Moment, builtins, check_moments, dumps
from monitor.core.profile import Profile, Stored, to_dict


class Outcome(StrEnum):
    """What happened to one document or source in one run."""

    NEW = "new"  # a "last updated" date not stored before
    REVISED = "revised"  # different content under a stored date: saved as YYYY-MM-DD.rN
    UNCHANGED = "unchanged"  # same parsed content as the stored snapshot: nothing written
    NOT_MODIFIED = "not_modified"  # the server answered 304: nothing downloaded
    ERROR = "error"  # see the accompanying message

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, order=True)
class SnapshotRef:
    """One stored version, known from its file name alone."""

    key: str  # the "last updated" date (or first-seen day), YYYY-MM-DD
    revision: int  # 1 for YYYY-MM-DD.json, N for YYYY-MM-DD.rN.json
    slug: str = field(compare=False)

    @property
    def name(self) -> str:
        return self.key if self.revision == 1 else f"{self.key}.r{self.revision}"

    @property
    def date(self) -> date:
        return date.fromisoformat(self.key)


_USERINFO = re.compile(r"(?i)\b(https?://)[^/?#@\s]*@")


def public_url(url: str | None) -> str | None:
    """The URL without a user name or password: those stay in the config that holds them,
    never in what is stored, shown, exported or served."""
    if not url or "@" not in url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def scrubbed(message: str) -> str:
    """A message with the user name and password taken out of every URL in it."""
    return _USERINFO.sub(r"\1", message) if "@" in message else message


@dataclass(frozen=True)
class Source:
    """Where a document came from: a URL or a local file, and the raw bytes' identity."""

    seen_at: Moment  # when the monitor first saw this content (stored to the second)
    sha256: str
    content_type: str
    url: str | None = None
    file: str | None = None
    raw: str | None = None  # file name of the raw document beside the snapshot
    capture: str | None = None  # web-archive capture timestamp (YYYYMMDDhhmmss) it came from
    capture_url: str | None = None  # where the archive serves that capture
    history: bool = False  # stored after a newer version: the past, not news for a digest

    def __post_init__(self) -> None:
        check_moments(seen_at=self.seen_at)

    @property
    def shown(self) -> str | None:
        """Where it came from, as anyone may see it: the URL without credentials, or the
        local file's name (its folder is for the CLI of the machine that imported it)."""
        return public_url(self.url) or (PurePath(self.file).name if self.file else None)

    def public(self) -> Source:
        """This source as published (API, pages, exports): ``shown``'s rules, field by field."""
        return replace(
            self,
            url=public_url(self.url),
            capture_url=public_url(self.capture_url),
            file=PurePath(self.file).name if self.file else None,
        )


AHEAD = timedelta(days=1)  # clocks disagree, but not by more than this


def implausible(moment: datetime, now: datetime) -> str | None:
    """Why ``moment`` cannot be when a document was seen (before 1990, or more than a day
    after ``now``), or None when it can. Checked wherever a moment enters the store, so
    nothing stored can put a change in year 9999 (where no ISO week can be reported)."""
    if moment < EARLIEST:
        return f"{moment.isoformat()} is before 1990"
    if moment > now + AHEAD:
        return f"{moment.isoformat()} is in the future"
    return None


def capture_moment(timestamp: str) -> datetime | None:
    """An archive's 14-digit timestamp as a moment (UTC); None when it is no real moment
    (``2015``, ``20150230120000``, ``20170101246000``)."""
    if len(timestamp) != 14 or not timestamp.isdigit():
        return None
    try:
        return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class Capture:
    """One web-archive capture of a document: when the archive took it, and where it is."""

    timestamp: str  # 14 digits, UTC, as archives spell it
    url: str  # the capture as archived (``…/<timestamp>id_/<original>``)

    @property
    def moment(self) -> datetime:
        """The capture's time: when the archive first shows this content (a timestamp that
        is no real moment never gets this far: ``capture_moment``)."""
        moment = capture_moment(self.timestamp)
        if moment is None:
            raise ValueError(f"capture timestamp {self.timestamp!r} is not a moment")
        return moment


_OPTIONAL_SOURCE = ("capture", "capture_url", "history")


def source_data(source: Source) -> dict[str, Any]:
    """A source as snapshot files spell it: the web-archive fields only when set, so files
    written before there were any stay as they were."""
    source = replace(source, url=public_url(source.url), capture_url=public_url(source.capture_url))
    data = {k: v for k, v in builtins(source).items() if v or k not in _OPTIONAL_SOURCE}
    return {**data, "seen_at": source.seen_at.isoformat()}


@dataclass(frozen=True)
class Snapshot:
    ref: SnapshotRef
    profile: Profile
    source: Source
    dated_by: str  # "footer" or "first_seen" (the document has no "Last updated" line)
    content_sha256: str


@dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot file's JSON, as ``convert`` checks it (its ref is its file name)."""

    schema: int
    profile: Stored
    source: Source
    dated_by: str  # "footer" or "first_seen"
    content_sha256: str


@dataclass(frozen=True)
class SaveResult:
    outcome: Outcome
    ref: SnapshotRef


def content_hash(profile: Profile | dict[str, Any]) -> str:
    """Identity by what the document says: equal profiles hash equal, whatever the bytes were.

    The derived indicators are left out: they are what our rules make of the text, so a
    change of the rules must never make the same document a new revision.
    """
    data = profile if isinstance(profile, dict) else to_dict(profile)
    said = {key: value for key, value in data.items() if key != "indicators"}
    return hashlib.sha256(dumps(said, compact=True).encode()).hexdigest()
