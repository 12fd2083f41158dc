"""config.toml: defaults, sources, and errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError
from tests.conftest import ROOT
from tests.helpers import run_cli


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_example_loads():
    config = load_config(ROOT / "config.toml")
    assert config.fetch.concurrency == 8
    assert config.schedule.report == "0 7 * * mon"
    assert config.email.sender == "monitor@example.org"
    assert config.email.to == ("analyst@example.org",)
    assert [s.country for s in config.sources] == ["Iraq", "Tajikistan"]
    assert config.sources[0].url.endswith("/Country_Profiles/Iraq.pdf")
    assert config.storage.snapshots == ROOT / "snapshots"


def test_sources_from_template_and_extra(tmp_path):
    config = load_config(
        write(
            tmp_path,
            '[sources]\nurl_template = "https://x.org/{name}.pdf"\n'
            'countries = ["Saudi Arabia"]\n'
            '[[sources.extra]]\ncountry = "Iraq"\nurl = "http://127.0.0.1:8000/Iraq.pdf"\n',
        )
    )
    assert [(s.country, s.url) for s in config.sources] == [
        ("Saudi Arabia", "https://x.org/Saudi_Arabia.pdf"),
        ("Iraq", "http://127.0.0.1:8000/Iraq.pdf"),
    ]


def test_reports_base_url_always_ends_in_a_slash(tmp_path):
    config = load_config(write(tmp_path, '[reports]\nbase_url = "https://x.org/cw"\n'))
    assert config.reports.base_url == "https://x.org/cw/"
    assert config.reports.feed_weeks == 12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[fetch]\nconcurency = 4\n", "fetch.concurency: unknown key"),
        ('[fetch]\nconcurrency = "eight"\n', "fetch.concurrency: must be int"),
        ("[fetch]\ntimeout = true\n", "fetch.timeout: must be float"),
        ('[email]\nto = "a@b.org"\n', "email.to: must be a list of strings"),
        ('[email]\npassword = "hunter2"\n', "email.password: unknown key"),
        ('[email]\nwhen = "sometimes"\n', "email.when: must be"),
        ('[storage]\nsnapshot = "x"\n', "storage.snapshot: unknown key"),
        ('[mail]\nhost = "x"\n', "[mail]: unknown section"),
        ('[sources]\ncountries = ["Iraq"]\n', "sources.url_template: needed"),
        ('[sources]\nurl_template = "https://x/{nom}.pdf"\n', "must contain {name}"),
        (
            '[[sources.extra]]\ncountry = "Iraq"\nurl = "file:///etc/passwd"\n',
            "url must be http(s)",
        ),
        ("[fetch\n", "not valid TOML"),
        ('[reports]\nbase_url = "ftp://x.org/"\n', "reports.base_url: must be an http(s) URL"),
        ("[reports]\nfeed_weeks = 0\n", "reports.feed_weeks: must be at least 1"),
        ('[reports]\nbase = "https://x.org/"\n', "reports.base: unknown key"),
    ],
)
def test_bad_config_names_key_and_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_config_option_and_environment(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = write(elsewhere, "[fetch]\nconcurrency = 3\n")
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run_cli("list", cwd=workdir, env={"MONITOR_CONFIG": str(path)})
    assert result.returncode == 0
    assert f"no snapshots in {elsewhere / 'snapshots'}" in result.stdout
    bad = run_cli("--config", str(tmp_path / "nope.toml"), "list", cwd=workdir)
    assert bad.returncode == 1
    assert bad.stderr == f"error: {tmp_path / 'nope.toml'}: no such config file\n"
    write(workdir, "[fetch]\nretries = -1\n")
    negative = run_cli("list", cwd=workdir)
    assert negative.stderr == "error: config.toml: fetch.retries: must not be negative\n"


@pytest.mark.parametrize(
    ("sources", "words"),
    [
        ('countries = ["Narnia"]', ["countries[0] 'Narnia'", "no such country"]),
        (
            'countries = ["Congo"]\n[[sources.extra]]\ncountry = "Congo (Rep. of the)"\n'
            'url = "https://x.org/c.pdf"',
            ["countries[0] 'Congo'", "extra[0] 'Congo (Rep. of the)'", "(CG)"],
        ),
        ('countries = ["Iraq", "IRQ"]', ["countries[0] 'Iraq'", "countries[1] 'IRQ'", "(IQ)"]),
    ],
    ids=["unknown", "two-names-one-country", "name-and-code"],
)
def test_every_source_is_one_real_country(tmp_path, sources, words):
    path = write(tmp_path, f'[sources]\nurl_template = "https://x.org/{{name}}.pdf"\n{sources}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_two_congos_are_two_sources(tmp_path):
    config = load_config(
        write(
            tmp_path,
            '[sources]\nurl_template = "https://x.org/{name}.pdf"\n'
            'countries = ["Congo", "Congo(DRC)"]\n',
        )
    )
    assert [s.url for s in config.sources] == [
        "https://x.org/Congo.pdf",
        "https://x.org/Congo(DRC).pdf",
    ]


def test_one_base_url_for_files_and_service(tmp_path):
    for text in (
        '[reports]\nbase_url = "https://x.org/cw"\n',
        '[serve]\nbase_url = "https://x.org/cw/"\n',
        '[reports]\nbase_url = "https://x.org/cw"\n[serve]\nbase_url = "https://x.org/cw/"\n',
    ):
        config = load_config(write(tmp_path, text))
        assert config.reports.base_url == config.serve.base_url == "https://x.org/cw/"
    config = load_config(write(tmp_path, '[serve]\nallowed_hosts = ["cw.x.org"]\n'))
    assert (config.serve.base_url, config.serve.allowed_hosts) == ("", ("cw.x.org",))
    assert (config.serve.max_header_bytes, config.serve.header_timeout) == (8192, 10.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[reports]\nbase_url = "https://a.org/"\n[serve]\nbase_url = "https://b.org/"\n',
            "serve.base_url and reports.base_url differ; they are one setting, keep one",
        ),
        ('[serve]\nbase_url = "https://u:p@x.org/"\n', "must not hold a user name or password"),
        ('[serve]\nbase_url = "javascript:x"\n', "serve.base_url: must be an http(s) URL"),
        ('[serve]\nallowed_hosts = ["a b"]\n', "serve.allowed_hosts: 'a b' is not a host name"),
        ("[serve]\nheader_timeout = 0\n", "serve.header_timeout: must be more than 0"),
        ("[serve]\nmax_header_bytes = 10\n", "max_header_bytes must be at least 1024"),
        ("[serve]\nport = 1\n", "serve.port: unknown key"),
    ],
)
def test_serve_settings_are_checked(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(write(tmp_path, text))
