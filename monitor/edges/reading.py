"""The one bounded reader of untrusted documents: import, parse and ``diff FILE`` read a
document through ``read_text`` or ``read_profile``, a fetch and a backfill (an event loop)
through ``AsyncReader``, within the limits of ``[extract]`` (``core.limits.Limits``), with
the same one-line errors.

pdfium works on untrusted bytes: a one-page PDF with two million text runs, a page tree of
100,000 entries or a small compressed stream that inflates to gigabytes can each take
minutes and gigabytes inside the library, where no Python check can stop it. So PDFs go
to a long-lived child process (one per monitor process, started on first use as a fresh
interpreter, so no thread or lock of ours is copied into it) whose address space is capped
with ``RLIMIT_AS``; the parent waits at most ``extract.timeout`` seconds for each answer,
never blocking on a pipe (a child that stops half-way through a line is still late at the
deadline). Text and HTML are read in the calling process (``read_text``): their cost is
linear in their size, which ``max_chars`` and the byte caps of fetch and import already
bound. ``AsyncReader`` has the child read and parse every document, so an event loop's
process only downloads.

A dead child is a restart, not a verdict: its end is seen at once (its pipe closes), the
document it was reading is given once more to a new child before it fails, and the error
says why the child ended (a signal, its exit status, the memory cap, the timeout). A child
that exits with an error before it is ready is a broken installation, not a hostile
document: every later document fails at once, saying so.

The child is this module run as ``python -m monitor.edges.reading MB``. It imports only
what reading needs, so it starts quickly. A request is a JSON line, then the document's
bytes; it answers ``["ready", ""]`` once started, then one JSON line per document:
``["ok", text]``, ``["error", why]`` or ``["memory", ""]``. A request with ``parse`` (the
options of ``core.parse.parse``) is answered ``["ok", profile]`` (its JSON form) or
``["parse", why]``; one with ``warm`` only imports the parser (which the child otherwise
imports on the first ``parse``) and is answered ``["ok", ""]``. Answers are data, never code:
JSON, not pickle, from the process that handled the hostile bytes.
"""

from __future__ import annotations

import atexit
import os
import resource
import select
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from monitor.core.extract import extract, sniff
from monitor.core.jsonform import dumps, loads
from monitor.core.limits import DEFAULT_LIMITS, Limits
from monitor.errors import ExtractError, MonitorError, ParseError

if TYPE_CHECKING:
    import asyncio
    import subprocess

    from monitor.core.profile import Profile


def read_text(
    data: bytes,
    content_type: str | None = None,
    filename: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Normalised text of a document, within ``limits``; ``ExtractError`` naming the limit."""
    if sniff(data, content_type, filename) != "pdf" or not data.lstrip().startswith(b"%PDF-"):
        return extract(data, content_type, filename, limits)
    return _READER.read(data, content_type, filename, limits)


def read_profile(
    data: bytes,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    country: str | None = None,
    force_country: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Profile:
    """Bytes of a PDF, HTML page or text file → Profile: read (bounded), then parse."""
    # Imported here: the child imports this module and never parses.
    from monitor.core.parse import parse

    text = read_text(data, content_type, filename, limits)
    return parse(text, country=country, force_country=force_country)


class _Died(Exception):
    """The child ended while reading: why, in words."""


class _Late(Exception):
    """The child did not answer within ``extract.timeout``."""


class Reader:
    """One child at a time, shared by the threads of this process (one document at once)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._memory = 0
        self._ready = False
        self._broken: str | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id, while there is one."""
        return self._process.pid if self._process is not None else None

    def read(
        self, data: bytes, content_type: str | None, filename: str | None, limits: Limits
    ) -> str:
        payload = _request(limits, data, content_type, filename)
        with self._lock:
            for attempt in (1, 2):
                if self._broken is not None:
                    raise ExtractError(self._broken)
                process = self._child(limits)
                try:
                    status, text = self._exchange(process, payload, limits)
                except _Late:
                    self.stop()
                    raise ExtractError(_late(limits)) from None
                except _Died as died:
                    if self._broken is not None:
                        raise ExtractError(self._broken) from None
                    if attempt == 2:
                        raise ExtractError(str(died)) from None
                    continue  # once more, in a new child
                if status == "memory":
                    self.stop()  # its heap is spent; the next document gets a new one
                return str(_answer(status, text, limits))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.stop()
        self._broken = None

    def stop(self) -> None:
        from monitor.edges.children import end

        process, self._process = self._process, None
        end(process, kill=True)

    def _child(self, limits: Limits) -> subprocess.Popen[bytes]:
        """The running child for these limits: the one there is, or a new one."""
        process = self._process
        if process is not None and process.poll() is None and self._memory == limits.max_memory_mb:
            return process
        self.stop()  # dead (killed while idle: a restart, not a verdict) or other limits
        import subprocess

        from monitor.edges.children import spawn

        try:
            memory = str(limits.max_memory_mb)
            process = spawn("monitor.edges.reading", memory, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise ExtractError(f"cannot start the document reader: {exc}") from exc
        assert process.stdin is not None and process.stdout is not None
        os.set_blocking(process.stdin.fileno(), False)
        os.set_blocking(process.stdout.fileno(), False)
        self._process, self._memory, self._ready = process, limits.max_memory_mb, False
        return process

    def _exchange(
        self, process: subprocess.Popen[bytes], payload: bytes, limits: Limits
    ) -> tuple[str, Any]:
        """Send a request and return its answer, never waiting past ``limits.timeout``: the
        pipes are non-blocking, so neither a child that stops reading nor one that stops
        half-way through a line can hold this thread."""
        assert process.stdin is not None and process.stdout is not None
        sink, source = process.stdin.fileno(), process.stdout.fileno()
        poller = select.poll()
        poller.register(source, select.POLLIN)
        poller.register(sink, select.POLLOUT)
        unsent, received = memoryview(payload), bytearray()
        deadline = time.monotonic() + limits.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Late
            for fd, _ in poller.poll(left * 1000):
                if fd == sink:
                    try:
                        unsent = unsent[os.write(sink, unsent[: 1 << 16]) :]
                    except BlockingIOError:
                        continue
                    except OSError:  # the child is gone: its output says so next
                        unsent = unsent[:0]
                    if not unsent:
                        poller.unregister(sink)
                    continue
                try:
                    chunk = os.read(source, 1 << 20)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise _Died(self._death(process, limits))
                received += chunk
                while b"\n" in received:
                    line, _, rest = bytes(received).partition(b"\n")
                    received = bytearray(rest)
                    try:
                        status, text = loads(line)
                    except (TypeError, ValueError):  # not what the child writes: it is lost
                        self.stop()
                        raise _Died("the document reader answered nonsense; stopped") from None
                    if status != "ready":
                        return str(status), text
                    self._ready = True

    def _death(self, process: subprocess.Popen[bytes], limits: Limits) -> str:
        """Why the child ended, in words; a child that exits with an error before it is
        ready marks the reader broken."""
        ready = self._ready
        self.stop()  # reaps it: its exit status is known from here
        why, broken = _why_ended(process.returncode, ready, limits)
        if broken:
            self._broken = why
        return why


def _why_ended(code: int | None, ready: bool, limits: Limits) -> tuple[str, bool]:
    """Why a child ended (its exit status ``code``), in words, and whether the reader is
    broken: a child that exits with an error before it is ready is a broken installation."""
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        if name in ("SIGABRT", "SIGSEGV", "SIGBUS"):
            return _out_of_memory(limits), False  # how pdfium ends when an allocation fails
        if name == "SIGKILL":
            return (
                "the document reader was killed while reading it (SIGKILL, which is "
                "also how the system ends a process when memory runs out); stopped"
            ), False
        return f"the document reader died of {name} while reading it; stopped", False
    if not ready:
        return (
            "the document reader process could not start (its error shows with: "
            "python -m monitor.edges.reading 1024 </dev/null)"
        ), True
    return f"the document reader exited with status {code} while reading it; stopped", False


def _request(
    limits: Limits,
    data: bytes = b"",
    content_type: str | None = None,
    filename: str | None = None,
    **more: Any,
) -> bytes:
    """A request: its JSON line, then the document's bytes. ``parse`` (the options of
    ``core.parse.parse``) asks for the profile; ``warm`` only imports the parser."""
    header = {
        "size": len(data),
        "content_type": content_type,
        "filename": filename,
        "max_pages": limits.max_pages,
        "max_chars": limits.max_chars,
        **more,
    }
    return dumps(header, compact=True).encode() + b"\n" + data


def _answer(status: str, value: Any, limits: Limits) -> Any:
    """What an answer carries (text, or a profile's JSON form), or the error it names."""
    if status == "ok":
        return value
    if status == "error":
        raise ExtractError(value)
    if status == "parse":
        raise ParseError(value)
    raise ExtractError(_out_of_memory(limits))


def _late(limits: Limits) -> str:
    return (
        f"document took longer than {limits.timeout:g} s to read; stopped (limit extract.timeout)"
    )


def _out_of_memory(limits: Limits) -> str:
    return (
        f"document needs more than {limits.max_memory_mb} MB to read; stopped "
        "(limit extract.max_memory_mb)"
    )


_READER = Reader()
atexit.register(_READER.close)


@dataclass(eq=False)
class _Job:
    """A request on its way through ``AsyncReader``; ``answer`` is None for the warm-up."""

    payload: bytes
    answer: asyncio.Future[Any] | None
    attempts: int = 0


class AsyncReader:
    """The reader's client for an event loop (a fetch's, a backfill's): the same child and
    protocol, with every document read *and parsed* in the child, so the loop only
    downloads (``async with AsyncReader(limits) as reader``; ``await reader.read_profile``).

    With ``warm`` (a run that will surely read documents) the child starts when the run
    does and imports the parser at once (a warm-up request), so the first document does
    not wait for it; otherwise it starts with the first document (a fetch whose every
    answer is 304 starts none: 0.1 s of CPU saved a run). It is fed ``DEPTH`` documents
    ahead, one being read and the rest waiting in its pipe, so it does not idle while the
    loop is busy downloading (fed two deep, at concurrency 32 it read its last document
    0.2 s after the last download ended; fed eight deep, 0.03 to 0.05 s after). The
    guarantees are ``Reader``'s: each answer waited for at most ``extract.timeout`` from
    when the child starts on it; a dead child seen at once (its pipe closes), the document
    it was reading given once more to a new child, those queued behind it going to that
    child; a child that cannot start fails every document at once.

    Measured on a quiet two-core machine against parsing in ``asyncio.to_thread`` (the
    tree before; both installed with pip, run alternately, three times), 200 text sources
    at 50 ms latency, medians of 5 rounds (``benchmarks/bench_fetch.py --urlwatch URLWATCH
    --concurrency 10 32 --rounds 5 --big 0``): at concurrency 32 the wall time less
    start-up went from 3.50, 3.92 and 3.61 times the floor to 1.83, 2.63 and 2.45; at
    concurrency 10, where the downloads themselves cost most, urlwatch's time over ours
    was 0.84, 0.84 and 0.89 (0.85, 0.84 and 0.79 before).
    """

    DEPTH = 8  # documents sent to the child and not yet answered

    def __init__(self, limits: Limits, *, warm: bool = True) -> None:
        self._limits = limits
        self._warm = warm
        import asyncio  # here: the child runs this module and has no event loop to import

        self._loop = asyncio.get_running_loop()
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._broken: str | None = None
        self._waiting: deque[_Job] = deque()  # not yet sent
        self._sent: deque[_Job] = deque()  # sent, in the order of their answers
        self._unsent = bytearray()
        self._received = bytearray()
        self._timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> AsyncReader:
        if self._warm:
            self._submit(_Job(_request(self._limits, warm=True), None))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The child's process id, while there is one."""
        return self._process.pid if self._process is not None else None

    async def read_profile(
        self,
        data: bytes,
        *,
        content_type: str | None = None,
        filename: str | None = None,
        country: str | None = None,
        force_country: bool = False,
    ) -> Profile:
        """Bytes of a PDF, HTML page or text file → Profile, read and parsed in the child."""
        from monitor.core.profile import from_dict

        options = {"country": country, "force_country": force_country}
        request = _request(self._limits, data, content_type, filename, parse=options)
        answer = self._loop.create_future()
        self._submit(_Job(request, answer))
        return from_dict(await answer)

    def close(self) -> None:
        """End the child; what is still asked for fails (a run leaves no process behind)."""
        self._stop()
        self._fail([*self._sent, *self._waiting], "the document reader was closed")

    def _submit(self, job: _Job) -> None:
        if self._broken is not None:
            self._fail([job], self._broken)
            return
        self._waiting.append(job)
        self._feed()

    def _feed(self) -> None:
        """Send what waits, up to ``DEPTH`` in the child; start one if there is none."""
        if not self._waiting or len(self._sent) >= self.DEPTH:
            return
        if self._process is None and not self._spawn():
            return
        assert self._process is not None and self._process.stdin is not None
        while self._waiting and len(self._sent) < self.DEPTH:
            job = self._waiting.popleft()
            self._sent.append(job)
            self._unsent += job.payload
            if len(self._sent) == 1:
                self._arm()
        self._flush()

    def _spawn(self) -> bool:
        import subprocess

        from monitor.edges.children import spawn

        try:
            memory = str(self._limits.max_memory_mb)
            process = spawn("monitor.edges.reading", memory, stderr=subprocess.DEVNULL)
        except OSError as exc:
            self._broken = f"cannot start the document reader: {exc}"
            self._fail([*self._waiting], self._broken)
            return False
        assert process.stdin is not None and process.stdout is not None
        os.set_blocking(process.stdin.fileno(), False)
        os.set_blocking(process.stdout.fileno(), False)
        self._process, self._ready = process, False
        self._loop.add_reader(process.stdout.fileno(), self._on_readable)
        return True

    def _flush(self) -> None:
        """Write what the pipe takes now; the rest when it takes more."""
        assert self._process is not None and self._process.stdin is not None
        sink = self._process.stdin.fileno()
        while self._unsent:
            try:
                del self._unsent[: os.write(sink, self._unsent[: 1 << 16])]
            except BlockingIOError:
                self._loop.add_writer(sink, self._flush)
                return
            except OSError:  # the child is gone: its output says so next
                self._unsent.clear()
        self._loop.remove_writer(sink)

    def _arm(self) -> None:
        """The child starts on the first document sent: its time runs from now."""
        self._timer = self._loop.call_later(self._limits.timeout, self._on_late)

    def _on_readable(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            chunk = os.read(self._process.stdout.fileno(), 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            self._died(None)
            return
        self._received += chunk
        while (end := self._received.find(b"\n")) >= 0:
            line = bytes(self._received[:end])
            del self._received[: end + 1]
            try:
                status, value = loads(line)
            except (TypeError, ValueError):  # not what the child writes: it is lost
                self._died("the document reader answered nonsense; stopped")
                return
            if status == "ready":
                self._ready = True
                continue
            if not self._sent:  # an answer to nothing asked: it is lost too
                self._died("the document reader answered nonsense; stopped")
                return
            job = self._sent.popleft()
            if self._timer is not None:
                self._timer.cancel()
            if job.answer is not None and not job.answer.done():
                try:
                    job.answer.set_result(_answer(status, value, self._limits))
                except MonitorError as exc:
                    job.answer.set_exception(exc)
            if status == "memory":  # its heap is spent; the next document gets a new one
                self._restart()
                return
            if self._sent:
                self._arm()
        self._feed()

    def _on_late(self) -> None:
        self._fail([self._sent.popleft()], _late(self._limits))
        self._restart()

    def _died(self, why: str | None) -> None:
        """The child ended (or is lost): the document it was reading goes once more to a
        new child before it fails with the reason; a child never ready breaks the reader."""
        ready = self._ready
        code = self._stop()
        if why is None:
            why, broken = _why_ended(code, ready, self._limits)
            if broken:
                self._broken = why
                self._fail([*self._sent, *self._waiting], why)
                return
        if self._sent:
            self._sent[0].attempts += 1
            if self._sent[0].attempts >= 2:
                self._fail([self._sent.popleft()], why)
        self._restart()

    def _restart(self) -> None:
        """A new child for what was sent and not answered, in the same order."""
        self._stop()
        self._waiting.extendleft(reversed(self._sent))
        self._sent.clear()
        self._feed()

    def _stop(self) -> int | None:
        """End the child (if any); its exit status."""
        from monitor.edges.children import end

        if self._timer is not None:
            self._timer.cancel()
        process, self._process = self._process, None
        self._unsent.clear()
        self._received.clear()
        if process is None:
            return None
        assert process.stdin is not None and process.stdout is not None
        self._loop.remove_reader(process.stdout.fileno())
        self._loop.remove_writer(process.stdin.fileno())
        end(process, kill=True)
        return process.returncode

    def _fail(self, jobs: list[_Job], why: str) -> None:
        for job in jobs:
            if job in self._sent:
                self._sent.remove(job)
            if job in self._waiting:
                self._waiting.remove(job)
            if job.answer is not None and not job.answer.done():
                job.answer.set_exception(ExtractError(why))


def serve() -> None:
    """The child: read each request from stdin, answer on stdout, until stdin closes.

    Signals for the monitor (Ctrl-C at a terminal reaches the whole group) are its
    parent's to handle: the parent ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cap = int(sys.argv[1]) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)  # never above what this process was given
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sink.write(b'["ready", ""]\n')
    sink.flush()
    while header := source.readline():
        request = loads(header)
        data = source.read(request["size"])
        limits = Limits(request["max_pages"], request["max_chars"])
        answer: list[Any]
        try:
            if request.get("warm"):
                _parser()
                answer = ["ok", ""]
            else:
                text = extract(data, request["content_type"], request["filename"], limits)
                answer = ["ok", text]
                if (options := request.get("parse")) is not None:
                    parse, to_dict = _parser()
                    answer = ["ok", to_dict(parse(text, **options))]
        except ExtractError as exc:
            answer = ["error", str(exc)]
        except ParseError as exc:
            answer = ["parse", str(exc)]
        except MemoryError:
            answer = ["memory", ""]
        sink.write(dumps(answer, compact=True).encode() + b"\n")
        sink.flush()


def _parser() -> tuple[Any, Any]:
    """The parser and the profile's JSON form, imported on first use (a warm-up request
    imports them before the first document)."""
    from monitor.core.parse import parse
    from monitor.core.profile import to_dict

    return parse, to_dict


if __name__ == "__main__":
    serve()
