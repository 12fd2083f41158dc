"""The one JSON spelling and the one way back from JSON to typed values.

Spelling: sorted keys, UTF-8 (not ``\\u`` escapes), and two layouts: indented for people
(stdout, the HTTP API), compact for machines (snapshot files, content hashes): json's C
encoder is several times faster without ``indent``. A moment is written as
``datetime.isoformat`` spells it (``2026-11-23T08:00:00+00:00``), which is how every file
has always stored one.

Out, ``builtins`` turns dataclasses into what ``dumps`` writes; back, ``convert`` turns
parsed JSON into frozen dataclasses (msgspec checks every field's type, parses timestamps
and dates, and names the path of what does not fit), so a file's shape is written down
once, as its dataclass, never as a hand-written checker.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import msgspec

T = TypeVar("T")

Moment = Annotated[datetime, msgspec.Meta(tz=True)]
"""A timestamp in a file: ISO 8601 with a timezone (a naive one does not fit), between
``EARLIEST`` and ``LATEST`` (each dataclass holding one checks in ``__post_init__``)."""

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # before the web: nothing was seen then
LATEST = datetime(9998, 12, 1, tzinfo=UTC)  # past this no ISO week can be reported


def check_moments(**moments: datetime | None) -> None:
    """A moment outside ``EARLIEST``..``LATEST`` is refused, naming it: whatever a file
    holds, no report, page or schedule can meet a moment it cannot place."""
    for name, moment in moments.items():
        if isinstance(moment, datetime) and not EARLIEST <= moment <= LATEST:
            raise ValueError(f"{name} {moment.isoformat()} is not between 1990 and 9998")


class Malformed(ValueError):
    """JSON of another shape than the type it should be; the message says where."""


def _spell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(data: Any, *, compact: bool = False) -> str:
    if compact:
        return json.dumps(
            data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_spell
        )
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2, default=_spell) + "\n"


def loads(text: str | bytes) -> Any:
    return json.loads(text)


def builtins(value: Any) -> Any:
    """Dataclasses (and what they hold) as dicts and lists, for ``dumps``: the way into
    JSON that ``convert`` undoes. Moments stay ``datetime`` for ``dumps`` to spell."""
    return msgspec.to_builtins(value, builtin_types=(datetime, date))


_NAIVE = "Expected `datetime` with a timezone component"  # msgspec's words for a naive time


def convert(data: Any, kind: type[T]) -> T:
    """Parsed JSON as ``kind`` (a dataclass, or a container of them); anything that does
    not fit is ``Malformed``, naming where (``Expected `int`, got `str` - at `$.runs[0]```)."""
    try:
        return msgspec.convert(data, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc).replace(_NAIVE, "a timestamp that has no timezone")
        raise Malformed(message) from exc
