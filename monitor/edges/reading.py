"""The extraction child process (``python -m monitor.edges.reading MB``): reads documents
for ``extraction`` with its address space capped at MB megabytes.

Its own module, importing only what reading needs, so that it starts in a fraction of
the time the monitor's modules would take (a fetch run starts one). Requests come on
stdin (a JSON line, then the document's bytes); each answer is one JSON line on stdout:
``["ok", text or profile]``, ``["error", why]``, ``["parse", why]`` or ``["memory", ""]``.
"""

from __future__ import annotations

import resource
import sys
from typing import Any

from monitor.core.extract import Limits, extract
from monitor.core.jsonform import dumps, loads
from monitor.core.profile import to_dict
from monitor.errors import ExtractError, ParseError


def serve() -> None:
    """Extract each request read from stdin, answer on stdout, until stdin closes."""
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
            from monitor.core.countries import identify

            identify("Iraq")
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


if __name__ == "__main__":
    serve()
