"""Printed titles → ISO countries, and the names users type on the command line."""

from __future__ import annotations

import json

import pytest

from monitor.core.countries import identify, slugify, title_case
from tests.conftest import ROOT

NAMES = json.loads((ROOT / "tests" / "data" / "itu_country_names.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("printed", "iso2", "slug"),
    [
        ("REPUBLIC OF IRAQ", "IQ", "iraq"),
        ("iq", "IQ", "iraq"),
        ("IRQ", "IQ", "iraq"),
        ("BRUNEI", "BN", "brunei"),
        ("STATE OF PALESTINE", "PS", "palestine"),
        ("MICRONESIA (FEDERAL STATES OF)", "FM", "micronesia"),
        ("SUDAN (REPUBLIC OF)", "SD", "sudan"),
        ("CO-OPERATIVE REPUBLIC OF GUYANA", "GY", "guyana"),
        ("DEMOCRATIC REPUBLIC OF CONGO", "CD", "democratic-republic-of-the-congo"),
        ("CONGO", "CG", "congo"),
        ("THE NETHERLANDS", "NL", "netherlands"),
        ("LAO PEOPLE'S DEMOCRATIC REPUBLIC", "LA", "laos"),
        ("REPUBLIC OF KOREA", "KR", "south-korea"),
        ("SWAZILAND", "SZ", "eswatini"),
        ("TURKEY", "TR", "turkiye"),
        ("NIGER", "NE", "niger"),
        ("Russia", "RU", "russia"),
        ("CÔTE D'IVOIRE", "CI", "cote-d-ivoire"),
    ],
)
def test_identify(printed, iso2, slug):
    country = identify(printed)
    assert (country.iso2, country.slug) == (iso2, slug)


@pytest.mark.parametrize("printed", ["KOSOVO", "Virgin Islands", "Narnia"])
def test_unknown_or_ambiguous_keeps_the_name(printed):
    country = identify(printed)
    assert country.iso2 is None
    assert country.slug == slugify(printed)


def test_slugs_are_safe_and_titles_are_normal_case():
    assert slugify("../../etc") == "etc"
    assert slugify("a/b") == "a-b"
    assert slugify("...") == "unknown"
    assert title_case("UN CONVENTION AND PROTOCOL") == "UN Convention and Protocol"
    assert title_case("CÔTE D'IVOIRE") == "Côte d'Ivoire"
    assert title_case("SUDAN (REPUBLIC OF)") == "Sudan (Republic of)"


@pytest.mark.parametrize(
    ("name", "iso2"),
    [
        pytest.param(name, iso2, id=f"{kind}:{name}")
        for kind in ("file_names", "printed_names", "itu_names")
        for name, iso2 in NAMES[kind]
    ],
)
def test_every_itu_spelling_resolves_to_its_country(name: str, iso2: str):
    assert identify(name).iso2 == iso2


def test_two_countries_never_share_a_slug():
    """A slug is a history: two ISO codes under one slug would mix two countries' documents."""
    slugs: dict[str, str] = {}
    for kind in ("file_names", "printed_names", "itu_names"):
        for name, iso2 in NAMES[kind]:
            slug = identify(name).slug
            assert slugs.setdefault(slug, iso2) == iso2, (name, slug)
