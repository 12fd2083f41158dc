"""The profile model: what one Cyberwellness Profile says, as frozen typed values.

``to_dict`` / ``from_dict`` give the JSON form stored in snapshots; the round trip is exact
so that identity by parsed content (the store) and the diff can work on either form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from monitor.core.jsonform import Malformed, convert
from monitor.errors import SnapshotDamaged

SCHEMA = 1

# The derived indicators, in reading order, with the label people see. The model owns this
# vocabulary; ``findings`` holds the rules that decide each one.
INDICATORS: dict[str, str] = {
    "national_cirt": "national CIRT",
    "cybercrime_legislation": "cybercrime legislation",
    "cybersecurity_regulation": "cybersecurity regulation",
    "standards_framework": "cybersecurity standards framework",
    "cybersecurity_strategy": "national cybersecurity strategy",
    "responsible_agency": "agency responsible for cybersecurity",
    "cop_legislation": "child online protection legislation",
    "cop_agency": "agency responsible for child online protection",
    "reporting_mechanism": "way to report incidents (website or hotline)",
}


@dataclass(frozen=True)
class Indicator:
    """A background figure and where it came from: 9.2, "ITU Statistics", "December 2013"."""

    value: int | float | None
    source: str | None = None
    as_of: str | None = None
    note: str | None = None  # why a printed figure is "not stated": it did not read as one


@dataclass(frozen=True)
class Background:
    population: Indicator = field(default_factory=lambda: Indicator(None))
    internet_users_pct: Indicator = field(default_factory=lambda: Indicator(None))


@dataclass(frozen=True)
class Section:
    """One numbered section: prose as one whitespace-normalised string, list items, URLs."""

    number: str
    title: str
    text: str = ""
    items: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A yes/no fact derived from the prose; ``value`` is None when the text does not say.

    ``status`` says why a "no" is a no when the text says more: ``planned``, ``draft`` or
    ``defunct`` (None for a plain "there is no X", and always None for "yes").
    """

    label: str
    value: bool | None
    evidence: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class _Named:
    """What names a profile: the model and its JSON form alike."""

    official_name: str
    country: str
    iso2: str | None
    iso3: str | None
    slug: str
    last_updated: date | None


@dataclass(frozen=True)
class Profile(_Named):
    background: Background
    sections: Mapping[str, Section]  # ordered by appearance; treat as read-only
    indicators: Mapping[str, Finding]  # ordered; treat as read-only


def _indicator_dict(ind: Indicator) -> dict[str, Any]:
    out: dict[str, Any] = {"value": ind.value, "source": ind.source, "as_of": ind.as_of}
    if ind.note:  # only when there is one: snapshots stored before notes keep their identity
        out["note"] = ind.note
    return out


def to_dict(profile: Profile) -> dict[str, Any]:
    """The JSON form of a profile (``"schema": 1``)."""
    return {
        "schema": SCHEMA,
        "official_name": profile.official_name,
        "country": profile.country,
        "iso2": profile.iso2,
        "iso3": profile.iso3,
        "slug": profile.slug,
        "last_updated": profile.last_updated.isoformat() if profile.last_updated else None,
        "background": {
            "population": _indicator_dict(profile.background.population),
            "internet_users_pct": _indicator_dict(profile.background.internet_users_pct),
        },
        "sections": [
            {
                "number": s.number,
                "title": s.title,
                "text": s.text,
                "items": list(s.items),
                "links": list(s.links),
            }
            for s in profile.sections.values()
        ],
        "indicators": {
            key: {"label": f.label, "value": f.value, "evidence": f.evidence, "status": f.status}
            for key, f in profile.indicators.items()
        },
    }


@dataclass(frozen=True)
class Stored(_Named):
    """The JSON form of a profile, as ``convert`` checks it (``from_stored`` makes it a
    ``Profile``); a snapshot file's reader converts it as part of the whole file."""

    schema: int
    background: Background
    sections: list[Section]  # in reading order
    indicators: dict[str, Finding]  # sorted by key


def from_dict(data: Mapping[str, Any]) -> Profile:
    """Rebuild a profile from its JSON form; a wrong schema or shape is ``SnapshotDamaged``."""
    try:
        stored = convert(data, Stored)
    except Malformed as exc:
        raise SnapshotDamaged(f"snapshot is malformed: {exc}") from exc
    return from_stored(stored)


def from_stored(stored: Stored) -> Profile:
    """The profile a checked JSON form describes; another schema is ``SnapshotDamaged``."""
    if stored.schema != SCHEMA:
        raise SnapshotDamaged(f"snapshot schema {stored.schema!r} is not {SCHEMA}")
    order = {key: index for index, key in enumerate(INDICATORS)}
    named = {f.name: getattr(stored, f.name) for f in fields(_Named)}
    return Profile(
        **named,
        background=stored.background,
        sections={s.number: s for s in stored.sections},
        indicators=dict(
            sorted(
                stored.indicators.items(),
                key=lambda kv: (order.get(kv[0], len(order)), kv[0]),
            )
        ),
    )
