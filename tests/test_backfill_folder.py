"""Backfill at the archive's pace: the sources under the folder of ``url_template`` are
listed together, by one CDX prefix query (resume keys followed), and a source elsewhere by
its own; against the Wayback-compatible archive on 127.0.0.1 (tests/wayback.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from monitor.edges.store import Store
from tests.helpers import edited, run_cli
from tests.wayback import ITU, V1, Archived, Wayback, pdf

COUNTRIES = {"Iraq": "IRAQ", "Kenya": "KENYA", "Chad": "CHAD", "Tajikistan": "TAJIKISTAN"}
ELSEWHERE = "https://cyber.example.org/profiles/Yemen.pdf"


def versions(title: str) -> tuple[str, str]:
    first = edited(V1, ("REPUBLIC OF IRAQ", title))
    later = edited(
        first,
        ("Last updated on 6th March 2015", "Last updated on 10th February 2016"),
        ("Total Population: 33 703 000", "Total Population: 36 004 552"),
    )
    return first, later


def archived() -> list[Archived]:
    out = []
    for name, title in COUNTRIES.items():
        first, later = versions(title)
        out.append(Archived("20150310120000", f"http://{ITU}/{name}.pdf", pdf(first, 2015)))
        out.append(Archived("20160301000000", f"https://{ITU}/{name}.pdf", pdf(later, 2016)))
    out.append(Archived("20160401000000", f"https://{ITU}/Other.pdf", pdf(V1, 2016)))
    return out


def listings(archive: Wayback) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(urlsplit(r).query).items()}
        for r in archive.requests
        if r.startswith("/cdx/")
    ]


def config(tmp_path, archive: Wayback, extra: str = "") -> None:
    (tmp_path / "config.toml").write_text(
        "[fetch]\nretries = 0\n"
        f'[archive]\nurl = "{archive.url}"\nlists_per_minute = 60000\n'
        "downloads_per_minute = 60000\n"
        f'[sources]\nurl_template = "https://{ITU}/{{name}}.pdf"\n'
        f"countries = {list(COUNTRIES)!r}\n".replace("'", '"')
        + extra
    )


def test_sources_under_the_template_folder_are_listed_by_one_prefix_query(server, tmp_path):
    archive = Wayback(server, archived(), page_rows=6).install()
    config(tmp_path, archive)
    first = run_cli("backfill", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == ("4 sources: captures 8 listed, 8 downloaded, 8 stored")
    queries = listings(archive)
    assert len(queries) == 2  # 9 rows in the folder, 6 a page: one resume key followed
    assert queries[0]["matchType"] == "prefix"
    assert queries[0]["url"] == f"{ITU.removeprefix('www.')}/"
    assert queries[0]["collapse"] == "digest"
    assert "resumeKey" in queries[1]
    store = Store(tmp_path / "snapshots")
    for name in COUNTRIES:
        slug = name.lower()
        assert [r.name for r in store.refs(slug)] == ["2015-03-06", "2016-02-10"], name
    assert archive.count("/web/") == 8  # Other.pdf is no configured source: not downloaded

    archive.requests.clear()
    again = run_cli("backfill", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    (query,) = listings(archive)  # one listing for all four, only what is newer
    assert query["from"] == "20160301000000"
    assert archive.count("/web/") == 0
    assert again.stdout.splitlines() == ["4 sources: captures 4 listed, 4 already seen"]


def test_a_source_outside_the_folder_is_listed_on_its_own(server, tmp_path):
    archive = Wayback(server, archived(), page_rows=100).install()
    yemen = f'[[sources.extra]]\ncountry = "Yemen"\nurl = "{ELSEWHERE}"\n'
    config(tmp_path, archive, yemen)
    result = run_cli("backfill", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    queries = listings(archive)
    assert [q.get("matchType") for q in queries] == ["prefix", None]
    assert queries[1]["url"] == "cyber.example.org/profiles/Yemen.pdf"
    named = run_cli("backfill", "kenya", cwd=tmp_path)  # one source: its own listing
    assert named.returncode == 0, named.stderr
    assert "matchType" not in listings(archive)[-1]
