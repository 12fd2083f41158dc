"""Make real PDFs from text in tests (fpdf2), line for line."""

from __future__ import annotations

from datetime import datetime


def text_to_pdf(text: str, *, encrypt: bool = False, created: datetime | None = None) -> bytes:
    """``created`` sets the PDF's creation date: the same text rendered again, other bytes."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    if created is not None:
        pdf.set_creation_date(created)
    pdf.set_auto_page_break(True, margin=15)
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    for line in text.splitlines():
        pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def deflated_blanks(size: int) -> bytes:
    """``size`` spaces, deflated, made chunk by chunk (a stream that inflates a thousandfold)."""
    import zlib

    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    packed = [packer.compress(b"BT /F1 9 Tf (x) Tj ET ")]
    packed += [packer.compress(chunk) for _ in range(size >> 20)]
    return b"".join([*packed, packer.flush()])


def raw_pdf(streams: list[bytes], *, kids: int | None = None, packed: bool = False) -> bytes:
    """A minimal PDF written by hand: one page per content stream (Flate-compressed), or,
    with ``kids``, a page tree that lists the first page that many times. For documents
    no PDF library would make: the hostile ones."""
    import zlib

    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b""]
    objects[2] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    page_ids = []
    for stream in streams:
        deflated = stream if packed else zlib.compress(stream, 9)
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(deflated)
            + deflated
            + b"\nendstream"
        )
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        page_ids.append(len(objects))
    if kids is not None:
        page_ids = [page_ids[0]] * kids
    refs = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(page_ids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def text_stream(lines: list[str]) -> bytes:
    """A content stream that prints each line (ASCII) down the page."""
    parts = [b"BT /F1 9 Tf 40 800 Td 11 TL"]
    for line in lines:
        safe = line.encode("ascii", "replace").replace(b"\\", b"\\\\")
        safe = safe.replace(b"(", b"\\(").replace(b")", b"\\)")
        parts.append(b"(%s) Tj T*" % safe)
    parts.append(b"ET")
    return b"\n".join(parts)


def hostile_pdfs() -> dict[str, bytes]:
    """PDFs made to exhaust a reader's time or memory, each around a real profile's text."""
    from tests.helpers import IRAQ

    lines = IRAQ.splitlines()
    return {
        "two million text runs": raw_pdf(
            [text_stream(lines) + b"\nBT /F1 1 Tf " + b"(a) Tj " * 2_000_000 + b"ET"]
        ),
        "100,000 page references": raw_pdf([text_stream(lines)], kids=100_000),
        "a stream that inflates to 400 MB": raw_pdf([deflated_blanks(400_000_000)], packed=True),
    }
