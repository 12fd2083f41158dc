"""Parse speed on the real corpus: profiles per second and the split between stages.

Run: .venv/bin/python benchmarks/bench_parse.py  (needs ../shared/corpus and fpdf2)

Reports, measured in one run on one core:
- text profiles/s for extract+parse, and for each stage alone;
- PDF extraction through monitor.extract against pypdfium2's bare text extraction of the
  same PDFs (made from the corpus texts with fpdf2), as a ratio. Goals: >= 2,000 text
  profiles/s; PDF extraction within 1.5x of bare pypdfium2.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.core.extract import extract
from monitor.core.parse import parse
from tests.pdfs import text_to_pdf

CORPUS = ROOT.parent / "shared" / "corpus" / "ict4sd"
ROUNDS = 15


def best_of(rounds: int, work) -> float:
    """Fastest of several runs: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    raw = [path.read_bytes() for path in sorted(CORPUS.glob("*.txt"))]
    texts = [extract(data) for data in raw]
    n = len(raw)

    t_extract = best_of(ROUNDS, lambda: [extract(d) for d in raw])
    t_parse = best_of(ROUNDS, lambda: [parse(t) for t in texts])
    t_both = best_of(ROUNDS, lambda: [parse(extract(d)) for d in raw])
    print(f"text corpus: {n} profiles")
    print(f"  extract+parse   {n / t_both:8.0f} profiles/s  ({t_both / n * 1e3:.3f} ms each)")
    print(f"  extract only    {n / t_extract:8.0f} profiles/s")
    print(f"  parse only      {n / t_parse:8.0f} profiles/s")
    print(f"  share of time in extract: {t_extract / (t_extract + t_parse):.0%}")

    import pypdfium2

    pdfs = [text_to_pdf(t.encode("latin-1", "replace").decode("latin-1")) for t in texts[:40]]

    def bare() -> None:
        for data in pdfs:
            doc = pypdfium2.PdfDocument(data)
            for page in doc:
                page.get_textpage().get_text_range()
            doc.close()

    ours_times, bare_times = [], []
    for _ in range(ROUNDS):  # alternate, so both see the same machine
        bare_times.append(best_of(1, bare))
        ours_times.append(
            best_of(1, lambda: [extract(d, content_type="application/pdf") for d in pdfs])
        )
    ours, baseline = min(ours_times), min(bare_times)
    print(f"PDF: {len(pdfs)} PDFs made from corpus texts")
    print(f"  bare pypdfium2  {len(pdfs) / baseline:8.0f} PDFs/s")
    print(f"  monitor.extract {len(pdfs) / ours:8.0f} PDFs/s")
    ratios = [o / b for o, b in zip(ours_times, bare_times, strict=True)]
    print(
        f"  ratio ours/bare {ours / baseline:.2f}x "
        f"(median of pairs {statistics.median(ratios):.2f}x)"
    )
    full = best_of(3, lambda: [parse(extract(d)) for d in pdfs])
    print(f"  PDF extract+parse {len(pdfs) / full:.0f} profiles/s")


if __name__ == "__main__":
    main()
