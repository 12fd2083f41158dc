"""The profile model: what one Cyberwellness Profile says, as frozen typed values.

``to_dict`` / ``from_dict`` give the JSON form stored in snapshots; the round trip is exact
so that identity by parsed content (the store) and the diff can work on either form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.errors import ParseError

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
class Profile:
    official_name: str
    country: str
    iso2: str | None
    iso3: str | None
    slug: str
    last_updated: date | None
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


def _indicator(data: Mapping[str, Any]) -> Indicator:
    value = data.get("value")
    if value is not None and not isinstance(value, int | float):
        raise ParseError(f"snapshot: background value {value!r} is not a number")
    return Indicator(value, data.get("source"), data.get("as_of"), data.get("note"))


def from_dict(data: Mapping[str, Any]) -> Profile:
    """Rebuild a profile from its JSON form; a wrong schema or shape is a ``ParseError``."""
    if data.get("schema") != SCHEMA:
        raise ParseError(f"snapshot schema {data.get('schema')!r} is not {SCHEMA}")
    try:
        background = data["background"]
        updated = data["last_updated"]
        sections = {
            s["number"]: Section(
                s["number"], s["title"], s["text"], tuple(s["items"]), tuple(s["links"])
            )
            for s in data["sections"]
        }
        order = {key: index for index, key in enumerate(INDICATORS)}
        indicators = {
            # snapshots stored before statuses existed have none
            key: Finding(f["label"], f["value"], f["evidence"], f.get("status"))
            for key, f in sorted(
                data["indicators"].items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
            )
        }
        return Profile(
            official_name=data["official_name"],
            country=data["country"],
            iso2=data["iso2"],
            iso3=data["iso3"],
            slug=data["slug"],
            last_updated=date.fromisoformat(updated) if updated else None,
            background=Background(
                _indicator(background["population"]), _indicator(background["internet_users_pct"])
            ),
            sections=sections,
            indicators=indicators,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ParseError(f"snapshot is malformed: {type(exc).__name__}: {exc}") from exc
