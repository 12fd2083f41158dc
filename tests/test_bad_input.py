"""Documents that are not (complete) profiles give one clear ParseError saying what is missing."""

from __future__ import annotations

import pytest

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.errors import ParseError
from tests.conftest import IRAQ_SEED, seed_text

IRAQ = seed_text(IRAQ_SEED)


def _cut_before(marker: str) -> str:
    return IRAQ[: IRAQ.index(marker)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hello, this is a recipe for bread.", "no 'CYBERWELLNESS PROFILE' title"),
        ("CYBERWELLNESS PROFILE\nREPUBLIC OF IRAQ\n1. CYBERSECURITY\n", "no BACKGROUND block"),
        (_cut_before("1. CYBERSECURITY"), "no part 1"),
        (_cut_before("1.3.2 ROADMAP"), "document cut short: no part 2"),
        (
            _cut_before("2. CHILD ONLINE") + "\nLast updated on 6th March 2015\n",
            "incomplete profile: no part 2",
        ),
        (IRAQ.replace("6th March 2015", "6th Marsh 2015"), "footer date does not parse"),
        (IRAQ.replace("6th March 2015", "31st February 2015"), "footer date does not exist"),
    ],
    ids=[
        "not-a-profile",
        "no-background",
        "no-part-1",
        "cut-in-half",
        "no-part-2",
        "bad-date",
        "impossible-date",
    ],
)
def test_incomplete_documents(text, message):
    with pytest.raises(ParseError, match=message):
        parse(extract(text.encode()))


def test_cut_after_part_two_is_an_undated_profile():
    """A complete profile without a footer exists in the real corpus: it is not an error."""
    profile = parse(extract(_cut_before("DISCLAIMER").encode()))
    assert profile.last_updated is None
    assert "2.4" in profile.sections


def test_other_date_spellings():
    for footer, expected in [
        ("Last updated on 22th January 2015", "2015-01-22"),
        ("Last updated on 8th JANUARY 2015", "2015-01-08"),
        ("Last updated on 2 March 2015", "2015-03-02"),
        ("Last updated on 07th November 2014", "2014-11-07"),
        ("th\nLast updated on 12      August 2014", "2014-08-12"),
        ("Last updated: March 6, 2015", "2015-03-06"),
    ]:
        text = IRAQ.replace("Last updated on 6th March 2015", footer)
        assert parse(extract(text.encode())).last_updated.isoformat() == expected, footer


def test_headings_in_normal_case_are_still_headings():
    """Another rendering may not print the template's headings in capitals."""
    import re

    from monitor.core.countries import title_case

    def lower_heading(match: re.Match) -> str:
        return f"{match.group(1)} {title_case(match.group(2))}"

    text = re.sub(r"^(\d(?:\.\d)*\.?) ([A-Z][A-Z &-]+)$", lower_heading, IRAQ, flags=re.M)
    text = text.replace("CYBERWELLNESS PROFILE", "Cyberwellness Profile")
    text = text.replace("REPUBLIC OF IRAQ", "Republic of Iraq").replace("BACKGROUND", "Background")
    assert "1.1.1 Criminal Legislation" in text
    assert parse(extract(text.encode())) == parse(extract(IRAQ.encode()))


def test_no_country_name_under_the_title():
    text = IRAQ.replace("REPUBLIC OF IRAQ", "")
    with pytest.raises(ParseError, match="no country name under the title"):
        parse(extract(text.encode()))
    assert parse(extract(text.encode()), country="Iraq").slug == "iraq"
