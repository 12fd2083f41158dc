"""The one bounded reader of untrusted documents: fetch, import, parse, ``diff FILE`` and
backfill all read a document through ``read_text`` or ``read_profile``, within the limits
of ``[extract]`` (``core.extract.Limits``), with the same one-line errors.

pdfium works on untrusted bytes: a one-page PDF with two million text runs, a page tree of
100,000 entries or a small compressed stream that inflates to gigabytes can each take
minutes and gigabytes inside the library, where no Python check can stop it. So PDFs go
to a long-lived child process (one per monitor process, started on first use as a fresh
interpreter, so no thread or lock of ours is copied into it) whose address space is capped
with ``RLIMIT_AS``; the parent waits at most ``extract.timeout`` seconds for each answer,
never blocking on a pipe (a child that stops half-way through a line is still late at the
deadline). Text and HTML are read in the calling process: their cost is linear in their
size, which ``max_chars`` and the byte caps of fetch and import already bound.

A dead child is a restart, not a verdict: its end is seen at once (its pipe closes), the
document it was reading is given once more to a new child before it fails, and the error
says why the child ended (a signal, its exit status, the memory cap, the timeout). A child
that exits with an error before it is ready is a broken installation, not a hostile
document: every later document fails at once, saying so.

The child is this module run as ``python -m monitor.edges.reading MB``. It imports only
what reading needs, so it starts quickly. A request is a JSON line, then the document's
bytes; it answers ``["ready", ""]`` once started, then one JSON line per document:
``["ok", text]``, ``["error", why]`` or ``["memory", ""]``. Answers are data, never code:
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
from typing import TYPE_CHECKING, Any

from monitor.core.extract import DEFAULT_LIMITS, Limits, extract, sniff
from monitor.core.jsonform import dumps, loads
from monitor.errors import ExtractError

if TYPE_CHECKING:
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


def stop_reader() -> None:
    """End the child (a fetch run leaves no process behind; the next PDF starts one) and
    forget a failed start (the next run tries again)."""
    _READER.close()


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
        header = {
            "size": len(data),
            "content_type": content_type,
            "filename": filename,
            "max_pages": limits.max_pages,
            "max_chars": limits.max_chars,
        }
        payload = dumps(header, compact=True).encode() + b"\n" + data
        with self._lock:
            for attempt in (1, 2):
                if self._broken is not None:
                    raise ExtractError(self._broken)
                process = self._child(limits)
                try:
                    status, text = self._exchange(process, payload, limits)
                except _Late:
                    self.stop()
                    raise ExtractError(
                        f"document took longer than {limits.timeout:g} s to read; stopped "
                        "(limit extract.timeout)"
                    ) from None
                except _Died as died:
                    if self._broken is not None:
                        raise ExtractError(self._broken) from None
                    if attempt == 2:
                        raise ExtractError(str(died)) from None
                    continue  # once more, in a new child
                if status == "ok":
                    return str(text)
                if status == "error":
                    raise ExtractError(text)
                self.stop()  # "memory": its heap is spent; the next document gets a new one
                raise ExtractError(_out_of_memory(limits))
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
        code = process.returncode
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            if name in ("SIGABRT", "SIGSEGV", "SIGBUS"):
                return _out_of_memory(limits)  # how pdfium ends when an allocation fails
            if name == "SIGKILL":
                return (
                    "the document reader was killed while reading it (SIGKILL, which is "
                    "also how the system ends a process when memory runs out); stopped"
                )
            return f"the document reader died of {name} while reading it; stopped"
        if not ready:
            self._broken = (
                "the document reader process could not start (its error shows with: "
                "python -m monitor.edges.reading 1024 </dev/null)"
            )
            return self._broken
        return f"the document reader exited with status {code} while reading it; stopped"


def _out_of_memory(limits: Limits) -> str:
    return (
        f"document needs more than {limits.max_memory_mb} MB to read; stopped "
        "(limit extract.max_memory_mb)"
    )


_READER = Reader()
atexit.register(_READER.close)


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
            answer = ["ok", extract(data, request["content_type"], request["filename"], limits)]
        except ExtractError as exc:
            answer = ["error", str(exc)]
        except MemoryError:
            answer = ["memory", ""]
        sink.write(dumps(answer, compact=True).encode() + b"\n")
        sink.flush()


if __name__ == "__main__":
    serve()
