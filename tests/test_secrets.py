"""Nothing published holds a secret or a private path: a source's user name and password
stay in config.toml (stored, shown, exported and served URLs are without them), and a file
imported on this machine is shown elsewhere by its name only."""

from __future__ import annotations

import httpx

from monitor.config import load_config
from monitor.core.snapshot import public_url, scrubbed
from monitor.edges.clock import utc_now
from monitor.service.app import create_app
from tests.helpers import IRAQ, import_files, run_cli, write_config
from tests.helpers import IRAQ_LATER as LATER
from tests.servers import uvicorn_thread

SECRETS = ("s3cret", "analyst")


def everything_written(root) -> str:
    return "\n".join(
        p.read_text(errors="replace")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "config.toml" and p.suffix not in (".txt",)
    )


def test_userinfo_never_leaves_the_config(server, tmp_path):
    conditional = {"If-None-Match": '"v1"'}
    server.expect_request("/Iraq.txt", headers=conditional).respond_with_data("", status=304)
    server.expect_request("/Iraq.txt").respond_with_data(
        IRAQ, content_type="text/plain", headers={"ETag": '"v1"'}
    )
    server.expect_request("/Yemen.txt").respond_with_data("gone", status=404)
    with_secret = server.url_for("/Iraq.txt").replace("http://", "http://analyst:s3cret@")
    failing = server.url_for("/Yemen.txt").replace("http://", "http://analyst:s3cret@")
    write_config(
        tmp_path,
        f'[fetch]\nretries = 0\n[[sources.extra]]\ncountry = "Iraq"\nurl = "{with_secret}"\n'
        f'[[sources.extra]]\ncountry = "Yemen"\nurl = "{failing}"\n',
    )
    fetched = run_cli("fetch", cwd=tmp_path)
    assert fetched.returncode == 1  # Yemen failed
    assert "Iraq: new iraq 2015-03-06" in fetched.stdout
    assert f"HTTP 404 NOT FOUND from {server.url_for('/Yemen.txt')}" in fetched.stderr
    shown = [fetched.stdout, fetched.stderr]
    for args in (
        ("list",),
        ("list", "iraq"),
        ("list", "iraq", "--format", "json"),
        ("show", "iraq"),
        ("show", "iraq", "--format", "json"),
        ("status",),
        ("export", "--format", "csv"),
        ("export", "--format", "jsonl"),
        ("report",),
    ):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
        shown += [result.stdout, result.stderr]
    assert server.url_for("/Iraq.txt") in run_cli("list", "iraq", cwd=tmp_path).stdout
    # the bookkeeping keeps no password, and still knows the source: a conditional GET
    again = run_cli("fetch", "iraq", cwd=tmp_path)
    assert again.stdout.splitlines()[0] == "Iraq: not modified iraq"
    app = create_app(load_config(tmp_path / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        api = "/api/countries/iraq"
        for path in ("/", "/countries/iraq", "/feed.atom", "/overview", api,
                     f"{api}/snapshots/latest", f"{api}/diff/first/latest"):  # fmt: skip
            shown.append(httpx.get(base + path).text)
    published = "\n".join(shown) + everything_written(tmp_path / "snapshots")
    published += everything_written(tmp_path / "reports")
    for secret in SECRETS:
        assert secret not in published
    assert "s3cret" in (tmp_path / "config.toml").read_text()  # kept where it was put


def test_a_local_file_is_published_by_its_name_only(tmp_path):
    write_config(tmp_path)
    import_files(tmp_path, ("iraq-2015.txt", IRAQ), ("iraq-2016.txt", LATER))
    folder = str(tmp_path)
    local = run_cli("list", "iraq", cwd=tmp_path).stdout
    assert f"{folder}/iraq-2015.txt" in local  # the CLI of this machine may say where
    assert run_cli("report", cwd=tmp_path).returncode == 0
    app = create_app(load_config(tmp_path / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        listed = httpx.get(f"{base}/api/countries/iraq").json()
        assert [s["from"] for s in listed["snapshots"]] == ["iraq-2015.txt", "iraq-2016.txt"]
        diff = httpx.get(f"{base}/api/countries/iraq/diff/first/latest").json()
        assert (diff["old"]["source"], diff["new"]["source"]) == ("iraq-2015.txt", "iraq-2016.txt")
        snapshot = httpx.get(f"{base}/api/countries/iraq/snapshots/first").json()
        assert snapshot["source"]["file"] == "iraq-2015.txt"
        pages = [httpx.get(base + p).text for p in (
            "/countries/iraq", "/countries/iraq/diff/first/latest", "/", "/overview"
        )]  # fmt: skip
        assert "Source document: iraq-2016.txt." in pages[0]
        assert "from iraq-2015.txt" in pages[1]
    written = everything_written(tmp_path / "reports")
    for text in (*pages, written):
        assert folder not in text


def test_public_urls_and_messages():
    assert public_url("http://analyst:s3cret@host:8080/a/Iraq.pdf?x=1#f") == (
        "http://host:8080/a/Iraq.pdf?x=1#f"
    )
    assert public_url("https://user@host/") == "https://host/"
    assert public_url("https://host/a@b") == "https://host/a@b"  # an @ in the path is no user
    assert public_url(None) is None
    assert scrubbed("HTTP 404 from https://a:b@x.org/p and http://c@y.org/") == (
        "HTTP 404 from https://x.org/p and http://y.org/"
    )
