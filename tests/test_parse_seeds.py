"""The two seed profiles parse to exactly what the documents say."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.core.profile import Indicator
from tests.conftest import IRAQ_SEED, TAJIKISTAN_SEED

IRAQ_SECTIONS = [
    ("1", "Cybersecurity"),
    ("1.1", "Legal Measures"),
    ("1.1.1", "Criminal Legislation"),
    ("1.1.2", "Regulation and Compliance"),
    ("1.2", "Technical Measures"),
    ("1.2.1", "CIRT"),
    ("1.2.2", "Standards"),
    ("1.2.3", "Certification"),
    ("1.3", "Organization Measures"),
    ("1.3.1", "Policy"),
    ("1.3.2", "Roadmap for Governance"),
    ("1.3.3", "Responsible Agency"),
    ("1.3.4", "National Benchmarking"),
    ("1.4", "Capacity Building"),
    ("1.4.1", "Standardisation Development"),
    ("1.4.2", "Manpower Development"),
    ("1.4.3", "Professional Certification"),
    ("1.4.4", "Agency Certification"),
    ("1.5", "Cooperation"),
    ("1.5.1", "Intra-State Cooperation"),
    ("1.5.2", "Intra-Agency Cooperation"),
    ("1.5.3", "Public Sector Partnership"),
    ("1.5.4", "International Cooperation"),
    ("2", "Child Online Protection"),
    ("2.1", "National Legislation"),
    ("2.2", "UN Convention and Protocol"),
    ("2.3", "Institutional Support"),
    ("2.4", "Reporting Mechanism"),
]


@pytest.fixture(scope="module")
def iraq():
    return parse(extract(IRAQ_SEED.read_bytes(), filename=IRAQ_SEED.name))


@pytest.fixture(scope="module")
def tajikistan():
    return parse(extract(TAJIKISTAN_SEED.read_bytes(), filename=TAJIKISTAN_SEED.name))


def test_iraq_identity(iraq):
    assert iraq.official_name == "Republic of Iraq"
    assert iraq.country == "Iraq"
    assert (iraq.slug, iraq.iso2, iraq.iso3) == ("iraq", "IQ", "IRQ")
    assert iraq.last_updated == date(2015, 3, 6)


def test_iraq_background(iraq):
    assert iraq.background.population == Indicator(
        33_703_000, "United Nations Statistics Division", "December 2012"
    )
    assert iraq.background.internet_users_pct == Indicator(9.2, "ITU Statistics", "December 2013")


def test_iraq_has_the_28_sections_with_titles(iraq):
    assert [(s.number, s.title) for s in iraq.sections.values()] == IRAQ_SECTIONS


def test_iraq_has_no_national_cirt(iraq):
    cirt = iraq.indicators["national_cirt"]
    assert cirt.value is False
    assert cirt.evidence == "There is still no nationally recognized CERT in Iraq."


def test_iraq_sections_content(iraq):
    assert iraq.sections["1.1.1"].items == ("Cyber Crime law in Iraq revoked",)
    assert iraq.sections["1.1.2"].items == ()  # "-None." is an empty list
    assert (
        iraq.sections["1.3.3"].text == "There is no agency responsible for cybersecurity in Iraq."
    )
    assert iraq.indicators["cybercrime_legislation"].value is False  # the only law was revoked
    assert iraq.indicators["responsible_agency"].value is False
    # footer and disclaimer are not part of the last section
    assert iraq.sections["2.4"].text == (
        "There is no website or hotline dedicated to receiving reports of incidents."
    )


def test_tajikistan(tajikistan):
    assert tajikistan.official_name == "Republic of Tajikistan"
    assert (tajikistan.slug, tajikistan.iso2) == ("tajikistan", "TJ")
    assert tajikistan.last_updated == date(2015, 3, 9)
    assert tajikistan.background.population.value == 7_709_000
    assert tajikistan.background.internet_users_pct.value == 16.0
    assert tajikistan.sections["1.1.2"].items == (
        "Law on Information",
        "Law on E-Signatures",
        "Law on Cryptography",
        "Law on Data Protection",
        "Law on Telecommunications",
        "Law on Electronic Document",
        "Law on the Right of Access to Information",
    )
    assert tajikistan.sections["1.1.1"].items == ("Criminal Code",)
    assert tajikistan.indicators["national_cirt"].value is False
    assert tajikistan.indicators["cybersecurity_regulation"].value is True
