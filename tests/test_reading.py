"""The one bounded reader: the same text as in-process, a document that breaks a bound
fails alone with the limit it hit, and a dead child is a restart, not a verdict."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import termios
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from monitor.core.extract import extract
from monitor.core.limits import DEFAULT_LIMITS
from monitor.edges import children
from monitor.edges.reading import AsyncReader, Reader, read_profile, read_text
from monitor.errors import ExtractError, ParseError
from tests.conftest import TAJIKISTAN_SEED
from tests.helpers import IRAQ, run_cli, write_config
from tests.pdfs import hostile_pdfs, text_to_pdf

PDF = text_to_pdf(IRAQ)
PATIENT = replace(DEFAULT_LIMITS, timeout=3600)  # a death seen only at the timeout would hang


def read(reader: Reader, data: bytes, limits: Any = PATIENT) -> str:
    return reader.read(data, "application/pdf", "Iraq.pdf", limits)


@pytest.fixture
def reader():  # type: ignore[no-untyped-def]
    reader = Reader()
    yield reader
    reader.stop()


def test_every_kind_of_document_gives_its_profile():
    text = read_profile(IRAQ.encode(), content_type="text/plain", country="Iraq")
    pdf = read_profile(PDF, content_type="application/pdf", country="Iraq")
    assert text == pdf  # the same profile as text and as PDF
    tajikistan = read_profile(TAJIKISTAN_SEED.read_bytes(), filename="Tajikistan.txt")
    assert tajikistan.slug == "tajikistan"
    with pytest.raises(ParseError):
        read_profile(b"no profile here", content_type="text/plain")
    assert read_text(PDF) == extract(PDF)


def test_a_document_over_the_memory_bound_fails_alone(reader):
    limits = replace(DEFAULT_LIMITS, timeout=60, max_memory_mb=300)
    assert read(reader, PDF, limits) == extract(PDF)
    with pytest.raises(ExtractError) as hostile:
        read(reader, hostile_pdfs()["two million text runs"], limits)
    assert str(hostile.value) == (
        "document needs more than 300 MB to read; stopped (limit extract.max_memory_mb)"
    )
    assert read(reader, PDF, limits) == extract(PDF)  # the next one, in a new child


def test_a_late_document_fails_alone(reader):
    """A child that cannot answer (stopped) is late, even with a request larger than its
    pipe holds half-sent; the next document goes to a new child."""
    limits = replace(DEFAULT_LIMITS, timeout=1)
    assert read(reader, PDF, limits) == extract(PDF)
    stopped = reader.pid
    assert stopped is not None
    _stop(stopped)
    with pytest.raises(ExtractError) as late:
        read(reader, hostile_pdfs()["two million text runs"], limits)
    assert str(late.value) == (
        "document took longer than 1 s to read; stopped (limit extract.timeout)"
    )
    assert read(reader, PDF, limits) == extract(PDF)
    assert reader.pid != stopped


def test_a_child_killed_while_idle_is_replaced_at_once(reader):
    assert read(reader, PDF) == extract(PDF)
    first = reader.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert read(reader, PDF) == extract(PDF)
    assert reader.pid not in (None, first)


def test_a_child_killed_while_reading_is_replaced_and_the_document_read_again(reader):
    assert read(reader, PDF) == extract(PDF)
    first = reader.pid
    assert first is not None
    _stop(first)  # it cannot start on what it is sent
    answers: list[Any] = []
    asking = threading.Thread(target=lambda: answers.append(read(reader, PDF)))
    asking.start()
    with open(f"/proc/{first}/fd/0", "rb", buffering=0) as pipe:  # the child's input
        while _waiting(pipe.fileno()) < len(PDF) and asking.is_alive():
            asking.join(0.01)  # the request is on its way into the pipe
    os.kill(first, signal.SIGKILL)
    asking.join()
    assert answers == [extract(PDF)]
    assert reader.pid not in (None, first)


def _stop(pid: int) -> None:
    """Stop a process and return once it is stopped: it can read nothing more."""
    os.kill(pid, signal.SIGSTOP)
    while Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "T":
        os.sched_yield()


def _waiting(fd: int) -> int:
    """Bytes in a pipe, not yet read."""
    count = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return int.from_bytes(count, "little")


# How a reader child can end, and the reason each client must give.
DEATHS = [
    ("SIGTERM", "the document reader died of SIGTERM while reading it; stopped"),
    (
        "SIGKILL",
        "the document reader was killed while reading it (SIGKILL, which is also how the "
        "system ends a process when memory runs out); stopped",
    ),
    (
        "SIGABRT",  # how pdfium ends when an allocation fails under the cap
        "document needs more than 1024 MB to read; stopped (limit extract.max_memory_mb)",
    ),
]


@pytest.mark.parametrize(("how", "reason"), DEATHS)
def test_a_document_that_kills_two_readers_fails_with_the_real_reason(
    reader, monkeypatch, how, reason
):
    started = _misbehaving(monkeypatch, how)
    with pytest.raises(ExtractError) as failed:
        read(reader, PDF)
    assert str(failed.value) == reason
    assert len(started) == 2  # read once more, in a new child, before it failed


def test_half_an_answer_is_late_not_a_hang(reader, monkeypatch):
    _misbehaving(monkeypatch, "half")
    with pytest.raises(ExtractError, match="took longer than 1 s to read"):
        read(reader, PDF, replace(DEFAULT_LIMITS, timeout=1))


def test_a_reader_that_cannot_start_fails_every_document_at_once(reader, monkeypatch):
    """A broken installation is not a hostile document: one clear cause for every
    document, and no new child started for each of them."""
    started = _misbehaving(monkeypatch, None)
    results = []
    for _ in range(3):
        with pytest.raises(ExtractError) as failed:
            read(reader, PDF)
        results.append(str(failed.value))
    assert (
        results
        == [
            "the document reader process could not start (its error shows with: "
            "python -m monitor.edges.reading 1024 </dev/null)"
        ]
        * 3
    )
    assert started == ["monitor.edges.reading"]


def _misbehaving(monkeypatch: pytest.MonkeyPatch, how: str | None) -> list[str]:
    """Readers started from here on are ``tests/fake_reader.py`` doing ``how`` (None: a
    module that does not exist)."""
    started: list[str] = []
    spawn = children.spawn

    def fake(module: str, *args: str, **options: Any):  # type: ignore[no-untyped-def]
        started.append(module)
        if how is None:
            return spawn("monitor.edges.no_such_module", *args, **options)
        return spawn("tests.fake_reader", how, **options)

    monkeypatch.setattr(children, "spawn", fake)
    assert Path(__file__).with_name("fake_reader.py").exists()
    return started


@pytest.mark.parametrize(
    "command",
    [("parse", "{pdf}"), ("import", "{pdf}"), ("diff", "iraq", "{pdf}", "{pdf}")],
    ids=["parse", "import", "diff FILE"],
)
def test_every_command_reads_within_the_limits_of_the_config(tmp_path, command):
    """parse, import and diff FILE read a document as a fetch does: within ``[extract]``,
    with one line naming the limit."""
    pdf = tmp_path / "Iraq.pdf"
    pdf.write_bytes(hostile_pdfs()["two million text runs"])
    write_config(tmp_path, "[extract]\ntimeout = 30\nmax_memory_mb = 300\n")
    result = run_cli(*(arg.format(pdf=pdf) for arg in command), cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert str(pdf) in line
    assert line.endswith(
        "document needs more than 300 MB to read; stopped (limit extract.max_memory_mb)"
    )


# The asynchronous client (a fetch's, a backfill's): the same child, the same guarantees.


def read_async(limits: Any = PATIENT, how: Any = None, count: int = 1) -> list[Any]:
    """``count`` PDFs read at once by a new ``AsyncReader`` (no warm-up: each request is a
    document); each answer a profile or the error it failed with. ``how`` runs on the
    reader once the requests are sent."""

    async def go() -> list[Any]:
        reader = AsyncReader(limits)
        try:
            asked = [
                asyncio.ensure_future(
                    reader.read_profile(PDF, content_type="application/pdf", country="Iraq")
                )
                for _ in range(count)
            ]
            await asyncio.sleep(0)  # the requests are sent
            if how is not None:
                await how(reader)
            return await asyncio.gather(*asked, return_exceptions=True)
        finally:
            reader.close()

    return asyncio.run(go())


def test_the_async_client_gives_the_same_profiles():
    async def go() -> list[Any]:
        async with AsyncReader(PATIENT) as reader:
            return [
                await reader.read_profile(IRAQ.encode(), content_type="text/plain", country="Iraq"),
                await reader.read_profile(PDF, content_type="application/pdf", country="Iraq"),
                await reader.read_profile(TAJIKISTAN_SEED.read_bytes(), filename="Tajikistan.txt"),
                *await asyncio.gather(
                    reader.read_profile(b"no profile here", content_type="text/plain"),
                    return_exceptions=True,
                ),
            ]

    text, pdf, tajikistan, nothing = asyncio.run(go())
    assert text == pdf == read_profile(PDF, content_type="application/pdf", country="Iraq")
    assert tajikistan.slug == "tajikistan"
    assert isinstance(nothing, ParseError)


def test_the_async_client_fails_a_late_document_alone():
    """A stopped child is late; the document queued behind it goes to a new child."""
    pids: list[int | None] = []

    async def stop(reader: AsyncReader) -> None:
        pids.append(reader.pid)
        assert reader.pid is not None
        _stop(reader.pid)

    late, after = read_async(replace(DEFAULT_LIMITS, timeout=1), stop, count=2)
    assert str(late) == "document took longer than 1 s to read; stopped (limit extract.timeout)"
    assert after == read_profile(PDF, content_type="application/pdf", country="Iraq")


def test_the_async_client_reads_again_what_a_killed_child_was_reading():
    """Killed with a document in its pipe: that one is read again in a new child, and the
    one queued behind it goes there too."""

    async def kill(reader: AsyncReader) -> None:
        first = reader.pid
        assert first is not None
        _stop(first)  # it cannot start on what it is sent
        with open(f"/proc/{first}/fd/0", "rb", buffering=0) as pipe:  # the child's input
            while _waiting(pipe.fileno()) < len(PDF):
                await asyncio.sleep(0)  # the request is on its way into the pipe
        os.kill(first, signal.SIGKILL)

    expected = read_profile(PDF, content_type="application/pdf", country="Iraq")
    assert read_async(PATIENT, kill, count=2) == [expected, expected]


@pytest.mark.parametrize(("how", "reason"), DEATHS)
def test_the_async_client_gives_the_real_reason_after_two_deaths(monkeypatch, how, reason):
    started = _misbehaving(monkeypatch, how)
    [failed] = read_async()
    assert isinstance(failed, ExtractError)
    assert str(failed) == reason
    assert len(started) == 2  # read once more, in a new child, before it failed


def test_the_async_client_finds_half_an_answer_late(monkeypatch):
    _misbehaving(monkeypatch, "half")
    [failed] = read_async(replace(DEFAULT_LIMITS, timeout=1))
    assert "took longer than 1 s to read" in str(failed)


def test_the_async_client_fails_every_document_at_once_if_no_child_can_start(monkeypatch):
    started = _misbehaving(monkeypatch, None)
    failed = read_async(count=3)
    assert [str(f) for f in failed] == [
        "the document reader process could not start (its error shows with: "
        "python -m monitor.edges.reading 1024 </dev/null)"
    ] * 3
    assert started == ["monitor.edges.reading"]
