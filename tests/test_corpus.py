"""Every real profile of ../shared/corpus/ict4sd parses, file by file.

tests/data/corpus_expected.json holds, for every file, the footer date and background
figures as printed (read off the documents), and for the hardest files (two-column
layouts, interleaved sources, split headings, GBK, no footer, typos) the full heading list,
sources and the instruments of 1.1.1, checked by hand against the text.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from monitor.core.extract import extract
from monitor.core.parse import parse
from tests.conftest import CORPUS, ROOT, corpus_params, requires_corpus

EXPECTED = json.loads((ROOT / "tests" / "data" / "corpus_expected.json").read_text("utf-8"))
HEADING = re.compile(r"^\s*(\d(?:\.\d){0,2})\.?[ \t]+([A-Z][A-Z &,/-]+?)\s*$", re.M)
FOOTER_DATE = re.compile(r"Last\s+updated", re.I)


def _parse(path: Path):
    text = extract(path.read_bytes(), filename=path.name)
    return text, parse(text)


@pytest.mark.parametrize("path", corpus_params())
def test_corpus_file(path: Path):
    text, profile = _parse(path)
    expected = EXPECTED[path.name]

    # the footer date, wherever the document has one
    if FOOTER_DATE.search(text):
        assert profile.last_updated == date.fromisoformat(expected["last_updated"])
    else:
        assert profile.last_updated is None

    # background figures as numbers wherever the document prints a number
    background = text.split("BACK", 1)[1][:1500] if "BACK" in text else ""
    population_line = re.search(r"Total Population[^\n]*", background)
    if population_line and re.search(r"\d", population_line.group(0).split("Internet")[0]):
        assert isinstance(profile.background.population.value, int)
    internet_line = re.search(r"percentage of population[^\n]*", background)
    if internet_line and re.search(r"\d", internet_line.group(0)):
        assert isinstance(profile.background.internet_users_pct.value, float)
    assert profile.background.population.value == expected["population"]
    assert profile.background.internet_users_pct.value == expected["internet_users_pct"]

    # every numbered heading printed on one line is found, in order
    printed = [m.group(1) for m in HEADING.finditer(text)]
    assert [n for n in profile.sections if n in printed] == printed

    assert profile.slug == expected["slug"]
    assert profile.iso2 == expected["iso2"]
    assert "1" in profile.sections and "2" in profile.sections


HARD = sorted(name for name, e in EXPECTED.items() if "sections" in e)


@requires_corpus
@pytest.mark.parametrize("name", HARD, ids=[Path(n).stem for n in HARD])
def test_hard_file_by_hand(name: str):
    _, profile = _parse(CORPUS / name)
    expected = EXPECTED[name]
    assert profile.official_name == expected["official_name"]
    assert list(profile.sections) == expected["sections"]
    background = profile.background
    assert [background.population.source, background.population.as_of] == expected[
        "population_source"
    ]
    assert [background.internet_users_pct.source, background.internet_users_pct.as_of] == expected[
        "internet_source"
    ]
    assert list(profile.sections["1.1.1"].items) == expected["items_1.1.1"]


def test_enough_files_checked_by_hand():
    assert len(HARD) >= 20


@requires_corpus
def test_the_corpus_is_all_there():
    assert len(list(CORPUS.glob("*.txt"))) == len(EXPECTED) == 121


@requires_corpus
@pytest.mark.parametrize(
    ("seed", "other"),
    [
        ("iraq-2015-03-06.txt", "Iraq.txt"),
        ("tajikistan-2015-03-09.txt", "Tajikistan.txt"),
        (None, "St_Kitts_and_Nevis.txt"),
    ],
    ids=["iraq", "tajikistan", "st-kitts-two-styles"],
)
def test_two_extractions_of_one_document_are_equal(seed, other):
    from tests.conftest import FIXTURES

    first = FIXTURES / seed if seed else CORPUS / "Saint Kitts and Nevis (Federation of).txt"
    _, a = _parse(first)
    _, b = _parse(CORPUS / other)
    assert a == b
