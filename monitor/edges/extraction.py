"""Extraction with its time and memory bounded: PDFs are read in a child process.

pdfium works on untrusted bytes: a one-page PDF with two million text runs, a page tree of
100,000 entries or a small compressed stream that inflates to gigabytes can each take
minutes and many gigabytes inside the library, where no Python check can stop it. So PDFs
go to a long-lived child process (one per monitor process, started on first use as a fresh
interpreter, so no thread or lock of ours is copied into it) whose address space is capped
with ``RLIMIT_AS``; the parent waits at most ``extract.timeout`` seconds for each answer and
kills the child if it is late or dies. Text and HTML are extracted in this process: their
cost is linear in their size, which the fetch and read caps already bound.

A fetch run talks to its own child from its event loop (``Extractor``): there every
document, text and HTML too, is extracted and parsed in the child, on the other core,
while this process downloads.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import select
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.core.extract import DEFAULT_LIMITS, Limits, extract, sniff
from monitor.core.jsonform import dumps, loads
from monitor.core.profile import Profile, from_dict
from monitor.edges.children import end, spawn
from monitor.errors import ExtractError, ParseError

if TYPE_CHECKING:
    from monitor.config import ExtractConfig


@dataclass(frozen=True)
class Bounds:
    """The limits of ``[extract]`` in config.toml."""

    limits: Limits = DEFAULT_LIMITS
    timeout: float = 60.0  # seconds per document
    max_memory_mb: int = 1024  # the child's address space

    @classmethod
    def of(cls, settings: ExtractConfig) -> Bounds:
        """The work allowed on one document, from ``[extract]``."""
        limits = Limits(settings.max_pages, settings.max_chars)
        return cls(limits, settings.timeout, settings.max_memory_mb)


def extract_document(
    data: bytes,
    content_type: str | None = None,
    filename: str | None = None,
    bounds: Bounds | None = None,
) -> str:
    """Normalised text of a document, within ``bounds``; ``ExtractError`` naming the limit."""
    bounds = bounds or Bounds()
    if sniff(data, content_type, filename) != "pdf" or not data.lstrip().startswith(b"%PDF-"):
        return extract(data, content_type, filename, bounds.limits)
    return str(_WORKER.run({"op": "text"}, data, content_type, filename, bounds))


class _Worker:
    """One child at a time, shared by the threads of this process (one document at once)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.memory = 0

    def _start(self, max_memory_mb: int) -> subprocess.Popen[bytes]:
        alive = self.process is not None and self.process.poll() is None
        if alive and self.memory == max_memory_mb:
            assert self.process is not None
            return self.process
        self.stop()
        memory = str(max_memory_mb)
        self.process = spawn("monitor.edges.reading", memory, stderr=subprocess.DEVNULL)
        self.memory = max_memory_mb
        return self.process

    def stop(self) -> None:
        process, self.process = self.process, None
        end(process, kill=True)

    def run(
        self,
        request: dict[str, Any],
        data: bytes,
        content_type: str | None,
        filename: str | None,
        bounds: Bounds,
    ) -> Any:
        with self.lock:
            process = self._start(bounds.max_memory_mb)
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(_request(request, data, content_type, filename, bounds))
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], bounds.timeout)
                if not ready:
                    self.stop()
                    raise ExtractError(_late_message(bounds))
                line = process.stdout.readline()
            except OSError:  # the child died
                line = b""
            try:
                return _answer(line, bounds)
            except _ChildLost:
                self.stop()
                raise ExtractError(_memory_message(bounds)) from None


class _ChildLost(Exception):
    """The child died or ran out of memory: it must be replaced."""


def _request(
    request: dict[str, Any],
    data: bytes,
    content_type: str | None,
    filename: str | None,
    bounds: Bounds,
) -> bytes:
    header = {
        **request,
        "size": len(data),
        "content_type": content_type,
        "filename": filename,
        "max_pages": bounds.limits.max_pages,
        "max_chars": bounds.limits.max_chars,
    }
    return dumps(header, compact=True).encode() + b"\n" + data


def _answer(line: bytes, bounds: Bounds) -> Any:
    """The child's answer line as a result or an error. The answer is data, never code:
    JSON, not pickle, from the process that handled the hostile bytes."""
    try:
        status, text = loads(line or b"null")
    except (TypeError, ValueError) as exc:  # no answer: the child died
        raise _ChildLost from exc
    if status == "memory":
        raise _ChildLost
    if status == "error":
        raise ExtractError(text)
    if status == "parse":
        raise ParseError(text)
    return text


def _late_message(bounds: Bounds) -> str:
    return (
        f"document took longer than {bounds.timeout:g} s to read; stopped (limit extract.timeout)"
    )


def _memory_message(bounds: Bounds) -> str:
    return (
        f"document needs more than {bounds.max_memory_mb} MB to read; stopped "
        "(limit extract.max_memory_mb)"
    )


@dataclass
class _Asked:
    payload: bytes
    answer: asyncio.Future[Any]
    timer: asyncio.TimerHandle | None = None
    warm: bool = False  # the start-up request: no document in it


class Extractor:
    """The extraction child for an event loop (a fetch run): documents are extracted and
    parsed there as they arrive and answered in order, the next one already waiting in the
    child's pipe while the answer to the last is on its way back. No thread of this
    process waits on the child, so none waits for the GIL that the downloads hold.

    The bounds are those of ``_Worker``: each answer is waited for at most
    ``extract.timeout`` seconds from the moment the child starts on it; a late, dead or
    out-of-memory child is killed, the document it was reading fails with the limit it
    hit, and the documents queued behind it go to a new child."""

    DEPTH = 2  # documents in the child at once: one being read, one waiting

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self._process: subprocess.Popen[bytes] | None = None
        self._pipe: asyncio.WriteTransport | None = None
        self._source: asyncio.ReadTransport | None = None
        self._reading: asyncio.Task[None] | None = None
        self._restarting: asyncio.Task[None] | None = None
        self._asked: deque[_Asked] = deque()  # sent (or to send again), in order
        self._slots = asyncio.Semaphore(self.DEPTH)
        self._starting = asyncio.Lock()
        self._broken: str | None = None  # why no child can start, once one could not

    async def warm_up(self) -> None:
        """Start the child and load the parser there now, while the first downloads are
        under way (about 0.1 s that the first document would otherwise wait for)."""
        await self._ask({"op": "warm"}, b"", None, None, warm=True)

    async def read_profile(
        self,
        data: bytes,
        content_type: str | None,
        filename: str | None,
        country: str | None,
        force_country: bool = False,
    ) -> Profile:
        request = {"op": "profile", "country": country, "force_country": force_country}
        return from_dict(await self._ask(request, data, content_type, filename))

    async def aclose(self) -> None:
        if self._restarting is not None:
            self._restarting.cancel()
        self._stop()
        for asked in self._asked:
            if asked.timer is not None:
                asked.timer.cancel()
            asked.answer.cancel()
        self._asked.clear()

    async def _ask(
        self,
        request: dict[str, Any],
        data: bytes,
        content_type: str | None,
        filename: str | None,
        *,
        warm: bool = False,
    ) -> Any:
        if self._broken:
            raise ExtractError(self._broken)
        payload = _request(request, data, content_type, filename, self.bounds)
        async with self._slots:
            asked = _Asked(payload, asyncio.get_running_loop().create_future(), warm=warm)
            async with self._starting:
                if self._process is None:
                    await self._start()
                assert self._pipe is not None
                self._asked.append(asked)
                self._pipe.write(payload)
                if len(self._asked) == 1:
                    self._time(asked)
            return await asked.answer

    async def _start(self) -> None:
        """A new child, given again whatever the last one left unanswered."""
        loop = asyncio.get_running_loop()
        try:
            memory = str(self.bounds.max_memory_mb)
            process = spawn("monitor.edges.reading", memory, stderr=subprocess.DEVNULL)
        except OSError as exc:
            self._fail_all(ExtractError(f"cannot start the document reader: {exc}"))
            raise ExtractError(f"cannot start the document reader: {exc}") from exc
        assert process.stdin is not None and process.stdout is not None
        reader = asyncio.StreamReader(limit=1 << 30)  # an answer is one line, however long
        self._source, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), process.stdout
        )
        self._pipe, _ = await loop.connect_write_pipe(asyncio.Protocol, process.stdin)
        self._process = process
        self._reading = asyncio.ensure_future(self._read(reader))
        for asked in self._asked:
            self._pipe.write(asked.payload)
        if self._asked:
            self._time(self._asked[0])

    async def _restart(self) -> None:
        async with self._starting:
            if self._process is None and self._asked:
                with contextlib.suppress(ExtractError):  # each waiting document got it
                    await self._start()

    def _time(self, asked: _Asked) -> None:
        """The child starts on ``asked`` now: it has ``extract.timeout`` to answer."""
        if asked.timer is not None:
            asked.timer.cancel()
        loop = asyncio.get_running_loop()
        asked.timer = loop.call_later(self.bounds.timeout, self._lost, _late_message)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readline()
            except (OSError, ValueError):
                line = b""
            if not self._asked:
                return  # a child that talks out of turn: nothing asked of it
            try:
                result = _answer(line, self.bounds)
            except _ChildLost:
                self._lost(_memory_message)
                return
            except (ExtractError, ParseError) as exc:
                self._settle(exc)
            else:
                self._settle(result)

    def _settle(self, outcome: Any) -> None:
        asked = self._asked.popleft()
        if asked.timer is not None:
            asked.timer.cancel()
        if not asked.answer.done():
            if isinstance(outcome, Exception):
                asked.answer.set_exception(outcome)
            else:
                asked.answer.set_result(outcome)
        if self._asked and self._process is not None:
            self._time(self._asked[0])

    def _lost(self, message: Callable[[Bounds], str]) -> None:
        """The child is late or gone: the document it was on fails, the rest go again.
        A child lost before it finished starting is a broken installation, not a hostile
        document: every document fails at once, saying so, instead of each starting a
        child that dies the same way."""
        self._stop()
        if self._asked and self._asked[0].warm:
            self._broken = (
                "the document reader process could not start (its error shows with: "
                "python -m monitor.edges.reading 1024 </dev/null)"
            )
            self._fail_all(ExtractError(self._broken))
            return
        if self._asked:
            self._settle(ExtractError(message(self.bounds)))
        if self._asked:
            self._restarting = asyncio.ensure_future(self._restart())

    def _fail_all(self, error: Exception) -> None:
        while self._asked:
            self._settle(error)

    def _stop(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        if self._pipe is not None and not self._pipe.is_closing():  # a dead child's is
            self._pipe.abort()  # requests not yet sent go with the child
        if self._source is not None:
            self._source.close()
        self._pipe = self._source = None
        process, self._process = self._process, None
        end(process, kill=True)


_WORKER = _Worker()
atexit.register(_WORKER.stop)
