"""Extraction with its time and memory bounded: PDFs are read in a child process.

pdfium works on untrusted bytes: a one-page PDF with two million text runs, a page tree of
100,000 entries or a small compressed stream that inflates to gigabytes can each take
minutes and many gigabytes inside the library, where no Python check can stop it. So PDFs
go to a long-lived child process (one per monitor process, started on first use as a fresh
interpreter, so no thread or lock of ours is copied into it) whose address space is capped
with ``RLIMIT_AS``; the parent waits at most ``extract.timeout`` seconds for each answer and kills
the child if it is late or dies. Text and HTML are extracted in this process: their cost is
linear in their size, which the fetch and read caps already bound.
"""

from __future__ import annotations

import atexit
import select
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any

from monitor.core.extract import DEFAULT_LIMITS, Limits, extract, sniff
from monitor.core.jsonform import dumps, loads
from monitor.core.profile import Profile, from_dict, to_dict
from monitor.edges.children import end, spawn
from monitor.errors import ExtractError, ParseError


@dataclass(frozen=True)
class Bounds:
    """The limits of ``[extract]`` in config.toml."""

    limits: Limits = DEFAULT_LIMITS
    timeout: float = 60.0  # seconds per document
    max_memory_mb: int = 1024  # the child's address space


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


def warm_up(bounds: Bounds) -> None:
    """Start the child and load the parser there now, while the first downloads are under
    way (about 0.2 s that the first document would otherwise wait for)."""
    _WORKER.run({"op": "warm"}, b"", None, None, bounds)


def read_profile(
    data: bytes,
    content_type: str | None,
    filename: str | None,
    country: str | None,
    force_country: bool,
    bounds: Bounds,
) -> Profile:
    """Extract and parse in the child process: a fetch run parses on the second core while
    this process downloads (the profile comes back as its JSON form)."""
    request = {"op": "profile", "country": country, "force_country": force_country}
    return from_dict(_WORKER.run(request, data, content_type, filename, bounds))


def _serve() -> None:
    """The child (``python -m monitor.edges.extraction MB``): extract each request read from
    stdin, answer on stdout, until stdin closes."""
    import resource

    cap = int(sys.argv[1]) * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)  # never above what this process was given
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while header := source.readline():
        request = loads(header)
        data = source.read(request["size"])
        limits = Limits(request["max_pages"], request["max_chars"])
        answer: list[Any]
        if request["op"] == "warm":
            from monitor.core.parse import parse

            parse.__module__  # noqa: B018 - imported: the parser and its country index load
            from monitor.core.countries import resolve

            resolve("Iraq")
            sink.write(b'["ok", ""]\n')
            sink.flush()
            continue
        try:
            text = extract(data, request["content_type"], request["filename"], limits)
            if request["op"] == "text":
                answer = ["ok", text]
            else:
                from monitor.core.parse import parse

                country, force = request["country"], request["force_country"]
                answer = ["ok", to_dict(parse(text, country, force_country=force))]
        except ExtractError as exc:
            answer = ["error", str(exc)]
        except ParseError as exc:
            answer = ["parse", str(exc)]
        except MemoryError:
            answer = ["memory", ""]
        sink.write(dumps(answer, compact=True).encode() + b"\n")
        sink.flush()


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
        self.process = spawn(
            "monitor.edges.extraction", str(max_memory_mb), stderr=subprocess.DEVNULL
        )
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
                request = {
                    **request,
                    "size": len(data),
                    "content_type": content_type,
                    "filename": filename,
                    "max_pages": bounds.limits.max_pages,
                    "max_chars": bounds.limits.max_chars,
                }
                process.stdin.write(dumps(request, compact=True).encode() + b"\n" + data)
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], bounds.timeout)
                if not ready:
                    self.stop()
                    raise ExtractError(
                        f"document took longer than {bounds.timeout:g} s to read; stopped "
                        "(limit extract.timeout)"
                    )
                # The answer is data, never code: JSON, not pickle, from the process that
                # handled the hostile bytes.
                status, text = loads(process.stdout.readline() or b"null")
            except (OSError, TypeError, ValueError) as exc:  # the child died
                self.stop()
                raise ExtractError(_memory_message(bounds)) from exc
            if status == "memory":
                self.stop()
                raise ExtractError(_memory_message(bounds))
            if status == "error":
                raise ExtractError(text)
            if status == "parse":
                raise ParseError(text)
            return text


def _memory_message(bounds: Bounds) -> str:
    return (
        f"document needs more than {bounds.max_memory_mb} MB to read; stopped "
        "(limit extract.max_memory_mb)"
    )


_WORKER = _Worker()
atexit.register(_WORKER.stop)

if __name__ == "__main__":
    _serve()
