"""`monitor serve`'s app on a real uvicorn (127.0.0.1, a free port, a background thread):
the API against the CLI, errors, refusal of paths, methods, caching and invalidation."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.edges.clock import utc_now
from monitor.service.app import create_app
from tests.conftest import IRAQ_SEED, TAJIKISTAN_SEED
from tests.helpers import IRAQ, import_files, opened_files, run_cli, write_config
from tests.helpers import IRAQ_LATER as LATER
from tests.helpers import IRAQ_REVISED as REVISED
from tests.servers import uvicorn_thread

PAIRS = [
    ("2015-03-06", "latest"),
    ("first", "2016-01-10.r1"),
    ("2016-01-10.r1", "2016-01-10.r2"),
    ("previous", "latest"),
    ("latest", "first"),
    ("latest~2", "latest~2"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A store with Iraq (three versions, one a revision) and Tajikistan, served."""
    root = tmp_path_factory.mktemp("served")
    write_config(root)
    import_files(root, ("iraq-2016.txt", LATER))
    import_files(root, ("iraq-2016-r2.txt", REVISED))
    assert run_cli("import", str(IRAQ_SEED), str(TAJIKISTAN_SEED), cwd=root).returncode == 0
    app = create_app(load_config(root / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        yield root, base


def cli_out(root: Path, *args: str) -> str:
    result = run_cli(*args, cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_diff_api_is_what_the_cli_prints(site, old, new):
    root, base = site
    response = httpx.get(f"{base}/api/countries/iraq/diff/{old}/{new}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == cli_out(root, "diff", "iraq", old, new, "--format", "json")


def test_lists_and_snapshots_are_what_the_cli_prints(site):
    root, base = site
    assert httpx.get(f"{base}/api/countries").text == cli_out(root, "list", "--format", "json")
    for query in ("iraq", "IQ", "Tajikistan"):
        assert httpx.get(f"{base}/api/countries/{query}").text == cli_out(
            root, "list", query, "--format", "json"
        )
    for ref in ("first", "2016-01-10", "2016-01-10.r1", "latest~1"):
        assert httpx.get(f"{base}/api/countries/iraq/snapshots/{ref}").text == cli_out(
            root, "show", "iraq", ref, "--format", "json"
        )
    health = httpx.get(f"{base}/api/health").json()
    assert health["status"] == "ok"
    assert health["countries"] == 2


@pytest.mark.parametrize(
    ("path", "cli_args"),
    [
        ("/api/countries/irak/diff/first/latest", ("diff", "irak", "first", "latest")),
        ("/api/countries/iraq/diff/2014-01-01/latest", ("diff", "iraq", "2014-01-01", "latest")),
        ("/api/countries/iraq/snapshots/latest~9", ("show", "iraq", "latest~9")),
        ("/api/countries/narnia", ("list", "narnia")),
    ],
)
def test_unknown_country_or_ref_is_404_with_the_cli_message(site, path, cli_args):
    root, base = site
    cli = run_cli(*cli_args, cwd=root)
    assert cli.returncode == 1
    response = httpx.get(base + path)
    assert response.status_code == 404
    assert response.json() == {"error": cli.stderr.removeprefix("error: ").rstrip("\n")}
    page = httpx.get(base + path.removeprefix("/api"))
    if "/snapshots/" not in path:  # the pages have no snapshot route
        assert page.status_code == 404
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert cli.stderr.removeprefix("error: ").strip().replace("'", "&#39;") in page.text


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    """GET exactly this target, not normalised by a client library."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "target",
    [
        "/api/countries/iraq/diff/config.toml/latest",
        "/api/countries/iraq/diff/iraq-2016.txt/latest",
        "/api/countries/iraq/diff/%2Fetc%2Fhostname/latest",
        "/api/countries/iraq/diff/latest/..%2F..%2Fconfig.toml",
        "/api/countries/..%2Fconfig.toml/diff/first/latest",
        "/api/countries/iraq/snapshots/..%2F..%2Fconfig.toml",
        "/countries/iraq/diff/%2Fetc%2Fhostname/latest",
        "/reports/../config.toml",
        "/reports/../",
        "/api/../config.toml",
        "/countries/%2e%2e/config.toml",
        "/countries/iraq%5c..%5cconfig.toml",
    ],
)
def test_a_ref_is_never_a_file_path(site, target):
    root, base = site
    with opened_files() as opened:
        status, body = raw_get(base, target)
    assert status == 404, body
    assert "/etc/hostname" not in opened
    inside = [p for p in opened if Path(p).resolve().is_relative_to(root)]
    assert all(Path(p).resolve().is_relative_to(root / "snapshots") for p in inside), inside
    # what those files hold is nowhere in the answer
    assert b"[storage]" not in body
    assert b"CYBERWELLNESS PROFILE" not in body.upper()
    assert Path("/etc/hostname").read_bytes().strip() not in body


def test_the_cli_reads_that_file_the_service_does_not(site):
    """The reason for the rule: `monitor diff` compares a local file; over HTTP it is a 404."""
    root, base = site
    with opened_files() as by_cli:
        cli = run_cli("diff", "iraq", "iraq-2016.txt", "latest", "--format", "json", cwd=root)
    assert cli.returncode == 0
    assert json.loads(cli.stdout)["old"]["ref"] == "iraq-2016.txt"
    assert any(Path(p).name == "iraq-2016.txt" for p in by_cli)  # the audit hook sees opens
    with opened_files() as by_service:
        response = httpx.get(f"{base}/api/countries/iraq/diff/iraq-2016.txt/latest")
    assert not any(Path(p).name == "iraq-2016.txt" for p in by_service)
    assert response.status_code == 404
    assert response.json()["error"].startswith("iraq: no snapshot 'iraq-2016.txt'; stored: ")


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/api/countries", "/api/countries/iraq/diff/first/latest"])
def test_nothing_but_get(site, method, path):
    _, base = site
    response = httpx.request(method, base + path)
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    if path.startswith("/api"):
        assert response.json() == {
            "error": f"{method} is not allowed: this service is read-only (GET)"
        }


def test_conditional_requests_and_cache_lifetimes(site):
    _, base = site
    url = f"{base}/api/countries/iraq/diff/2016-01-10.r1/2016-01-10.r2"
    first = httpx.get(url)
    tag = first.headers["etag"]
    assert tag.startswith('"')  # strong
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = httpx.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert httpx.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    # the same two snapshots named another way: the same bytes, the same tag
    same = httpx.get(f"{base}/api/countries/IQ/diff/latest~1/latest")
    assert same.content == first.content
    assert same.headers["etag"] == tag
    assert same.headers["cache-control"] == "public, max-age=60"
    dated = httpx.get(f"{base}/api/countries/iraq/diff/2015-03-06/2016-01-10")
    assert dated.headers["cache-control"] == "public, max-age=86400"
    assert dated.headers["etag"] != tag
    by_month = httpx.get(f"{base}/api/countries/iraq/diff/2015/2016-01")  # newest dated within
    assert by_month.headers["cache-control"] == "public, max-age=86400"
    assert by_month.content == dated.content
    page = httpx.get(f"{base}/countries/iraq/diff/2016-01-10.r1/2016-01-10.r2")
    assert page.headers["etag"] != tag  # another representation, another tag
    snapshot = httpx.get(f"{base}/api/countries/iraq/snapshots/first")
    assert (
        httpx.get(snapshot.url, headers={"If-None-Match": snapshot.headers["etag"]}).status_code
        == 304
    )


def test_head_answers_headers_only(site):
    _, base = site
    response = httpx.head(f"{base}/api/countries/iraq/diff/first/latest")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 1000


def test_openapi_describes_every_api_route(site):
    from openapi_spec_validator import validate

    _, base = site
    spec = httpx.get(f"{base}/api/openapi.json").json()
    validate(spec)
    app = create_app(load_config(site[0] / "config.toml"), utc_now, access_log=False)
    starlette_app = app
    while not hasattr(starlette_app, "routes"):  # behind the headers and the path guard
        starlette_app = starlette_app.app
    api_routes = {r.path for r in starlette_app.routes if r.path.startswith("/api")}
    assert set(spec["paths"]) == api_routes


def test_pages_are_served_live(site):
    _, base = site
    index = httpx.get(base + "/")
    assert index.status_code == 200
    assert 'href="countries/iraq.html"' in index.text
    country = httpx.get(f"{base}/countries/iraq.html")
    assert "Iraq: profile history" in country.text
    assert "2016-01-10.r2" in country.text
    by_code = httpx.get(f"{base}/countries/IRQ").text
    assert by_code.count('<section id="current">') == 1  # the state now, then 3 versions
    assert by_code.count("<section") == 4
    feed = httpx.get(f"{base}/feed.atom")
    assert feed.headers["content-type"] == "application/atom+xml"
    # no [serve] base_url: relative links, never the address the request came to
    assert 'href="countries/iraq.html#2016-01-10.r2"' in feed.text
    assert "127.0.0.1" not in feed.text
    week = index.text.split('<ul id="weeks"><li><a href="')[1].split('"')[0]
    digest = httpx.get(f"{base}/weeks/{week.removesuffix('.html')}", follow_redirects=True)
    assert digest.status_code == 200
    assert digest.url.path == f"/{week}"
    assert "Iraq" in digest.text
    for bad in ("/weeks/2026-W99", "/weeks/last-week", "/nothing.html"):
        assert httpx.get(base + bad, follow_redirects=True).status_code == 404
    overview = httpx.get(f"{base}/overview")  # rendered live, like the other pages
    assert overview.status_code == 200
    assert 'href="countries/iraq.html' in overview.text


def test_the_cache_follows_the_store(tmp_path):
    """A running service sees a new snapshot at once, and a snapshot file replaced on disk."""
    from monitor.core.jsonform import dumps, loads
    from monitor.edges.files import write_atomic

    write_config(tmp_path)
    import_files(tmp_path, ("iraq-2015.txt", IRAQ))
    app = create_app(load_config(tmp_path / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        url = f"{base}/api/countries/iraq/diff/first/latest"
        before = httpx.get(url)
        assert before.json()["changes"] == []
        assert "2016-01-10" not in httpx.get(f"{base}/countries/iraq").text
        import_files(tmp_path, ("iraq-2016.txt", LATER))
        page = httpx.get(f"{base}/countries/iraq").text
        assert '<section id="2016-01-10">' in page
        assert "IQ-CERT" in page
        after = httpx.get(url, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        assert len(after.json()["changes"]) == 6
        assert after.text == cli_out(
            tmp_path, "diff", "iraq", "first", "latest", "--format", "json"
        )
        # a snapshot file replaced (as a repair would): the next answer shows the new file
        snapshot = tmp_path / "snapshots" / "iraq" / "2015-03-06.json"
        data = loads(snapshot.read_bytes())
        data["source"]["file"] = "/archive/iraq-2015-scan.txt"
        write_atomic(snapshot, dumps(data).encode())
        shown = httpx.get(f"{base}/api/countries/iraq/snapshots/first").json()
        assert shown["source"]["file"] == "iraq-2015-scan.txt"  # by name: its folder is private
        assert httpx.get(url).json()["old"]["source"] == "iraq-2015-scan.txt"


def test_caches_are_bounded_and_keep_the_recently_used():
    from monitor.service.cache import Bounded

    cache: Bounded[str, int] = Bounded(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now b is the least recently used
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)
    assert cache.get_or_make("d", lambda: 4) == 4
    assert cache.get("a") is None


def test_a_damaged_state_file_is_reported_not_repaired(tmp_path):
    """The CLI sets a damaged .state.json aside and rebuilds it; the service only reads."""
    write_config(tmp_path)
    import_files(tmp_path, ("iraq-2015.txt", IRAQ))
    state = tmp_path / "snapshots" / ".state.json"
    assert state.is_file()
    state.write_text("{not json")
    app = create_app(load_config(tmp_path / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        listed = httpx.get(f"{base}/api/countries").json()
        assert listed[0]["slug"] == "iraq"
        assert listed[0]["error"].endswith(
            "state.json is damaged (JSONDecodeError: Expecting"
            " property name enclosed in double quotes: line 1"
            " column 2 (char 1))"
        )
        assert httpx.get(f"{base}/api/countries/IQ/diff/first/latest").status_code == 200
    assert state.read_text() == "{not json"
    assert list(state.parent.glob("*.corrupt-*")) == []


@settings(max_examples=80, deadline=None)
@given(
    country=st.text(min_size=1, max_size=120).filter(lambda t: t.strip()),
    ref=st.text(min_size=1, max_size=60),
)
def test_bad_input_is_4xx_never_500(site, country, ref):
    _, base = site
    response = httpx.get(
        f"{base}/api/countries/{quote(country, safe='')}/diff/{quote(ref, safe='')}/latest"
    )
    assert response.status_code in (200, 404), response.text
    if response.status_code == 404:
        assert set(response.json()) == {"error"}
        assert "Traceback" not in response.text


def test_a_corrupt_snapshot_is_500_without_paths(tmp_path):
    write_config(tmp_path)
    import_files(tmp_path, ("iraq-2015.txt", IRAQ))
    (tmp_path / "snapshots" / "iraq" / "2015-03-06.json").write_text('{"schema": 1}')
    app = create_app(load_config(tmp_path / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        response = httpx.get(f"{base}/api/countries/iraq/snapshots/latest")
    assert response.status_code == 500
    assert response.json() == {"error": "the store could not be read; see the log"}


@pytest.mark.parametrize(("weeks", "shown"), [(2, False), (3, True)])
def test_the_served_feed_holds_the_configured_weeks(tmp_path, weeks, shown):
    """``reports.feed_weeks`` bounds the served feed as it bounds the written one."""
    from datetime import timedelta

    from tests.reportdata import DURING, build

    world = build(tmp_path, reports={"feed_weeks": weeks})
    later = DURING + timedelta(days=14)  # two weeks after the changes were seen
    app = create_app(world.config, lambda: later, access_log=False)
    with uvicorn_thread(app) as base:
        feed = httpx.get(f"{base}/feed.atom")
    assert feed.status_code == 200
    assert feed.text.count("<entry>") == (len(world.changed) + 1 if shown else 0)


def test_the_feed_by_query_holds_only_what_it_selects_titled_by_what_changed(site):
    import xml.etree.ElementTree as ET

    _, base = site
    ns = {"a": "http://www.w3.org/2005/Atom"}

    def titles(**query: str) -> list[str]:
        answer = httpx.get(f"{base}/feed.atom", params=query)
        assert answer.status_code == 200, answer.text
        feed = ET.fromstring(answer.text)
        return [e.find("a:title", ns).text for e in feed.findall("a:entry", ns)]

    assert titles(country="IQ", field="national_cirt") == [
        "Iraq: national CIRT no → yes (Iraq has an officially recognized national CIRT "
        "called IQ-CERT.)"
    ]
    assert sorted(titles(country="iraq", kind="figure")) == [
        "Iraq: population 33 703 000 → 36 004 552 (+2 301 552, +6.8 %)",
        "Iraq: population 36 004 552 → 36 100 000 (+95 448, +0.3 %)",
    ]
    assert titles(country="region:africa") == []
    everything = httpx.get(f"{base}/feed.atom").text
    assert "Iraq: national CIRT no → yes" in everything  # the whole feed says what changed too
    refused = httpx.get(f"{base}/feed.atom", params={"kind": "laws"})
    assert refused.status_code == 400 and "is not one of indicator, status" in refused.text
