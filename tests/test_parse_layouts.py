"""Layouts seen on profiles the project does not have, rebuilt from corpus profiles.

Each real profile is edited into the layout (as a text file, and printed to a PDF where the
PDF path reads it the same way) and must parse to what the document says: a two-column
BACKGROUND whose right-hand label wraps, instruments printed side by side with wrapped
ends, a heading broken across lines; and figures that read only with a doubt carry a note.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.core.profile import Profile
from tests.conftest import CORPUS, requires_corpus
from tests.pdfs import text_to_pdf

pytestmark = requires_corpus


@cache
def _text(name: str) -> str:
    return extract((CORPUS / name).read_bytes(), filename=name)


def _both(text: str) -> list[Profile]:
    """The edited profile read as text and through the PDF path."""
    return [parse(extract(text.encode())), parse(extract(text_to_pdf(text)))]


def _population_line(text: str) -> str:
    return next(line for line in text.split("\n") if line.lstrip().startswith("Total Population"))


def test_a_two_column_background_whose_label_wraps_reads_both_figures():
    text = _text("Angola.txt")
    # side by side; printed to a PDF the right column's label wraps after "Internet"
    wide = "Total Population: 275 000" + " " * 152 + "Internet users, percentage of population: 75%"
    edited = text.replace(_population_line(text), wide)
    pdf_text = extract(text_to_pdf(edited))
    assert re.search(r"275 000\s+Internet\s*\n\s*users", pdf_text)
    # and as the report saw it, the columns' gap gone
    reported = text.replace(
        _population_line(text),
        "Total Population: 275 000 Internet\nusers, percentage of population: 75%",
    )
    for profile in [*_both(edited), parse(extract(reported.encode()))]:
        assert profile.background.population.value == 275_000
        assert profile.background.population.note is None
        assert profile.background.internet_users_pct.value == 75.0


def _monospace_pdf(text: str) -> bytes:
    """A PDF that prints each line where a fixed-width font puts it, so that wrapped ends
    stand under their columns on the page as they do in the text."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", orientation="L")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("courier", size=7)
    for line in text.splitlines():
        pdf.multi_cell(0, 4, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_instruments_side_by_side_with_wrapped_ends_stay_apart():
    text = _text("Angola.txt")
    columns = (
        "-  Penal Code                    -Law for Post and                  -Law to prevent "
        "and combat ICT\n"
        "                                 Telecommunications                  crime"
    )
    edited = text.replace("-  Penal Code.", columns)
    as_text = parse(extract(edited.encode()))
    assert as_text.sections["1.1.1"].items == (
        "Penal Code",
        "Law for Post and Telecommunications",
        "Law to prevent and combat ICT crime",
    )
    assert as_text.sections["1.1.2"] == parse(text).sections["1.1.2"]
    assert parse(extract(_monospace_pdf(edited))) == as_text  # the PDF path reads the same


@pytest.mark.parametrize(
    "printed",
    [
        "1.5.\n2 INTRA-AGENCY COOPERATION",
        "1.5.2 INTRA-\nAGENCY COOPERATION",
        "1.5.2 INTRA-AGENCY\nCOOPERATION",
        "1.5.2\n\nINTRA-AGENCY COOPERATION",
    ],
    ids=["number-at-a-dot", "title-at-a-hyphen", "title-between-words", "title-below"],
)
def test_a_heading_broken_across_lines_is_kept(printed: str):
    text = _text("Australia.txt")
    whole = parse(text)
    edited = re.sub(r"(?m)^1\.5\.2 INTRA-AGENCY COOPERATION[ \t]*$", printed, text, count=1)
    assert edited != text
    for profile in _both(edited):
        assert list(profile.sections) == list(whole.sections)
        assert profile.sections["1.5.2"].title == "Intra-Agency Cooperation"
        assert profile.sections["1.5.2"].text == whole.sections["1.5.2"].text
        assert profile.sections["1.5.1"].text == whole.sections["1.5.1"].text


@pytest.mark.parametrize(
    ("name", "value", "printed"),
    [
        ("United_States.txt", 31_579_100, "315 791 00"),
        ("Indonesia.txt", 244_769_000, "2 44 769 000"),
    ],
)
def test_irregular_digit_grouping_is_read_with_a_note(name: str, value: int, printed: str):
    population = parse(_text(name)).background.population
    assert population.value == value  # nothing silently changed
    assert population.note is not None
    assert population.note.startswith(f"printed as {printed!r}, irregular digit grouping")


@pytest.mark.parametrize(
    ("printed", "why"),
    [
        ("1e309%", "not a percentage the monitor reads"),
        ("75%5", "not a percentage the monitor reads"),
        ("100.01%", "more than 100 %"),
    ],
)
def test_a_percentage_out_of_range_or_overflowing_is_not_stated(printed: str, why: str):
    text = _text("Angola.txt")
    share = parse(text.replace("19.10%", printed)).background.internet_users_pct
    assert share.value is None
    assert share.note == f"printed as {printed!r}, {why}"
    assert share.source == "ITU Statistics"


def test_a_population_that_overflows_is_not_stated():
    population = parse(_text("Angola.txt").replace("20 163 000", "1e309")).background.population
    assert population.value is None
    assert population.note == "printed as '1e309', not a number the monitor reads"


def test_regular_figures_carry_no_note():
    for name in ("Angola.txt", "Antigua_Barbuda.txt", "Malaysia.txt", "Nauru.txt"):
        background = parse(_text(name)).background
        assert background.population.note is None, name
        assert background.internet_users_pct.note is None, name
