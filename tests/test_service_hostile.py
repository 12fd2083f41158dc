"""What one hostile client can send the service (real uvicorn on 127.0.0.1): a forged Host,
too many or too large headers; and what every answer carries whatever it is asked: links
from the configuration only, security headers, a CSP that allows the pages' own inline
elements and nothing else."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from monitor.config import load_config
from monitor.edges.clock import utc_now
from monitor.service.app import create_app
from monitor.service.server import Throttle
from tests.conftest import IRAQ_SEED, TAJIKISTAN_SEED
from tests.helpers import IRAQ_LATER as LATER
from tests.helpers import import_files, run_cli, write_config
from tests.servers import uvicorn_thread

EVIL = "evil.example"
PUBLIC = "https://cyber.example.org/monitor/"


def served(root, extra: str = "", clock=utc_now):
    write_config(root, extra)
    import_files(root, ("iraq-2016.txt", LATER))
    assert run_cli("import", str(IRAQ_SEED), str(TAJIKISTAN_SEED), cwd=root).returncode == 0
    return create_app(load_config(root / "config.toml"), clock, access_log=False)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """No base_url, no allowed hosts: relative links, any Host answered."""
    with uvicorn_thread(served(tmp_path_factory.mktemp("plain"))) as base:
        yield base


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    """A published service: one base_url (in [serve]), one allowed host."""
    extra = f'[serve]\nbase_url = "{PUBLIC}"\nallowed_hosts = ["cyber.example.org", "127.0.0.1"]\n'
    with uvicorn_thread(served(tmp_path_factory.mktemp("public"), extra)) as base:
        yield base


def targets(base: str) -> list[str]:
    week = httpx.get(base + "/").text.split('<ul id="weeks"><li><a href="')[1].split('"')[0]
    return [
        "/",
        "/index.html",
        "/overview",
        "/overview.html",
        "/feed.atom",
        "/countries/iraq",
        "/countries/iraq.html",
        "/countries/iraq/diff/first/latest",
        f"/weeks/{week.removesuffix('.html')}",
        f"/{week}",
        "/api/health",
        "/api/openapi.json",
        "/api/countries",
        "/api/countries/iraq",
        "/api/countries/iraq/snapshots/latest",
        "/api/countries/iraq/diff/first/latest",
        "/search?q=CIRT",
        "/api/search?q=CIRT",
        "/api/changes",
        "/api/overview",
        "/feed.atom?country=IQ",
        "/nothing",
        "/api/nothing",
        "/countries/irak",
    ]


def raw(base: str, request: bytes) -> bytes:
    """Send exactly these bytes; the whole answer (the server closes or says its length)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer:
                head, _, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length: *(\d+)", head)
                if length and len(body) >= int(length.group(1)):
                    break
        return answer


@pytest.mark.parametrize("fixture", ["plain", "public"])
def test_a_forged_host_never_appears_in_an_answer(request, fixture):
    base = request.getfixturevalue(fixture)
    forgeries = [{"Host": EVIL, "X-Forwarded-Host": EVIL, "Forwarded": f"host={EVIL}"}]
    if fixture == "public":  # an allowed Host, with a forwarded one beside it
        forgeries.append({"Host": "127.0.0.1", "X-Forwarded-Host": EVIL})
    for target in targets(base):
        for forged in forgeries:
            answer = httpx.get(base + target, headers=forged)
            shown = str(answer.headers) + answer.text
            assert EVIL not in shown, (target, forged)
            if fixture == "public" and forged["Host"] == EVIL:
                assert answer.status_code == 400, target  # not an allowed host
            else:
                assert answer.status_code in (200, 308, 404), target


def test_links_come_from_the_configured_base_url(plain, public):
    assert 'href="countries/iraq.html#' in httpx.get(plain + "/feed.atom").text
    feed = httpx.get(public + "/feed.atom", headers={"Host": "127.0.0.1"}).text
    assert f'href="{PUBLIC}countries/iraq.html#' in feed
    assert f'<link rel="self" href="{PUBLIC}feed.atom"/>' in feed
    assert "127.0.0.1" not in feed
    assert httpx.get(public + "/weeks/2026-W01").headers["location"] == "/2026-W01.html"


def test_every_answer_has_security_headers_and_pages_a_strict_csp(plain):
    for target in targets(plain):
        answer = httpx.get(plain + target, follow_redirects=True)
        assert answer.headers["x-content-type-options"] == "nosniff", target
        assert answer.headers["referrer-policy"] == "no-referrer", target
        if not answer.headers["content-type"].startswith("text/html"):
            continue
        policy = dict(
            part.strip().split(" ", 1)
            for part in answer.headers["content-security-policy"].split(";")
        )
        assert policy["default-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["form-action"] == "'self'"  # the search form, to this service only
        assert "unsafe" not in answer.headers["content-security-policy"]
        # exactly the page's own inline elements are allowed, by hash
        for kind in ("script", "style"):
            inline = re.findall(rf"<{kind}>(.*?)</{kind}>", answer.text, re.S)
            hashes = {
                "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
                for b in inline
            }
            assert set(policy[f"{kind}-src"].split()) == (hashes or {"'none'"}), (target, kind)
    overview = httpx.get(plain + "/overview").text
    assert overview.count("<script>") == 1  # the optional find/filter/sort


def test_too_many_or_too_large_headers_are_refused(plain):
    host = urlsplit(plain).netloc.encode()
    many = b"".join(b"X-%d: 1\r\n" % n for n in range(101))
    answer = raw(plain, b"GET /api/health HTTP/1.1\r\nHost: " + host + b"\r\n" + many + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"error": "more than 100 request headers"' in answer
    large = b"X-Large: " + b"a" * 9000 + b"\r\n"
    answer = raw(plain, b"GET /api/health HTTP/1.1\r\nHost: " + host + b"\r\n" + large + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")  # whole in one read: counted by the app
    assert b"request headers larger than 8192 bytes" in answer
    # a few KB of ordinary headers are fine
    fine = b"".join(b"X-%d: %s\r\n" % (n, b"v" * 60) for n in range(90))
    answer = raw(plain, b"GET /api/health HTTP/1.1\r\nHost: " + host + b"\r\n" + fine + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_whole_store_answers_are_cached_until_the_store_changes(tmp_path):
    now = utc_now()
    app = served(tmp_path, clock=lambda: now)  # one minute throughout: only the store changes
    cache = app.app.app.state.service.wholes  # access log off: Hardened → PathGuard → Starlette
    with uvicorn_thread(app) as base:
        first = httpx.get(base + "/api/countries").json()
        for _ in range(3):
            assert httpx.get(base + "/api/countries").json() == first
        assert (cache.misses, cache.hits) == (1, 3)
        import_files(tmp_path, ("other.txt", LATER.replace("36 004 552", "36 100 000")))
        again = httpx.get(base + "/api/countries").json()
    assert [c["snapshots"] for c in again if c["slug"] == "iraq"] == [
        ["2015-03-06", "2016-01-10", "2016-01-10.r2"]
    ]
    assert cache.misses == 2


def test_loop_errors_are_logged_at_most_once_a_second_with_a_count(caplog):
    throttle = Throttle(every=3600)
    for _ in range(1000):
        throttle("socket.accept() out of system resource: [Errno 24] Too many open files")
    throttle.last -= 3600  # an hour later
    throttle("socket.accept() out of system resource: [Errno 24] Too many open files")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert lines[1].endswith("(999 more like it in the last 3600 s)")
