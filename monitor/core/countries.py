"""Country names as printed in profiles ↔ ISO 3166-1 codes, short names and slugs, and
the one lookup of a country a user typed.

pycountry holds the names and codes; this module only adds the few spellings ITU prints
that ISO has since renamed, the rules for turning a printed title into a country
(``identify``), and the rule for finding, among the countries a caller knows (stored ones,
configured ones), the one a user means (``KnownCountries``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Names ITU prints that pycountry no longer knows (renamed countries, house spellings).
_ALIASES = {
    "swaziland": "SZ",
    "kingdom of swaziland": "SZ",
    "turkey": "TR",
    "cape verde": "CV",
    "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD",
    "drc": "CD",
    "hongkong": "HK",
    "macedonia": "MK",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "korea": "KR",
    "republic of korea": "KR",
    "south korea": "KR",
    "democratic people's republic of korea": "KP",
    "north korea": "KP",
    "russia": "RU",
    "syria": "SY",
    "burma": "MM",
    "east timor": "TL",
    "vatican": "VA",
    "vatican city": "VA",
    # ITU's own file names (Country_Profiles/<name>.pdf), typos included
    "ethopia": "ET",
    "antigua barbuda": "AG",
    "sao tome": "ST",
    "lao pdr": "LA",
    "laos": "LA",
    "dr congo": "CD",
    "congo drc": "CD",
    "congo kinshasa": "CD",
    "congo brazzaville": "CG",
}

# ITU's abbreviations ("Dem. People's Rep. of Korea", "Congo (Rep. of the)", "St Kitts"),
# spelled out before any lookup, so that no name falls through to a shorter one it contains.
_ABBREVIATIONS = (
    (re.compile(r"\bDem\.?(?=\s)", re.I), "Democratic"),
    (re.compile(r"\bRep\.?(?=[\s)]|$)", re.I), "Republic"),
    (re.compile(r"\bPeople'?s\b", re.I), "People's"),
    (re.compile(r"\bFed\.?(?=\s)", re.I), "Federal"),
    (re.compile(r"\bSts?\.?(?=\s)"), "Saint"),
    (re.compile(r"\bP\.?D\.?R\.?(?=[\s)]|$)"), "People's Democratic Republic"),
    (re.compile(r"^D\.?R\.?(?=\s)"), "Democratic Republic of the"),
    (re.compile(r"\s*&\s*"), " and "),
)

# Short names people use where ISO's name is long or inverted ("Korea, Republic of").
_SHORT_NAMES = {
    "BN": "Brunei",
    "CD": "Democratic Republic of the Congo",
    "KP": "North Korea",
    "KR": "South Korea",
    "RU": "Russia",
    "SY": "Syria",
    "VE": "Venezuela",
    "LA": "Laos",
    "FM": "Micronesia",
    "PS": "Palestine",
    "TW": "Taiwan",
    "VN": "Vietnam",
}


@dataclass(frozen=True)
class Country:
    name: str  # common short name, e.g. "Iraq"
    iso2: str | None
    iso3: str | None
    slug: str


def slugify(name: str) -> str:
    """Lower-case ASCII words joined by hyphens: safe as a directory name on every system."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:80] or "unknown"


def _short_name(record: Any) -> str:
    code = getattr(record, "alpha_2", "")
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    name = getattr(record, "common_name", None) or record.name
    return name.split(",")[0].strip()


def _from_record(record: Any) -> Country:
    name = _short_name(record)
    return Country(name, record.alpha_2, record.alpha_3, slugify(name))


def _spelled_out(printed: str) -> str:
    """One spacing and no abbreviations: "Congo(DRC)" → "Congo (DRC)", "Lao_PDR" → "Lao
    People's Democratic Republic", "Dem. Rep. of the Congo" → "Democratic Republic of the Congo"."""
    text = printed.replace("_", " ").replace("(", " (").replace(")", ") ")
    text = " ".join(text.split())
    text = text.replace("( ", "(").replace(" )", ")")
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return " ".join(text.split())


def _candidates(printed: str) -> list[str]:
    """Spellings to try for a printed title, most specific first."""
    spelled = _spelled_out(printed)
    base = " ".join(spelled.replace("-", " ").split())
    out = [base, spelled, printed.strip()]
    inner = re.match(r"^(.*?)\s*\((.*)\)\s*$", base)
    if inner:  # "SUDAN (REPUBLIC OF)", "CONGO (DRC)", "CONGO (REP. OF THE)"
        outer, qualifier = inner.group(1), inner.group(2)
        out += [qualifier, f"{qualifier} {outer}", f"{outer} {qualifier}"]
        if qualifier.lower().endswith(("of", "of the")):
            out.append(outer)  # "Micronesia (Federal States of)": the qualifier is the form
    if "," in base:  # "Hong Kong, China": the place, not the state it belongs to
        out.append(base.split(",")[0])
    words = base.split()
    if words and words[0].lower() == "the":
        out.append(" ".join(words[1:]))
    out.append(re.sub(r"\bof\b(?! the)", "of the", base, flags=re.I))
    return [c for c in out if c]


@lru_cache(maxsize=1)
def _names() -> dict[str, Any]:
    """Every ISO name, official name and common name, lower-cased, to its record."""
    import pycountry

    index: dict[str, Any] = {}
    for record in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(record, attribute, None)
            if value:
                index.setdefault(value.lower(), record)
    return index


def _exact(candidate: str) -> Any:
    import pycountry

    key = candidate.strip().lower()
    if key in _ALIASES:
        return pycountry.countries.get(alpha_2=_ALIASES[key])
    if len(key) in (2, 3) and key.isalpha():
        code = pycountry.countries.get(**{f"alpha_{len(key)}": key.upper()})  # type: ignore[arg-type]
        if code:
            return code
    return _names().get(key)


def _contained(candidate: str) -> object | None:
    """The one country whose name contains the candidate as whole words ("Brunei")."""
    key = f" {_words(candidate)} "
    if len(key) < 6:
        return None
    hits = {id(r): r for name, r in _names().items() if key in f" {_words(name)} "}
    return next(iter(hits.values())) if len(hits) == 1 else None


@lru_cache(maxsize=8192)
def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w']+", " ", text.lower()).split())


@lru_cache(maxsize=4096)
def identify(printed: str) -> Country:
    """The country a printed title names; falls back to the title itself when ISO has none.

    Exact names first (ISO name, official or common name, code, or a known older
    spelling), then the title without its leading words ("CO-OPERATIVE REPUBLIC OF GUYANA"
    → "GUYANA"), then a name containing it ("BRUNEI" → "Brunei Darussalam"). Never
    subdivisions: "Kosovo" is not Serbia.
    """
    candidates = _candidates(printed)
    words = _spelled_out(printed).replace("-", " ").split()
    tails = [
        " ".join(words[start:])
        for start in range(1, len(words))
        if " ".join(words[start:]).lower() not in ("of", "the", "republic", "state", "states")
        # "Democratic" tells two countries apart: DPR Korea is not Korea, DR Congo not Congo
        and "democratic" not in " ".join(words[:start]).lower()
    ]
    for candidate in [*candidates, *tails]:
        record = _exact(candidate)
        if record is not None:
            return _from_record(record)
    for candidate in [*candidates, *tails]:
        record = _contained(candidate)
        if record is not None:
            return _from_record(record)
    name = title_case(printed)
    return Country(name, None, None, slugify(name))


_SMALL = frozenset("a an and as at by for in of on or the to with".split())
_ACRONYMS = frozenset(
    "CIRT CERT CSIRT RCC UN ITU ICT COP PKI CA CIIP ISO IT ICTS SCO IMPACT EU OAS".split()
)


def title_case(text: str) -> str:
    """Normal case for an all-caps heading or name: small words lower, acronyms kept."""
    words = text.split()
    out = []
    for index, word in enumerate(words):
        core = word.strip("()&,")
        if core.upper() in _ACRONYMS:
            out.append(word.upper())
        elif index and core.lower() in _SMALL:
            out.append(word.lower())
        else:
            out.append(_cap_word(word))
    return " ".join(out)


def _cap_word(word: str) -> str:
    def cap(part: str) -> str:
        if re.match(r"^[dl]'", part, re.I) and len(part) > 2:  # D'IVOIRE → d'Ivoire
            return part[:2].lower() + part[2:3].upper() + part[3:].lower()
        return part[:1].upper() + part[1:].lower()

    lead = re.match(r"^\W*", word).group(0)  # type: ignore[union-attr]  # always matches
    rest = word[len(lead) :]
    return lead + "-".join(cap(p) for p in rest.split("-"))


def suggest(query: str, known: list[str], limit: int = 3) -> list[str]:
    """Close matches for a mistyped country, for "did you mean" messages (of names that
    differ only in case, the last one given is shown)."""
    lowered = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(query.lower(), list(lowered), n=limit, cutoff=0.6)
    return [lowered[h] for h in hits]


REGION = "region:"  # region:africa, region:western-asia, region:145

# UN M49's own names where CLDR (and so ICU) prints a shorter one
_M49_NAMES = {
    "south-eastern-asia": "035",
    "australia-and-new-zealand": "053",
    "micronesia": "057",
    "latin-america-and-the-caribbean": "419",
}


@lru_cache(maxsize=1)
def _regions() -> dict[str, str]:
    """Region names (slugs, as CLDR's English names them, and UN M49's own) and M49 codes
    → ICU region code. ICU's region data is CLDR's territory containment, which follows UN
    M49 (continents, sub-regions, and groupings such as Sub-Saharan Africa)."""
    import icu

    english = icu.Locale("en")
    found: dict[str, str] = {}
    for kind in (icu.URegionType.CONTINENT, icu.URegionType.SUBCONTINENT, icu.URegionType.GROUPING):
        for region in icu.Region.getAvailable(kind):
            code = str(region)
            found[slugify(icu.Locale("und", code).getDisplayCountry(english))] = code
            found[code.lower()] = code
    return {**found, **{name: code for name, code in _M49_NAMES.items() if code in found.values()}}


def region_codes(name: str) -> frozenset[str] | None:
    """The ISO alpha-2 codes of the countries in a UN M49 region (``africa``,
    ``western-asia``, ``sub-saharan-africa``, ``145``; with or without ``region:``); None
    when no region has that name."""
    import icu

    code = _regions().get(slugify(name.strip().removeprefix(REGION)))
    if code is None:
        return None
    region = icu.Region.getInstance(code)
    return frozenset(str(t) for t in region.getContainedRegions(icu.URegionType.TERRITORY))


def region_names() -> list[str]:
    """Every region name ``region_codes`` knows (for an error message)."""
    return sorted(name for name in _regions() if not name[:1].isdigit())


class KnownCountries:
    """The countries a caller knows (a store's, a config's sources), and the one rule for
    finding the one a user typed: its slug, ISO alpha-2 or alpha-3 code, its name or any
    spelling ``identify`` reads (``Congo(DRC)``, ``Republic of Iraq``), in any case.

    Built once per lookup or listing from what the caller read once; each lookup is then
    a few dictionary probes (``identify``, and so pycountry, only for what those miss)."""

    def __init__(self, countries: Iterable[Country]) -> None:
        self.countries = tuple(countries)
        self._slugs = {c.slug: c for c in self.countries}
        self._codes: dict[str, Country] = {}
        self._names: dict[str, Country] = {}
        for country in self.countries:
            for code in (country.iso2, country.iso3):
                if code:
                    self._codes.setdefault(code.upper(), country)
            self._names.setdefault(country.name.lower(), country)

    @classmethod
    def named(cls, names: Iterable[str]) -> KnownCountries:
        """Countries known by name only (a config's sources), each as written."""
        return cls(
            Country(name, found.iso2, found.iso3, found.slug)
            for name, found in ((name, identify(name)) for name in names)
        )

    def find(self, query: str) -> Country | None:
        """The known country ``query`` names; None when it names none of them."""
        text = query.strip()
        if not text:
            return None
        found = (
            self._slugs.get(slugify(text))
            or self._codes.get(text.upper())
            or self._names.get(text.lower())
        )
        if found is not None:
            return found
        spelled = identify(text)
        return self._slugs.get(spelled.slug) or (
            self._codes.get(spelled.iso2) if spelled.iso2 else None
        )

    def in_region(self, name: str) -> tuple[Country, ...]:
        """The known countries in a UN M49 region (``countries_in``: ``region:africa``), by
        name; ``LookupError`` when no region has that name."""
        codes = countries_in(name)
        inside = (
            c for c in self.countries if (c.iso2 or identify(c.name).iso2 or "").upper() in codes
        )
        return tuple(sorted(inside, key=lambda c: c.name))

    def suggest(self, query: str, limit: int = 3) -> list[str]:
        """Known names (or slugs) close to a mistyped ``query``."""
        names = [c.slug for c in self.countries] + [c.name for c in self.countries]
        return suggest(query.strip(), names, limit)


def countries_in(name: str) -> set[str]:
    """The ISO 3166-1 alpha-2 codes a name stands for: ``region:africa`` → every country of
    that UN M49 region (``region_codes``), a country's name or code → its own code.
    ``LookupError`` for neither."""
    if name.strip().lower().startswith(REGION):
        codes = region_codes(name)
        if codes is None:
            close = suggest(name.strip()[len(REGION) :], region_names())
            hint = f"; did you mean {', '.join(REGION + c for c in close)}?" if close else ""
            raise LookupError(f"{name!r} is no region (UN M49 regions and sub-regions){hint}")
        return set(codes)
    country = identify(name)
    if country.iso2 is None:
        raise LookupError(f"{name!r} is no country in ISO 3166")
    return {country.iso2}
