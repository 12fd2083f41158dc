"""Fetching over real HTTP from servers on 127.0.0.1: outcomes, conditional GET, faults."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug import Request, Response

from monitor.config import parse_config
from monitor.core.snapshot import Outcome
from monitor.edges.store import Store
from monitor.pipeline.fetching import fetch_all
from monitor.pipeline.stop import Stop
from tests.conftest import IRAQ_SEED, TAJIKISTAN_SEED, seed_text
from tests.helpers import IRAQ, edited, started_processes
from tests.pdfs import text_to_pdf
from tests.servers import InFlight, resetting_server

TAJIK = seed_text(TAJIKISTAN_SEED)
IRAQ_PDF = text_to_pdf(IRAQ)


def clock() -> datetime:
    return datetime.now(UTC)


def make(tmp_path: Path, sources: dict[str, str], **fetch):
    settings = {"timeout": 2, "retries": 2, "backoff": 0.05, "lock_timeout": 10, **fetch}
    config = parse_config(
        {
            "storage": {"snapshots": str(tmp_path / "snapshots"), "reports": str(tmp_path / "r")},
            "fetch": settings,
            "sources": {"extra": [{"country": c, "url": u} for c, u in sources.items()]},
        },
        None,
    )
    return config, Store(config.storage.snapshots, lock_timeout=10)


def titled(country: str) -> str:
    """The Iraq seed as another country's profile: a document's title names its country."""
    return IRAQ.replace("REPUBLIC OF IRAQ", country.upper())


def run(config, store):
    results = fetch_all(config, store, config.sources, clock=clock)
    return {r.country: r for r in results}


def tree_digest(directory: Path) -> dict[str, str]:
    """Every stored file except state.json, by content: to prove nothing stored changed."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.name != "state.json"
    }


def conditional(body: bytes, content_type: str, etag: str, seen: list):
    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=content_type, headers={"ETag": etag})

    return handler


def test_new_then_not_modified_then_changed(server, tmp_path):
    iraq_seen: list = []
    tajik_html = (
        "<!DOCTYPE html><html><body>"
        + "".join(f"<p>{line}</p>" for line in TAJIK.splitlines() if line.strip())
        + "</body></html>"
    )
    server.expect_request("/Iraq.pdf").respond_with_handler(
        conditional(IRAQ_PDF, "application/pdf", '"v1"', iraq_seen)
    )
    server.expect_request("/Tajikistan.html").respond_with_handler(
        conditional(tajik_html.encode(), "text/html; charset=utf-8", '"t1"', [])
    )
    config, store = make(
        tmp_path,
        {"Iraq": server.url_for("/Iraq.pdf"), "Tajikistan": server.url_for("/Tajikistan.html")},
    )
    first = run(config, store)
    assert first["Iraq"].outcome == Outcome.NEW
    assert first["Tajikistan"].outcome == Outcome.NEW
    snap = store.load(store.find_ref("iraq", "latest"))
    assert snap.profile.background.population.value == 33_703_000
    assert snap.source.url == server.url_for("/Iraq.pdf")
    assert (store.root / "iraq" / "2015-03-06.pdf").read_bytes() == IRAQ_PDF
    assert store.load(store.find_ref("tajikistan", "latest")).profile.sections["1.1.2"].items[
        0
    ] == ("Law on Information")
    assert "cyberwellness-monitor" in iraq_seen[0]["User-Agent"]

    with started_processes() as started:
        second = run(config, store)
    assert second["Iraq"].outcome == Outcome.NOT_MODIFIED
    assert iraq_seen[-1]["If-None-Match"] == '"v1"'
    assert started == [], "a run of 304s has nothing to read: no reader child"

    server.clear()
    later = edited(IRAQ, ("6th March 2015", "10th January 2016"), ("9.20%", "17.22%"))
    server.expect_request("/Iraq.pdf").respond_with_handler(
        conditional(text_to_pdf(later), "application/pdf", '"v2"', iraq_seen)
    )
    server.expect_request("/Tajikistan.html").respond_with_handler(
        conditional(tajik_html.encode(), "text/html", '"t1"', [])
    )
    with started_processes() as started:
        third = run(config, store)
    assert (third["Iraq"].outcome, third["Iraq"].ref) == (Outcome.NEW, "2016-01-10")
    assert ["monitor.edges.reading" in command for command in started] == [True]
    assert [r.name for r in store.refs("iraq")] == ["2015-03-06", "2016-01-10"]
    state = store.read_state("iraq")
    assert state.etag == '"v2"'
    assert state.consecutive_failures == 0


def test_same_date_new_content_is_a_revision_and_last_modified_is_used(server, tmp_path):
    seen: list = []
    stamp = "Wed, 21 Oct 2015 07:28:00 GMT"

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("If-Modified-Since"))
        return Response(BODY[0], content_type="text/plain", headers={"Last-Modified": stamp})

    BODY = [IRAQ.encode()]
    server.expect_request("/Iraq.txt").respond_with_handler(handler)
    config, store = make(tmp_path, {"Iraq": server.url_for("/Iraq.txt")})
    assert run(config, store)["Iraq"].outcome == Outcome.NEW
    assert run(config, store)["Iraq"].outcome == Outcome.UNCHANGED
    assert seen == [None, stamp]
    BODY[0] = edited(IRAQ, ("9.20%", "9.90%")).encode()
    result = run(config, store)["Iraq"]
    assert (result.outcome, result.ref) == (Outcome.REVISED, "2015-03-06.r2")


# -- faults: each gives one clear error for its country; the others go on; nothing stored changes


@pytest.fixture
def stored(server, tmp_path):
    """A store that already holds Iraq, and a healthy Tajikistan source beside the faulty one."""
    server.expect_request("/Tajikistan.txt").respond_with_data(TAJIK, content_type="text/plain")
    config, store = make(tmp_path, {"Iraq": server.url_for("/Iraq.pdf")})
    server.expect_request("/Iraq.pdf").respond_with_data(IRAQ_PDF, content_type="application/pdf")
    assert run(config, store)["Iraq"].outcome == Outcome.NEW
    server.clear()
    server.expect_request("/Tajikistan.txt").respond_with_data(TAJIK, content_type="text/plain")
    return store, tree_digest(store.root / "iraq")


def faulty(tmp_path, server, iraq_url: str, **fetch):
    return make(
        tmp_path, {"Iraq": iraq_url, "Tajikistan": server.url_for("/Tajikistan.txt")}, **fetch
    )[0]


def check_failed(results, store, before, message: str):
    assert results["Iraq"].outcome == Outcome.ERROR
    assert message in results["Iraq"].error, results["Iraq"].error
    assert results["Tajikistan"].outcome == Outcome.NEW
    assert tree_digest(store.root / "iraq") == before
    state = store.read_state("iraq")
    assert state.consecutive_failures == 1
    assert message in state.last_error
    assert state.failing_since is not None


def test_500_twice_then_200_is_retried(server, tmp_path, stored):
    store, _ = stored
    calls = []

    def flaky(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) <= 2:
            return Response("oops", status=500)
        return Response(edited(IRAQ, ("9.20%", "9.50%")), content_type="text/plain")

    server.expect_request("/Iraq.txt").respond_with_handler(flaky)
    config = faulty(tmp_path, server, server.url_for("/Iraq.txt"))
    results = run(config, store)
    assert len(calls) == 3
    assert results["Iraq"].outcome == Outcome.REVISED
    assert results["Iraq"].attempts == 3
    assert results["Tajikistan"].outcome == Outcome.NEW


def test_503_with_retry_after_is_honoured(server, tmp_path, stored):
    store, _ = stored
    calls = []

    def busy(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Response("busy", status=503, headers={"Retry-After": "1"})
        return Response(IRAQ_PDF, content_type="application/pdf")

    server.expect_request("/Iraq.pdf").respond_with_handler(busy)
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf")), store)
    assert results["Iraq"].outcome == Outcome.UNCHANGED
    assert calls[1] - calls[0] >= 1.0  # waited as asked, not the 0.05 s backoff


def test_503_for_good_gives_up_with_the_status(server, tmp_path, stored):
    store, before = stored
    server.expect_request("/Iraq.pdf").respond_with_data("down", status=503)
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf")), store)
    check_failed(results, store, before, "HTTP 503 SERVICE UNAVAILABLE from")
    assert "(after 3 attempts)" in results["Iraq"].error


def test_read_that_hangs_past_the_timeout(server, tmp_path, stored):
    store, before = stored

    answered = threading.Event()
    release = threading.Event()

    def hang(request: Request) -> Response:
        release.wait(10)
        answered.set()
        return Response(IRAQ_PDF, content_type="application/pdf")

    server.expect_request("/Iraq.pdf").respond_with_handler(hang)
    config = faulty(tmp_path, server, server.url_for("/Iraq.pdf"), timeout=1, retries=0)
    results = run(config, store)
    release.set()  # the server answers now, so the next test's server log never sees it
    assert answered.wait(10)
    check_failed(results, store, before, "timed out reading from")


def test_connection_reset_mid_body(server, tmp_path, stored):
    store, before = stored
    with resetting_server() as url:
        results = run(faulty(tmp_path, server, url), store)
    check_failed(results, store, before, "connection broken mid-response")


def endless(produced: list, **response):
    """A handler that answers 200 MB, 64 KiB at a time, counting in ``produced`` what it
    made: a server sends only what its client reads, so the count bounds what was read."""

    def handler(request: Request) -> Response:
        def chunks():
            for _ in range(3200):
                produced.append(1)
                yield b"x" * 65536

        return Response(chunks(), **response)

    return handler


def test_body_larger_than_max_bytes_is_aborted_early(server, tmp_path, stored):
    store, before = stored
    produced: list = []
    server.expect_request("/Iraq.pdf").respond_with_handler(
        endless(produced, content_type="application/pdf")
    )
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf"), max_bytes=1_000_000), store)
    check_failed(results, store, before, "more than the 1000000 bytes allowed; stopped reading")
    time.sleep(0.2)
    assert len(produced) * 65536 < 20_000_000  # the server could send only what we read


def test_declared_length_over_the_cap_is_refused_before_reading(server, tmp_path, stored):
    store, before = stored
    server.expect_request("/Iraq.pdf").respond_with_data(
        b"%PDF-" + b"x" * 2_000_000, content_type="application/pdf"
    )
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf"), max_bytes=1_000_000), store)
    check_failed(results, store, before, "bytes, more than the 1000000 allowed")


def test_404_is_not_retried(server, tmp_path, stored):
    store, before = stored
    server.expect_request("/Iraq.pdf").respond_with_data("gone", status=404)
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf")), store)
    check_failed(results, store, before, "HTTP 404 NOT FOUND from")
    assert sum(1 for req, _ in server.log if req.path == "/Iraq.pdf") == 1


def test_redirect_loop(server, tmp_path, stored):
    store, before = stored
    server.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    results = run(faulty(tmp_path, server, server.url_for("/a")), store)
    check_failed(results, store, before, "too many redirects (more than 5)")


def test_redirect_followed_within_http(server, tmp_path, stored):
    store, _ = stored
    server.expect_request("/old.pdf").respond_with_data(
        "", status=301, headers={"Location": "/new/Iraq.pdf"}
    )
    server.expect_request("/new/Iraq.pdf").respond_with_data(
        IRAQ_PDF, content_type="application/pdf"
    )
    results = run(faulty(tmp_path, server, server.url_for("/old.pdf")), store)
    assert results["Iraq"].outcome == Outcome.UNCHANGED


def test_a_redirect_with_an_endless_body_is_cut_off(server, tmp_path, stored):
    store, before = stored
    produced: list = []
    server.expect_request("/Iraq.pdf").respond_with_handler(
        endless(produced, status=302, headers={"Location": "/new/Iraq.pdf"})
    )
    server.expect_request("/new/Iraq.pdf").respond_with_data(
        IRAQ_PDF, content_type="application/pdf"
    )
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf")), store)
    check_failed(results, store, before, "has a body of more than 65536 bytes; stopped reading")
    assert len(produced) * 65536 < 20_000_000  # the server could send only what we read
    assert not any(req.path == "/new/Iraq.pdf" for req, _ in server.log)


def test_redirect_to_file_is_refused(server, tmp_path, stored):
    store, before = stored
    server.expect_request("/Iraq.pdf").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf")), store)
    check_failed(results, store, before, "to file:///etc/passwd refused")


def test_html_error_page_with_200_where_a_pdf_was_expected(server, tmp_path, stored):
    store, before = stored
    page = "<html><head><title>Page not available</title></head><body>Sorry</body></html>"
    server.expect_request("/Iraq.pdf").respond_with_data(page, content_type="application/pdf")
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.pdf")), store)
    check_failed(results, store, before, "expected a PDF but got an HTML page (Page not available)")


def test_a_page_that_is_not_a_profile(server, tmp_path, stored):
    store, before = stored
    server.expect_request("/Iraq.html").respond_with_data(
        "<html><body><h1>Welcome to ITU</h1></body></html>", content_type="text/html"
    )
    results = run(faulty(tmp_path, server, server.url_for("/Iraq.html")), store)
    check_failed(results, store, before, "not a Cyberwellness Profile")


def test_failures_are_counted_until_a_success(server, tmp_path, stored):
    store, _ = stored
    server.expect_request("/Iraq.pdf").respond_with_data("gone", status=404)
    config = faulty(tmp_path, server, server.url_for("/Iraq.pdf"))
    run(config, store)
    first_since = store.read_state("iraq").failing_since
    run(config, store)
    state = store.read_state("iraq")
    assert (state.consecutive_failures, state.failing_since) == (2, first_since)
    server.clear()
    server.expect_request("/Iraq.pdf").respond_with_data(IRAQ_PDF, content_type="application/pdf")
    server.expect_request("/Tajikistan.txt").respond_with_data(TAJIK, content_type="text/plain")
    run(config, store)
    state = store.read_state("iraq")
    assert (state.consecutive_failures, state.failing_since, state.last_error) == (0, None, None)


def test_concurrency_limit(server, tmp_path):
    import pycountry

    flight = InFlight()

    def slow(name: str):  # each country's own document: its title names it
        def respond(request: Request) -> Response:
            with flight:
                time.sleep(0.2)
            return Response(titled(name), content_type="text/plain")

        return respond

    names = [c.name for c in list(pycountry.countries)[:20]]
    for index, name in enumerate(names):
        server.expect_request(f"/{index}.txt").respond_with_handler(slow(name))
    config, store = make(
        tmp_path,
        {name: server.url_for(f"/{i}.txt") for i, name in enumerate(names)},
        concurrency=10,
    )
    results = run(config, store)
    assert all(r.outcome == Outcome.NEW for r in results.values()), results
    assert flight.peak == 10  # ten at once, never more: about 2 rounds, not 20
    assert len(store.countries()) == 20


def test_unknown_country_on_the_command_line(tmp_path):
    from monitor.errors import MonitorError
    from monitor.pipeline.fetching import sources_named

    config, _ = make(tmp_path, {"Iraq": "http://127.0.0.1:9/Iraq.pdf"})
    assert [s.country for s in sources_named(config, ["IQ"])] == ["Iraq"]
    with pytest.raises(MonitorError, match="Narnia: not a configured source"):
        sources_named(config, ["Narnia"])


def test_thread_is_not_left_behind(server, tmp_path):
    server.expect_request("/Iraq.txt").respond_with_data(IRAQ, content_type="text/plain")
    config, store = make(tmp_path, {"Iraq": server.url_for("/Iraq.txt")})
    before = threading.active_count()
    helpers = children()
    run(config, store)
    assert threading.active_count() <= before
    assert children() <= helpers  # the run's reader process is gone


def children() -> set[int]:
    """This process's child processes (Linux)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


def test_seed_file_is_served_as_text(server, tmp_path):
    server.expect_request("/Iraq.txt").respond_with_data(
        IRAQ_SEED.read_bytes(), content_type="text/plain; charset=utf-8"
    )
    config, store = make(tmp_path, {"Iraq": server.url_for("/Iraq.txt")})
    assert run(config, store)["Iraq"].outcome == Outcome.NEW
    assert (store.root / "iraq" / "2015-03-06.txt").read_bytes() == IRAQ_SEED.read_bytes()


def test_one_connection_serves_a_workers_requests(tmp_path, monkeypatch):
    """Against an HTTP/1.1 server that keeps connections open (the demo's), a worker uses one
    connection for all its requests: a 304 must not cost a new one."""
    from monitor.demo.server import Documents, serve

    ports: list[int] = []
    original = socket.socket.connect

    def counting_connect(sock, address):
        ports.append(address[1])
        return original(sock, address)

    documents = Documents()
    names = ["Iraq", "Kenya", "Chile"]
    with serve(documents) as base:
        for name in names:
            documents.set(f"/{name}.txt", titled(name).encode(), "text/plain")
        config, store = make(tmp_path, {n: f"{base}/{n}.txt" for n in names}, concurrency=1)
        monkeypatch.setattr(socket.socket, "connect", counting_connect)
        assert {r.outcome for r in run(config, store).values()} == {Outcome.NEW}
        assert len(ports) == 1
        ports.clear()
        assert {r.outcome for r in run(config, store).values()} == {Outcome.NOT_MODIFIED}
        assert len(ports) == 1  # one connection for three conditional requests


def test_a_document_of_another_country_is_an_error_naming_both(server, tmp_path):
    """A configured source that serves another country's profile never lands in its history."""
    server.expect_request("/Kenya.pdf").respond_with_data(IRAQ, content_type="text/plain")
    config, store = make(tmp_path, {"Kenya": server.url_for("/Kenya.pdf")})
    result = run(config, store)["Kenya"]
    assert result.outcome == Outcome.ERROR
    assert "the document is the profile of Iraq" in result.error
    assert "not of Kenya" in result.error
    assert store.countries() == []  # no snapshot, no folder
    assert store.read_state("kenya").consecutive_failures == 1


def test_a_stop_request_abandons_the_downloads_under_way(server, tmp_path):
    """The daemon's stop (SIGTERM) reaches the run's event loop when it is set: the download
    under way is abandoned and nothing of it is kept, although the server would answer (in
    30 s, long before the fetch's own timeout)."""
    asked, release = threading.Event(), threading.Event()

    def slow(request: Request) -> Response:
        asked.set()
        release.wait(30)
        return Response(IRAQ, content_type="text/plain")

    server.expect_request("/Iraq.txt").respond_with_handler(slow)
    config, store = make(tmp_path, {"Iraq": server.url_for("/Iraq.txt")}, timeout=3600)
    stop = Stop()
    stopping = threading.Thread(target=lambda: asked.wait(30) and stop.set())
    stopping.start()
    try:
        results = fetch_all(config, store, config.sources, clock=clock, stop=stop)
    finally:
        release.set()
        stopping.join()
    assert results == []
    assert store.countries() == []
