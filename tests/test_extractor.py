"""The extraction child as a fetch run's event loop uses it: documents go in as they come,
answers come back in order, and a document that breaks a bound fails alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from monitor.core.extract import DEFAULT_LIMITS
from monitor.edges.extraction import Bounds, Extractor
from monitor.errors import ExtractError, ParseError
from tests.conftest import TAJIKISTAN_SEED
from tests.helpers import IRAQ
from tests.pdfs import hostile_pdfs, text_to_pdf

TAJIKISTAN = TAJIKISTAN_SEED.read_bytes()


def read_all(bounds: Bounds, documents: list[tuple[bytes, str, str]]) -> list[Any]:
    """Every document asked at once, as downloads finishing together would be."""

    async def go() -> list[Any]:
        extractor = Extractor(bounds)
        try:
            asks = [
                extractor.read_profile(data, kind, f"{country}.x", country)
                for data, kind, country in documents
            ]
            return await asyncio.gather(*asks, return_exceptions=True)
        finally:
            await extractor.aclose()

    return asyncio.run(go())


def test_answers_come_back_to_the_document_that_asked():
    documents = [
        (IRAQ.encode(), "text/plain", "Iraq"),
        (TAJIKISTAN, "text/plain", "Tajikistan"),
        (text_to_pdf(IRAQ), "application/pdf", "Iraq"),
        (b"no profile here", "text/plain", "Chad"),
        (TAJIKISTAN, "text/plain", "Tajikistan"),
    ]
    results = read_all(Bounds(), documents)
    assert [getattr(r, "slug", None) for r in results] == [
        "iraq",
        "tajikistan",
        "iraq",
        None,
        "tajikistan",
    ]
    assert isinstance(results[3], ParseError)
    assert results[0] == results[2]  # the same profile as text and as PDF


def test_a_document_over_the_memory_bound_fails_alone():
    bounds = Bounds(DEFAULT_LIMITS, timeout=30, max_memory_mb=300)
    documents = [
        (TAJIKISTAN, "text/plain", "Tajikistan"),
        (hostile_pdfs()["two million text runs"], "application/pdf", "Iraq"),
        (IRAQ.encode(), "text/plain", "Iraq"),  # queued behind it: goes to a new child
        (TAJIKISTAN, "text/plain", "Tajikistan"),
    ]
    first, hostile, behind, last = read_all(bounds, documents)
    assert first.slug == "tajikistan"
    assert isinstance(hostile, ExtractError)
    assert str(hostile) == (
        "document needs more than 300 MB to read; stopped (limit extract.max_memory_mb)"
    )
    assert behind.slug == "iraq"
    assert last.slug == "tajikistan"


@pytest.mark.parametrize("position", [0, 1])
def test_a_late_document_fails_alone(position):
    bounds = Bounds(DEFAULT_LIMITS, timeout=1, max_memory_mb=4096)
    documents = [(IRAQ.encode(), "text/plain", "Iraq")] * 3
    slow = (hostile_pdfs()["two million text runs"], "application/pdf", "Iraq")
    documents.insert(position, slow)
    results = read_all(bounds, documents)
    late = results.pop(position)
    assert isinstance(late, ExtractError)
    assert str(late) == "document took longer than 1 s to read; stopped (limit extract.timeout)"
    assert [r.slug for r in results] == ["iraq"] * 3


def test_a_reader_that_cannot_start_fails_every_document_at_once(monkeypatch):
    """A broken installation is not a hostile document: one clear cause for every
    document, and no new child started for each of them."""
    from monitor.edges import extraction

    started: list[str] = []

    def broken(module: str, *args: str, **options: Any):  # type: ignore[no-untyped-def]
        started.append(module)
        return spawn("monitor.edges.no_such_module", *args, **options)

    spawn = extraction.spawn
    monkeypatch.setattr(extraction, "spawn", broken)

    async def go() -> list[Any]:
        extractor = Extractor(Bounds())
        try:
            with pytest.raises(ExtractError):
                await extractor.warm_up()
            asks = [
                extractor.read_profile(IRAQ.encode(), "text/plain", "a.txt", "Iraq")
                for _ in range(3)
            ]
            return await asyncio.gather(*asks, return_exceptions=True)
        finally:
            await extractor.aclose()

    results = asyncio.run(go())
    assert [str(r) for r in results] == [
        "the document reader process could not start (its error shows with: "
        "python -m monitor.edges.reading 1024 </dev/null)"
    ] * 3
    assert started == ["monitor.edges.reading"]
