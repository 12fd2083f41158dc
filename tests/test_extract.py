"""Bytes → text: encodings, typography, HTML, PDF, and the documents that are not documents."""

from __future__ import annotations

import pytest

from monitor.core.extract import decode, extract, normalise, sniff
from monitor.core.parse import parse
from monitor.errors import ExtractError
from tests.conftest import CORPUS, IRAQ_SEED, TAJIKISTAN_SEED, requires_corpus, seed_text
from tests.pdfs import text_to_pdf


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "Minister’s “Support” – Autorità"),
        ("utf-8-sig", "Minister’s “Support” – Autorità"),
        ("cp1252", "Minister’s “Support” – Autorità"),
        ("gb18030", "Kingdom’s “Enhancing Procedures” – Children’s"),
    ],
)
def test_decode_detects_the_encoding(encoding, text):
    body = f"The United Kingdom has acted. {text}. More text in English follows here.\n" * 3
    assert decode(body.encode(encoding)) == body


@requires_corpus
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Togo.txt", "Children's"),  # GBK: ’ is A1 AF, ¡¯ if read as cp1252
        ("United_Kingdom.txt", "Kingdom's"),
        ("Uruguay.txt", "Dirección"),
        ("Tunisia.txt", '"Saher-HoneyNet"'),
        ("San_Marino.txt", "Autorità"),  # cp1252, not cp1250's ŕ
        ("Hungary.txt", "Children's"),
    ],
)
def test_corpus_code_pages(name, expected):
    text = extract((CORPUS / name).read_bytes())
    assert expected in text
    assert "¡" not in text and "\ufffd" not in text


def test_normalise_typography_and_line_ends():
    raw = "A\u00a0B \u201cq\u201d \u2018s\u2019 x\u2013y\u2014z\r\r\nnext\rline\fpage\u00ad"
    assert normalise(raw) == "A B \"q\" 's' x-y-z\nnext\nline\npage"


def test_html_keeps_visible_text_only():
    html = (
        b"<html><head><title>T</title><style>p{color:red}</style>"
        b"<script>alert('x')</script></head><body><h1>CYBERWELLNESS PROFILE</h1>"
        b"<p>Line &amp; one</p><ul><li>Penal Code</li></ul></body></html>"
    )
    text = extract(html, content_type="text/html")
    assert "alert" not in text and "color" not in text
    assert "CYBERWELLNESS PROFILE" in text
    assert "Line & one" in text
    assert "- Penal Code" in text


def test_html_rendering_of_a_profile_parses_like_its_text():
    text = seed_text(IRAQ_SEED)
    body = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
    html = f"<!DOCTYPE html><html><body>{body}</body></html>".encode()
    assert parse(extract(html, content_type="text/html")) == parse(extract(text.encode()))


@pytest.mark.parametrize("seed", [IRAQ_SEED, TAJIKISTAN_SEED], ids=["iraq", "tajikistan"])
def test_pdf_made_from_seed_parses_like_the_text(seed):
    text = seed_text(seed)
    pdf = text_to_pdf(text)
    assert sniff(pdf) == "pdf"
    from_pdf = parse(extract(pdf, content_type="application/pdf"))
    assert from_pdf == parse(extract(text.encode()))


def test_sniff_trusts_bytes_over_claims():
    assert sniff(b"%PDF-1.7 ...", content_type="text/html") == "pdf"
    assert sniff(b"<!doctype html><html>", content_type="application/pdf") == "html"
    assert sniff(b"plain words", filename="x.pdf") == "pdf"
    assert sniff(b"plain words") == "text"


@pytest.mark.parametrize(
    ("data", "kwargs", "cause"),
    [
        (b"", {}, "empty document"),
        (b"   \n\t ", {}, "empty document"),
        (
            b"<html><head><title>404 Not Found</title></head><body>Not found</body></html>",
            {"content_type": "application/pdf"},
            "expected a PDF but got an HTML page (404 Not Found)",
        ),
        (b"\x00\x01\x02\xff\xfe" * 200, {}, "binary data"),
        (b"%PDF-1.4\n%%EOF\n", {}, "unreadable PDF"),
    ],
    ids=["empty", "blank", "html-error-page-as-pdf", "binary-noise", "broken-pdf"],
)
def test_bad_bytes_are_extract_errors(data, kwargs, cause):
    with pytest.raises(ExtractError, match="^" + cause.replace("(", r"\(").replace(")", r"\)")):
        extract(data, **kwargs)


def test_truncated_pdf():
    pdf = text_to_pdf(seed_text(IRAQ_SEED))
    with pytest.raises(ExtractError, match="truncated PDF"):
        extract(pdf[: len(pdf) // 2], content_type="application/pdf")


def test_encrypted_pdf():
    pdf = text_to_pdf("CYBERWELLNESS PROFILE", encrypt=True)
    with pytest.raises(ExtractError, match="encrypted PDF"):
        extract(pdf)
