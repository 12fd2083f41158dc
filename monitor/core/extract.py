"""Bytes of a PDF, HTML page or text file → normalised plain text.

Pure: takes bytes, returns text. Two extractions of one document (a PDF, its text export
in another code page, an HTML rendering) must come out alike enough for the parser to give
equal profiles, so typography and line ends are normalised here, once.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from typing import Any, Literal

from monitor.core.limits import DEFAULT_LIMITS, Limits
from monitor.errors import ExtractError

Kind = Literal["pdf", "html", "text"]


_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_HTML_ANYWHERE = re.compile(rb"<(?:html|body|head|title|div|p|h1|table)\b[^>]*>", re.I)

# Typography that differs between extractions of one document.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,  # BOM anywhere
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\t": " ",
        "\f": "\n",
        "\v": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\u2022": "-",  # bullet
        "\u25cf": "-",
        "\u25aa": "-",
        "\uf0b7": "-",  # Symbol-font bullet from Word PDFs
        "\u2026": "...",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPECIAL = re.compile("[" + re.escape("".join(chr(c) for c in _TRANSLATE)) + "]")
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")
_LINE_ENDS = re.compile(r"\r+\n|\r")

# Characters an English profile never holds but GBK bytes read as cp1252 produce (¡¯ for ’),
# and CJK characters that cp1252 bytes read as GBK produce: used to choose between the
# decodings charset-normalizer offers.
_IMPLAUSIBLE = re.compile(r"[¡¨\u3000-\u9fff\uac00-\ud7af\ue000-\uf8ff\ufffd]")


def sniff(data: bytes, content_type: str | None = None, filename: str | None = None) -> Kind:
    """Decide what the bytes are: magic bytes first, then the header, then the file name.

    The bytes win over what the server or file name claims: an HTML error page served as
    application/pdf is HTML.
    """
    head = data[:2048]
    if head.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if _HTML_START.match(head) or _HTML_ANYWHERE.search(head):
        return "html"
    declared = _declared(content_type)
    name = (filename or "").lower()
    if declared == "application/pdf":
        return "pdf"
    if declared in ("text/html", "application/xhtml+xml"):
        return "html"
    if declared.startswith("text/"):
        return "text"
    if name.endswith(".pdf"):
        return "pdf"
    if name.endswith((".html", ".htm")):
        return "html"
    return "text"


def _declared(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _expects_pdf(content_type: str | None, filename: str | None) -> bool:
    """A PDF was asked for: the server says so, or the name says so and the server is silent."""
    declared = _declared(content_type)
    if declared:
        return declared == "application/pdf"
    return (filename or "").lower().endswith(".pdf")


def extract(
    data: bytes,
    content_type: str | None = None,
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Return the normalised text of a document, or raise ``ExtractError`` saying why not."""
    if not data or not data.strip():
        raise ExtractError("empty document")
    kind = sniff(data, content_type, filename)
    if (kind == "html" and (filename or "").lower().endswith(".pdf")) or (
        _expects_pdf(content_type, filename) and kind != "pdf"
    ):
        what = "an HTML page" if kind == "html" else "not a PDF"
        title = _html_title(data) if kind == "html" else ""
        raise ExtractError(f"expected a PDF but got {what}{f' ({title})' if title else ''}")
    if kind == "pdf":
        raw = pdf_text(data, limits)
    else:
        raw = decode(data)
        _check_chars(len(raw), limits)
        if kind == "html":
            raw = html_text(raw)
        elif "\x00" in raw or _binary_share(raw) > 0.05:
            raise ExtractError("binary data, not a text document")
    text = normalise(raw)
    if not text.strip():
        raise ExtractError(f"no text in the {kind} document")
    return text


def decode(data: bytes) -> str:
    """Decode text in the encodings profiles come in (UTF-8, cp1252, GBK), detected.

    UTF-8 is exact when it decodes. Otherwise charset-normalizer, restricted to the code
    pages profiles are published in, proposes decodings; short English texts fool its
    statistics (GBK's ``’`` is the bytes A1 AF, valid cp1252 ``¡¯``), so among its
    proposals the one with the fewest characters an English profile cannot hold wins.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data, cp_isolation=["cp1252", "gb18030"]))
    if not matches:
        return data.decode("cp1252", errors="replace")
    candidates = [str(m) for m in matches]
    return min(candidates, key=lambda text: len(_IMPLAUSIBLE.findall(text)))


def _check_chars(count: int, limits: Limits) -> None:
    if count > limits.max_chars:
        raise ExtractError(
            f"more than {limits.max_chars:,} characters of text, far more than a profile "
            "holds (limit extract.max_chars)"
        )


# pdfium marks a hyphen that breaks a word at a line end as U+FFFE and drops the line break:
# the word is joined, as the same document extracted any other way reads.
_SOFT_BREAK = re.compile("\ufffe[ \t]*(?:\r?\n)?[ \t]*")
# What XML 1.0 forbids (and no profile holds): other C0 controls, surrogates, U+FFFE/U+FFFF.
# Bidirectional controls (embeddings, overrides, isolates, marks): shown, they reorder what
# follows, so "\u202eQARI\u202c" reads "IRAQ". No profile needs them.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalise(text: str) -> str:
    """One spelling of typography and line ends, so extractions of one document agree."""
    if "\ufffe" in text:
        text = _SOFT_BREAK.sub("", text)
    text = _LINE_ENDS.sub("\n", text)
    text = text.replace("\t", " ").replace("\f", "\n").replace("\v", "\n")
    if not text.isascii():
        text = _SPECIAL.sub(_special, text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
            text = _SPECIAL.sub(_special, text)  # NFKC can produce new compatibility forms
    return XML_FORBIDDEN.sub("", _CONTROL.sub("", text))


def _special(match: re.Match[str]) -> str:
    return match.group(0).translate(_TRANSLATE)


def _binary_share(text: str) -> float:
    sample = text[:4096]
    return len(_BINARY.findall(sample)) / max(len(sample), 1)


def pdf_text(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """Text of every page through pdfium; pages separated by a form feed.

    Counts pages before reading any, and characters as it reads; time and memory are
    bounded by the caller (``edges/reading.py`` runs this in a child process)."""
    if data.lstrip()[:5] != b"%PDF-":
        raise ExtractError("not a PDF (it does not start with %PDF-)")
    if b"%%EOF" not in data[-2048:]:
        raise ExtractError("truncated PDF (no end-of-file marker)")
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        cause = str(exc)
        if "password" in cause.lower():
            raise ExtractError("encrypted PDF (needs a password)") from exc
        raise ExtractError(f"unreadable PDF: {cause}") from exc
    try:
        count = len(document)
        if count > limits.max_pages:
            raise ExtractError(
                f"PDF of {count:,} pages, more than the {limits.max_pages} a profile could "
                "have (limit extract.max_pages)"
            )
        pages, chars = [], 0
        for index in range(count):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(_laid_out(textpage))
            textpage.close()
            page.close()
            chars += len(pages[-1])
            _check_chars(chars, limits)
    except pypdfium2.PdfiumError as exc:
        raise ExtractError(f"unreadable PDF: {exc}") from exc
    finally:
        document.close()
    return "\f".join(pages)


_WIDE = 2.5  # a gap wider than this many average characters separates printed columns


def _laid_out(textpage: Any) -> str:
    """The page's text with its columns where they are printed: pdfium gives one space for
    any gap, so items side by side and the wrapped ends below them would lose their places.
    A wide gap, or a line that starts far from the margin, becomes as many spaces as
    characters would fill it (the parser reads items by where their column starts)."""
    text: str = textpage.get_text_range()
    if len(text) != textpage.count_chars() or not text.strip():
        return text  # characters pdfium does not count one by one: keep its plain text
    runs = [textpage.get_rect(i) for i in range(textpage.count_rects())]
    letters = sum(len(textpage.get_text_bounded(*run).strip()) for run in runs)
    width = sum(right - left for left, _, right, _ in runs) / max(letters, 1)
    if width <= 0:
        return text
    margin = min((left for left, _, _, _ in runs), default=0.0)
    out: list[str] = []
    column = 0  # characters written on this line
    for index, char in enumerate(text):
        if char in "\r\n":
            column = -1
        elif char == " " and 0 < index < len(text) - 1 and not text[index + 1].isspace():
            starts_line = column <= 0
            gap = textpage.get_charbox(index + 1)[0] - (
                margin if starts_line else textpage.get_charbox(index - 1)[2]
            )
            if gap > _WIDE * width:  # put what follows where its column is printed
                place = round((textpage.get_charbox(index + 1)[0] - margin) / width)
                char = " " * max(1 if starts_line else 2, place - max(column, 0))
        elif column < 0 and not char.isspace():
            place = round((textpage.get_charbox(index)[0] - margin) / width)
            if place > _WIDE:  # a line that starts far from the margin
                out.append(" " * place)
                column = place
        out.append(char)
        column = 0 if char in "\r\n" else max(column, 0) + len(char)
    return "".join(out)


_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_HIDDEN = frozenset("script style noscript template head svg".split())


class _TextCollector(HTMLParser):
    """Visible text with a line break at every block boundary; list items get a dash."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if not self.hidden:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """Visible text of an HTML page, block elements on their own lines, no scripts."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).split("\n"))
    return "\n".join(lines)


def _html_title(data: bytes) -> str:
    collector = _TextCollector()
    try:
        collector.feed(decode(data[:65536]))
    except Exception:  # noqa: BLE001 - a title is only a courtesy in an error message
        return ""
    return " ".join("".join(collector.title).split())[:80]
