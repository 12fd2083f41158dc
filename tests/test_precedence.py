"""No derived "yes" contradicts the section's own explicit "does not have" / "there is no".

Checked over every labelled corpus profile (tests/data/indicators.json); the same check over
the blind stress set is in tests/test_stress_indicators.py. The denials are found by
tests/denials.py, a check independent of the rules.
"""

from __future__ import annotations

import pytest

from monitor.core.profile import INDICATORS
from tests.conftest import requires_corpus
from tests.denials import denial
from tests.test_indicators import PROFILES, SECTION_OF, _profile


def test_every_indicator_has_its_section():
    assert set(SECTION_OF) == set(INDICATORS)


@requires_corpus
@pytest.mark.parametrize("name", sorted(PROFILES), ids=lambda n: n.removesuffix(".txt"))
def test_no_yes_contradicts_an_explicit_denial(name: str):
    profile = _profile(name)
    for key in INDICATORS:
        section = profile.sections.get(SECTION_OF[key])
        said = denial(key, section.text) if section else None
        if said:
            assert profile.indicators[key].value is not True, (key, said)


@requires_corpus
def test_the_corpus_has_denials_to_check():
    """The check is not vacuous: the labelled corpus denies things in many sections."""
    count = 0
    for name in PROFILES:
        for key in INDICATORS:
            section = _profile(name).sections.get(SECTION_OF[key])
            count += bool(section and denial(key, section.text))
    assert count >= 100


def test_the_check_finds_denials_and_only_denials():
    assert denial("national_cirt", "Palau does not have an officially recognized national CIRT.")
    assert denial("reporting_mechanism", "There is no website or hotline for reports.")
    assert not denial("reporting_mechanism", "X has no agency for reporting. A helpline exists.")
    assert not denial("national_cirt", "X has a national CIRT. It has no sectoral teams.")
