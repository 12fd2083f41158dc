"""What happened to one document or source in one run."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    NEW = "new"  # a "last updated" date not stored before
    REVISED = "revised"  # different content under a stored date: saved as YYYY-MM-DD.rN
    UNCHANGED = "unchanged"  # same parsed content as the stored snapshot: nothing written
    NOT_MODIFIED = "not_modified"  # the server answered 304: nothing downloaded
    ERROR = "error"  # see the accompanying message

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")
