"""One country lookup: the same answer for the same words everywhere a country is named
(every CLI command, the service, the configured sources), and the bookkeeping read once."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
import pycountry
import pytest

from monitor.config import load_config
from monitor.core.countries import KnownCountries, identify
from monitor.edges.clock import utc_now
from monitor.edges.store import Incoming, Store
from monitor.pipeline.fetching import sources_named
from monitor.service.app import create_app
from tests.conftest import IRAQ_SEED, TAJIKISTAN_SEED
from tests.helpers import (
    IRAQ,
    IRAQ_LATER,
    T0,
    cli_json,
    opened_files,
    profile_from,
    run_cli,
    write_config,
)
from tests.servers import uvicorn_thread

NAMED = {
    "iraq": ["iraq", "IRAQ", " Iraq ", "iq", "IQ", "irq", "IRQ", "Republic of Iraq"],
    "democratic-republic-of-the-congo": [
        "democratic-republic-of-the-congo",
        "cd",
        "COD",
        "Democratic Republic of the Congo",
        "Congo(DRC)",
        "Dem. Rep. of the Congo",
        "congo drc",
    ],
}
CASES = [(slug, query) for slug, queries in NAMED.items() for query in queries]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Iraq (two versions), the DR Congo and Tajikistan, imported; the service over them."""
    root = tmp_path_factory.mktemp("lookup")
    write_config(root)
    congo = root / "congo.txt"
    congo.write_text(IRAQ.replace("REPUBLIC OF IRAQ", "DEMOCRATIC REPUBLIC OF THE CONGO"))
    later = root / "iraq-2016.txt"
    later.write_text(IRAQ_LATER)
    ran = run_cli("import", str(IRAQ_SEED), str(later), str(TAJIKISTAN_SEED), cwd=root)
    assert ran.returncode == 0, ran.stderr
    ran = run_cli("import", str(congo), "--country", "Congo(DRC)", "--force-country", cwd=root)
    assert ran.returncode == 0, ran.stderr
    app = create_app(load_config(root / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        yield root, base


@pytest.mark.parametrize(("slug", "query"), CASES)
def test_every_command_and_the_service_find_the_same_country(served, slug, query):
    root, base = served
    listing = cli_json(root, "list", query)
    assert listing["slug"] == slug
    assert cli_json(root, "show", query)["profile"]["slug"] == slug
    assert cli_json(root, "diff", query, "first", "latest")["country"]["slug"] == slug
    exported = run_cli("export", "--format", "jsonl", query, cwd=root)
    assert {json.loads(line)["profile"]["slug"] for line in exported.stdout.splitlines()} == {slug}
    assert httpx.get(f"{base}/api/countries/{query}").json() == listing
    snapshot = httpx.get(f"{base}/api/countries/{query}/snapshots/latest").json()
    assert snapshot["profile"]["slug"] == slug
    assert httpx.get(f"{base}/countries/{query}.html").status_code == 200


@pytest.mark.parametrize(("typo", "meant"), [("Irak", "Iraq"), ("tajikstan", "Tajikistan")])
def test_a_typo_gets_suggestions_in_the_cli_and_the_service(served, typo, meant):
    root, base = served
    message = f"no country {typo!r} in the store; did you mean {meant}?"
    for command in (("show", typo), ("list", typo), ("diff", typo, "first", "latest")):
        ran = run_cli(*command, cwd=root)
        assert (ran.returncode, ran.stderr) == (1, f"error: {message}\n")
    answer = httpx.get(f"{base}/api/countries/{typo}")
    assert (answer.status_code, answer.json()) == (404, {"error": message})


def test_sources_are_named_by_the_same_rule(tmp_path):
    write_config(
        tmp_path,
        '[sources]\nurl_template = "https://example.org/{name}.pdf"\n'
        'countries = ["Iraq", "Congo(DRC)", "Tajikistan"]\n',
    )
    config = load_config(tmp_path / "config.toml")
    for slug, queries in NAMED.items():
        for query in queries:
            (source,) = sources_named(config, [query])
            assert identify(source.country).slug == slug, query


def test_a_lookup_knows_only_the_countries_it_is_given():
    known = KnownCountries([identify("Iraq"), identify("Congo")])
    assert known.find("Congo (Rep. of the)") == identify("Congo")
    assert known.find("Congo(DRC)") is None  # another country, though its name contains it
    assert known.find("Tajikistan") is None
    assert known.suggest("Irqa") == ["Iraq"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """200 countries, one snapshot each, with their bookkeeping (names and ISO codes)."""
    root = tmp_path_factory.mktemp("world")
    write_config(root)
    store = Store(root / "snapshots")
    seed = profile_from(IRAQ)
    others = [c for c in (identify(r.name) for r in pycountry.countries) if c.slug != "iraq"]
    countries = [identify("Iraq"), *others[:199]]
    profiles = [
        replace(seed, country=c.name, iso2=c.iso2, iso3=c.iso3, slug=c.slug) for c in countries
    ]
    incoming = [Incoming(p, IRAQ.encode(), "text", "text/plain", T0) for p in profiles]
    assert all(not isinstance(r, Exception) for r in store.save_batch(incoming))
    store.update_states(
        {c.slug: {"country": c.name, "iso2": c.iso2, "iso3": c.iso3} for c in countries}
    )
    assert len(store.countries()) == 200
    return root


@pytest.mark.parametrize(
    "command",
    [
        ("show", "IRQ"),
        ("show", "Republic of Iraq", "latest"),
        ("list", "iq"),
        ("diff", "IRQ", "first", "latest"),
        ("list",),
    ],
)
def test_a_lookup_or_a_listing_reads_the_bookkeeping_once(world, command):
    with opened_files() as opened:
        ran = run_cli(*command, cwd=world)
    assert ran.returncode == 0, ran.stderr
    assert [Path(p).name for p in opened].count(".state.json") == 1


def test_the_service_reads_the_bookkeeping_once_per_request(world):
    app = create_app(load_config(world / "config.toml"), utc_now, access_log=False)
    with uvicorn_thread(app) as base:
        for path in ("/api/countries", "/api/countries/IRQ", "/api/countries/iraq/snapshots/2015"):
            with opened_files() as opened:
                assert httpx.get(base + path).status_code == 200
            assert [Path(p).name for p in opened].count(".state.json") <= 1, path
