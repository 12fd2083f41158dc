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
