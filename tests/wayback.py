"""A Wayback-compatible archive on 127.0.0.1 for tests, behaving as the Internet Archive's
public API does: the CDX server (JSON rows after a header row, ``filter``, ``collapse``
folding only adjacent duplicates, ``from``/``to`` as timestamp prefixes, ``matchType=prefix``,
a row limit per answer with ``showResumeKey``/``resumeKey``) and ``id_`` playback with
``Memento-Datetime`` (an archived redirect or error keeps its status; a timestamp with no
capture is a 302 to the nearest one, without ``Memento-Datetime``). It can answer 429
without ``Retry-After``, and it counts every request."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import IRAQ, edited
from tests.pdfs import text_to_pdf

# What the archive tests hold: two versions of Iraq's profile, at ITU's address, and the
# page a site serves with a 200 where the document used to be.
ITU = "www.itu.int/en/ITU-D/Cybersecurity/Documents/Country_Profiles"
V1 = IRAQ
V2 = edited(
    IRAQ,
    ("Last updated on 6th March 2015", "Last updated on 10th February 2016"),
    ("Total Population: 33 703 000", "Total Population: 36 004 552"),
    (
        "There is still no nationally recognized CERT in Iraq.",
        "Iraq has an officially recognized national CIRT called IQ-CERT.",
    ),
)
SOFT_404 = (
    b"<!DOCTYPE html><html><head><title>Page not found</title></head><body>Sorry</body></html>"
)


def pdf(text: str, year: int) -> bytes:
    """``text`` as a PDF created on 1 January of ``year`` (other bytes each year)."""
    return text_to_pdf(text, created=datetime(year, 1, 1, tzinfo=UTC))


def canonical(url: str) -> str:
    """How the archive keys a URL (SURT-like): scheme, ``www.`` and ``:80`` do not matter."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = "" if parts.port in (None, 80, 443) else f":{parts.port}"
    return f"{host}{port}{parts.path or '/'}"


def sha1_digest(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


@dataclass
class Archived:
    timestamp: str
    original: str
    body: bytes = b""
    mimetype: str = "application/pdf"
    status: str = "200"  # "-" for a revisit record
    digest: str = ""
    location: str | None = None  # for an archived redirect

    def __post_init__(self) -> None:
        self.digest = self.digest or sha1_digest(self.body)


@dataclass
class Wayback:
    server: HTTPServer
    captures: list[Archived] = field(default_factory=list)
    page_rows: int = 3  # rows per CDX answer before a resume key (the archive's query limit)
    answer_429: int = 0  # this many next requests get 429, without Retry-After
    requests: list[str] = field(default_factory=list)

    def install(self) -> Wayback:
        self.server.expect_request(re.compile(r"^/cdx/search/cdx$")).respond_with_handler(self._cdx)
        self.server.expect_request(re.compile(r"^/web/.*")).respond_with_handler(self._play)
        return self

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def count(self, kind: str) -> int:
        return sum(1 for r in self.requests if r.startswith(kind))

    def _limited(self, request: Request) -> Response | None:
        self.requests.append(request.full_path)
        if self.answer_429 > 0:
            self.answer_429 -= 1
            return Response("Too Many Requests", status=429)  # and no Retry-After
        return None

    def _cdx(self, request: Request) -> Response:
        limited = self._limited(request)
        if limited:
            return limited
        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        wanted = canonical(query["url"])
        prefix = query.get("matchType") == "prefix"
        rows = sorted(
            (
                c
                for c in self.captures
                if (
                    canonical(c.original).startswith(wanted)
                    if prefix
                    else canonical(c.original) == wanted
                )
            ),
            key=lambda c: (canonical(c.original), c.timestamp),
        )
        if "from" in query:
            rows = [c for c in rows if c.timestamp >= query["from"].ljust(14, "0")]
        if "to" in query:
            rows = [c for c in rows if c.timestamp <= query["to"].ljust(14, "9")]
        if "filter" in query:
            name, _, pattern = query["filter"].partition(":")
            rows = [c for c in rows if re.fullmatch(pattern, str(self._field(c, name)))]
        if "collapse" in query:  # only adjacent duplicates, as the real server does
            kept: list[Archived] = []
            for c in rows:
                if not kept or self._field(kept[-1], query["collapse"]) != self._field(
                    c, query["collapse"]
                ):
                    kept.append(c)
            rows = kept
        start = int(query.get("resumeKey", "0"))
        page = rows[start : start + self.page_rows]
        names = query.get("fl", "urlkey,timestamp,original,mimetype,statuscode,digest").split(",")
        out: list[list[str]] = [names, *([str(self._field(c, n)) for n in names] for c in page)]
        if query.get("showResumeKey") == "true" and start + self.page_rows < len(rows):
            out += [[], [str(start + self.page_rows)]]
        return Response(json.dumps(out), content_type="application/json")

    @staticmethod
    def _field(capture: Archived, name: str) -> str:
        if name == "urlkey":
            return canonical(capture.original)
        return str(getattr(capture, {"statuscode": "status"}.get(name, name)))

    def _play(self, request: Request) -> Response:
        limited = self._limited(request)
        if limited:
            return limited
        raw = request.environ.get("RAW_URI") or request.full_path
        match = re.match(r"^/web/(\d{14})id_/(.+)$", unquote(raw))
        if not match:
            return Response("bad request", status=400)
        timestamp, original = match.groups()
        same_url = [c for c in self.captures if canonical(c.original) == canonical(original)]
        exact = [c for c in same_url if c.timestamp == timestamp and c.status != "-"]
        if not exact:
            if not same_url:
                return Response("not in archive", status=404)
            near = min(same_url, key=lambda c: abs(int(c.timestamp) - int(timestamp)))
            return Response(
                status=302,
                headers={
                    "Location": f"{self.url}/web/{near.timestamp}id_/{near.original}",
                    "X-Archive-Redirect-Reason": "found capture at " + near.timestamp,
                },
            )
        capture = exact[0]
        moment = datetime.strptime(capture.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        headers = {"Memento-Datetime": format_datetime(moment, usegmt=True)}
        if capture.location:
            headers["Location"] = capture.location
        return Response(
            capture.body,
            status=int(capture.status),
            headers=headers,
            content_type=capture.mimetype,
        )
