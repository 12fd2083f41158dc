"""[[notify]] subscriptions with real receivers on 127.0.0.1: a real fetch of edited
profiles from a local web server, Apprise's json:// and form:// posting to webhook
receivers, a receiver that fails or hangs, a monitor killed while sending, aiosmtpd."""

from __future__ import annotations

import email
import email.policy
import json
import signal
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import jsonschema
import pytest
from werkzeug import Request, Response

from monitor.config import load_config
from monitor.core.diff import diff
from monitor.core.subscriptions import Notice, select, subscribe
from monitor.edges.store import Store
from monitor.errors import ConfigError
from monitor.pipeline.fetching import fetch_all, sources_named
from monitor.pipeline.notifying import after_fetch, stored_by
from monitor.render.notifications import message
from tests.conftest import ROOT, TAJIKISTAN_SEED, requires_corpus
from tests.helpers import (
    IRAQ,
    IRAQ_LATER,
    T0,
    edited,
    profile_from,
    run_cli,
    start_monitor,
    wait_for,
)
from tests.smtp import smtp_server

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SCHEMA = json.loads((ROOT / "monitor/schemas/notification.schema.json").read_text())


class Receiver:
    """Webhook endpoints on the shared test server that record what they accept; each can
    be told to answer 500, or to hang until released."""

    def __init__(self, server) -> None:
        self.server = server
        self.got: dict[str, list[dict]] = {}  # path → accepted messages, in order
        self.mode: dict[str, str] = {}  # path → "ok" | "fail" | "hang" | "block"
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def url(self, scheme: str, path: str) -> str:
        self.server.expect_request(path, method="POST").respond_with_handler(
            lambda request: self._answer(path, request)
        )
        return f"{scheme}://127.0.0.1:{self.server.port}{path}"

    def _answer(self, path: str, request: Request) -> Response:
        mode = self.mode.get(path, "ok")
        if mode == "fail":
            return Response("broken", status=500)
        if mode == "hang":
            self.release.wait(10)
            return Response("late", status=504)
        if request.content_type.startswith("application/json"):
            data = json.loads(request.get_data())
        else:
            data = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        data["header_key"] = request.headers.get("Idempotency-Key")
        with self.lock:
            self.got.setdefault(path, []).append(data)
        if mode == "block":  # arrived; the sender waits for the answer (and is killed)
            self.arrived.set()
            self.release.wait(10)
        return Response("thanks", status=200)

    def keys(self, path: str) -> list[str]:
        return [m["idempotency_key"] for m in self.got.get(path, [])]


def serve_profiles(server, texts: dict[str, str]) -> str:
    """``/<Country>.txt`` answering the current text of each profile."""
    for name in texts:
        server.expect_request(f"/{name}.txt").respond_with_handler(
            lambda request, name=name: Response(texts[name], content_type="text/plain")
        )
    return f'url_template = "{server.url_for("/")}{{name}}.txt"\n'


def config(
    tmp_path: Path,
    sources: str,
    countries: list[str],
    notify: str,
    alerts: str = "",
    reports: str = "",
) -> None:
    settings = {"backoff": "0", "timeout": "1"} | dict(
        line.split(" = ") for line in alerts.splitlines()
    )
    (tmp_path / "config.toml").write_text(
        f"[fetch]\nretries = 0\ntimeout = 5\n{reports}[alerts]\n"
        + "".join(f"{k} = {v}\n" for k, v in settings.items())
        + f"[sources]\n{sources}countries = {json.dumps(countries)}\n{notify}",
        encoding="utf-8",
    )


def test_filters_select_exactly_their_changes_after_a_real_fetch(server, tmp_path):
    hooks = Receiver(server)
    texts = {"Iraq": IRAQ}
    cirt = hooks.url("json", "/cirt")
    figures = hooks.url("form", "/figures")
    never = hooks.url("json", "/never")
    config(
        tmp_path,
        serve_profiles(server, texts),
        ["Iraq"],
        f'[[notify]]\nname = "cirt-laws"\nurls = ["{cirt}"]\ncountries = ["region:asia"]\n'
        'fields = ["national_cirt", "section:1.1.*:items"]\n'
        f'[[notify]]\nname = "figures"\nurls = ["{figures}"]\nkinds = ["figure"]\n'
        f'[[notify]]\nname = "africa"\nurls = ["{never}"]\ncountries = ["region:africa"]\n'
        f'[[notify]]\nname = "dates-of-iraq"\nurls = ["{never}"]\ncountries = ["IQ"]\n'
        'fields = ["section:9.*"]\nkinds = ["instrument", "date"]\n',
        reports='[reports]\nbase_url = "https://example.org/cw/"\n',
    )
    assert run_cli("fetch", cwd=tmp_path).returncode == 0
    (first,) = hooks.got["/cirt"]  # a newly monitored country is news of kind "new"
    assert (first["topic"], first["country"], first["new_ref"]) == ("new", "Iraq", "2015-03-06")
    assert "/figures" not in hooks.got

    texts["Iraq"] = IRAQ_LATER  # a national CIRT, a law in 1.1.2, more people, a new date
    ran = run_cli("fetch", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    first, second = hooks.got["/cirt"]
    jsonschema.validate(second, SCHEMA)
    assert (second["iso2"], second["iso3"], second["old_ref"], second["new_ref"]) == (
        "IQ",
        "IRQ",
        "2015-03-06",
        "2016-01-10",
    )
    changes = {c["key"]: c for c in second["changes"]}
    assert sorted(changes) == ["national_cirt", "section:1.1.2:items"]
    assert (changes["national_cirt"]["old"], changes["national_cirt"]["new"]) == (False, True)
    assert changes["section:1.1.2:items"]["new"] == "Cyber Security Law No. 12"
    assert "message" not in second  # a structured payload, not prose
    assert second["link"] == "https://example.org/cw/countries/iraq.html#2016-01-10"
    assert second["header_key"] == second["idempotency_key"] != first["idempotency_key"]
    assert second["title"].startswith("Iraq: national CIRT no → yes (Iraq has an officially")

    (form,) = hooks.got["/figures"]
    assert form["title"] == "Iraq: population 33 703 000 → 36 004 552 (+2 301 552, +6.8 %)"
    assert form["header_key"] == form["idempotency_key"]
    assert "/never" not in hooks.got  # filters that match nothing send nothing

    assert run_cli("report", cwd=tmp_path).returncode == 0  # and a feed per subscription
    feed = ET.parse(tmp_path / "reports/feeds/cirt-laws.atom").getroot()
    ((title, summary),) = [
        (e.find("a:title", ATOM).text, e.find("a:summary", ATOM).text)
        for e in feed.findall("a:entry", ATOM)
    ]
    assert title == second["title"]
    assert "Cyber Security Law No. 12" in summary and "population" not in summary
    assert feed.find("a:link", ATOM).get("href") == "https://example.org/cw/feeds/cirt-laws.atom"
    assert not ET.parse(tmp_path / "reports/feeds/africa.atom").getroot().findall("a:entry", ATOM)

    assert run_cli("fetch", cwd=tmp_path).returncode == 0  # nothing new: nothing sent
    assert len(hooks.got["/cirt"]) == 2 and len(hooks.got["/figures"]) == 1
    dry = run_cli("notify", "--dry-run", cwd=tmp_path)
    assert dry.stdout == "nothing: the last run stored no news these filters select\n"


def test_failing_and_hanging_targets_are_retried_without_blocking_the_others(server, tmp_path):
    hooks = Receiver(server)
    texts = {"Iraq": IRAQ}
    urls = [hooks.url("json", p) for p in ("/ok", "/fail", "/hang")]
    hooks.mode.update({"/fail": "fail", "/hang": "hang"})
    config(
        tmp_path,
        serve_profiles(server, texts),
        ["Iraq"],
        f'[[notify]]\nname = "all"\nurls = {json.dumps(urls)}\n',
    )
    ran = run_cli("fetch", cwd=tmp_path)
    assert ran.returncode == 0  # a target that fails is no failed fetch
    assert "notify: all: json://127.0.0.1" in ran.stderr
    assert len(hooks.got["/ok"]) == 1
    assert "/fail" not in hooks.got and "/hang" not in hooks.got
    dry = run_cli("notify", "--dry-run", cwd=tmp_path)
    assert dry.stdout.count("all → json://127.0.0.1") == 3
    assert "Iraq: now monitored (profile of 2015-03-06)" in dry.stdout

    hooks.mode.clear()
    hooks.release.set()
    texts["Iraq"] = IRAQ_LATER
    assert run_cli("fetch", cwd=tmp_path).returncode == 0
    expected = [m["idempotency_key"] for m in hooks.got["/ok"]]
    assert len(expected) == 2
    assert hooks.keys("/fail") == hooks.keys("/hang") == expected  # each missed one, once, in order
    assert run_cli("notify", cwd=tmp_path).stdout == "nothing to send\n"
    assert len(hooks.got["/fail"]) == 2


def test_a_target_dead_for_give_up_days_loses_its_queue_with_one_warning(server, tmp_path):
    hooks = Receiver(server)
    dead, gone = hooks.url("json", "/dead"), hooks.url("json", "/gone")
    hooks.mode.update({"/dead": "fail", "/gone": "fail"})
    sources = serve_profiles(server, {"Iraq": IRAQ})
    config(tmp_path, sources, ["Iraq"], f'[[notify]]\nname = "desk"\nurls = ["{dead}", "{gone}"]\n')
    assert run_cli("fetch", cwd=tmp_path).returncode == 0
    outbox_path = tmp_path / "snapshots" / ".notify.json"
    outbox = json.loads(outbox_path.read_text())
    assert [m["sent"] for m in outbox["messages"]] == [None, None]  # both retried later
    week_ago = (datetime.now(UTC) - timedelta(days=7, minutes=1)).isoformat()
    for queued in outbox["messages"]:
        if queued["url"] == dead:
            queued["created"] = week_ago  # as if it had been retried for a week
    outbox_path.write_text(json.dumps(outbox))
    config(tmp_path, sources, ["Iraq"], f'[[notify]]\nname = "desk"\nurls = ["{dead}"]\n')
    ran = run_cli("notify", cwd=tmp_path)
    assert "desk: json://127.0.0.1" in ran.stderr
    assert "1 message(s) dropped: not delivered in 7 days (last error: " in ran.stderr
    assert "1 message(s) dropped: the target is no longer configured" in ran.stderr
    assert json.loads(outbox_path.read_text())["messages"] == []
    assert run_cli("notify", cwd=tmp_path).stderr.count("dropped") == 0  # said once


def test_sigkill_while_sending_loses_nothing(server, tmp_path):
    hooks = Receiver(server)
    url = hooks.url("json", "/slow")
    hooks.mode["/slow"] = "block"
    texts = {"Iraq": IRAQ, "Tajikistan": TAJIKISTAN_SEED.read_text(encoding="utf-8")}
    config(
        tmp_path,
        serve_profiles(server, texts),
        ["Iraq", "Tajikistan"],
        f'[[notify]]\nname = "desk"\nurls = ["{url}"]\n',
        alerts="timeout = 30\n",
    )
    monitor = start_monitor(tmp_path, "fetch")
    try:
        wait_for(lambda: hooks.arrived.is_set() or monitor.poll() is not None, 60)
        assert hooks.arrived.is_set(), (tmp_path / "stderr.log").read_text()
        monitor.send_signal(signal.SIGKILL)
        monitor.communicate(timeout=30)
    finally:
        if monitor.poll() is None:
            monitor.kill()
    assert monitor.returncode == -signal.SIGKILL
    hooks.mode.clear()
    hooks.release.set()
    ran = run_cli("notify", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    keys = hooks.keys("/slow")
    assert len(set(keys)) == 2  # Iraq and Tajikistan, both delivered
    assert keys[0] == keys[1] and len(keys) == 3  # only the one in flight, again, same key
    assert {m["country"] for m in hooks.got["/slow"]} == {"Iraq", "Tajikistan"}


def test_failing_recovered_and_stale_sources_are_announced_once_each(server, tmp_path):
    hooks = Receiver(server)
    url = hooks.url("json", "/ops")
    answer = {"status": 200}
    server.expect_request("/Iraq.txt").respond_with_handler(
        lambda request: Response(IRAQ, status=answer["status"], content_type="text/plain")
    )
    sources = f'url_template = "{server.url_for("/")}{{name}}.txt"\n'
    config(
        tmp_path,
        sources,
        ["Iraq"],
        f'[[notify]]\nname = "ops"\nurls = ["{url}"]\nkinds = ["error"]\n',
        alerts="failures = 2\nstale_days = 30\n",
    )
    settings = load_config(tmp_path / "config.toml")
    store = Store(settings.storage.snapshots)

    def fetch(days: int, status: int) -> list[str]:
        answer["status"] = status
        clock = lambda: T0 + timedelta(days=days)  # noqa: E731
        results = fetch_all(settings, store, sources_named(settings, []), clock=clock)
        before = len(hooks.got.get("/ops", []))
        after_fetch(settings, store, stored_by(results), clock)
        return [m["topic"] for m in hooks.got.get("/ops", [])[before:]]

    assert fetch(0, 200) == []  # new: not asked for
    assert fetch(1, 503) == []  # one failure: not yet
    assert fetch(2, 503) == ["error"]  # the second in a row
    assert fetch(3, 503) == []  # no repeat
    assert fetch(4, 200) == ["recovered"]
    assert fetch(35, 503) == ["stale"]  # 31 days since the last success, one failure
    assert fetch(36, 503) == ["error"]  # stale is not said again; the failures are
    assert fetch(37, 503) == []
    error = hooks.got["/ops"][-1]
    jsonschema.validate(error, SCHEMA)
    assert error["detail"].startswith("2 failed checks in a row since ")
    assert "503" in error["detail"] and error["iso2"] == "IQ"
    assert fetch(38, 200) == ["recovered"]


def test_mailto_through_apprise_to_a_real_smtp_server(tmp_path):
    with smtp_server() as (box, port):
        (tmp_path / "config.toml").write_text(
            '[[notify]]\nname = "mail"\n'
            f'urls = ["mailto://127.0.0.1:{port}?from=monitor@example.org&to=analyst@example.org'
            '&mode=insecure"]\n',
            encoding="utf-8",
        )
        ran = run_cli("notify", "--test", cwd=tmp_path)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert ran.stdout.startswith("mail → mailto://") and ": ok: " in ran.stdout
        ((envelope, _),) = box.messages
        assert envelope.rcpt_tos == ["analyst@example.org"]
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert mail["Subject"] == (
            "Test: national CIRT no → yes (test message from the Cyberwellness Monitor)"
        )


def test_notify_test_reports_each_target_answer(server, tmp_path):
    hooks = Receiver(server)
    good, bad = hooks.url("json", "/good"), hooks.url("json", "/bad")
    hooks.mode["/bad"] = "fail"
    (tmp_path / "config.toml").write_text(
        f'[alerts]\ntimeout = 2\n[[notify]]\nname = "a"\nurls = ["{good}"]\n'
        f'[[notify]]\nname = "b"\nurls = ["{bad}", "json://${{HOOK_HOST}}/good"]\n',
        encoding="utf-8",
    )
    ran = run_cli(
        "notify", "--test", "b", cwd=tmp_path, env={"HOOK_HOST": f"127.0.0.1:{server.port}"}
    )
    assert ran.returncode == 1
    lines = ran.stdout.splitlines()
    assert lines[0].startswith("b → json://127.0.0.1:") and ": FAILED: " in lines[0]
    assert "500" in lines[0]
    assert lines[1] == f"b → json://127.0.0.1:{server.port}/good: ok: Sent JSON POST notification."
    assert len(hooks.got["/good"]) == 1  # through ${HOOK_HOST}, from the environment
    missing = run_cli("notify", "--test", "b", cwd=tmp_path)
    assert "b → json://…: FAILED: ${HOOK_HOST} is not set in the environment" in missing.stdout
    unknown = run_cli("notify", "--test", "zzz", cwd=tmp_path)
    assert unknown.returncode == 1 and "zzz: no such [[notify]] subscription" in unknown.stderr


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('name = "Desk"\nurls = ["json://x"]', "notify[0].name: must be lower-case"),
        ('name = "d"\nurls = []', "notify[0].urls: needs at least one Apprise URL"),
        ('name = "d"\nurls = ["json://x"]\nkinds = ["laws"]', "notify[0].kinds: 'laws' is not"),
        ('name = "d"\nurls = ["json://x"]\nwhen = "hourly"', 'notify[0].when: must be "change"'),
        ('name = "d"\nurls = ["json://x"]\ncountries = ["region:mars"]', "is no region"),
        ('name = "d"\nurls = ["json://x"]\ncolour = 1', "notify[0].colour: unknown key"),
    ],
)
def test_bad_subscriptions_are_errors_naming_the_key_and_file(tmp_path, table, message):
    path = tmp_path / "config.toml"
    path.write_text(f"[[notify]]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_damaged_outbox_entry_is_set_aside_and_the_rest_is_sent(server, tmp_path):
    from monitor.core.jsonform import builtins, dumps
    from monitor.edges.notify import Outgoing

    hooks = Receiver(server)
    url = hooks.url("json", "/later")
    (tmp_path / "config.toml").write_text(
        f'[[notify]]\nname = "desk"\nurls = ["{url}"]\n', encoding="utf-8"
    )
    now = datetime.now(UTC)  # queued today: not yet given up on
    queued = Outgoing("0" * 32, "desk", url, "Iraq: test", "- test", {"schema": "x"}, now)
    outbox = tmp_path / "snapshots" / ".notify.json"
    outbox.parent.mkdir()
    outbox.write_text(dumps({"messages": [builtins(queued), {"key": 5}]}), encoding="utf-8")
    ran = run_cli("notify", cwd=tmp_path)
    assert ran.returncode == 0
    assert "message 1: " in ran.stderr and "set aside as .notify.json.corrupt-" in ran.stderr
    assert hooks.keys("/later") == ["0" * 32]
    assert list(outbox.parent.glob(".notify.json.corrupt-*"))


def test_digest_subscriptions_hear_the_week_once_with_the_weekly_report(server, tmp_path):
    from monitor.pipeline.cycle import report_job

    hooks = Receiver(server)
    weekly, instant = hooks.url("json", "/weekly"), hooks.url("json", "/instant")
    texts = {"Iraq": IRAQ}
    config(
        tmp_path,
        serve_profiles(server, texts),
        ["Iraq"],
        f'[[notify]]\nname = "weekly"\nurls = ["{weekly}"]\nwhen = "digest"\n'
        'fields = ["national_cirt"]\n'
        f'[[notify]]\nname = "instant"\nurls = ["{instant}"]\nkinds = ["indicator"]\n',
    )
    settings = load_config(tmp_path / "config.toml")
    store = Store(settings.storage.snapshots)
    for day, text in ((0, IRAQ), (1, IRAQ_LATER)):  # Monday and Tuesday of 2026-W47
        texts["Iraq"] = text
        clock = lambda day=day: T0 + timedelta(days=day)  # noqa: E731
        results = fetch_all(settings, store, sources_named(settings, []), clock=clock)
        after_fetch(settings, store, stored_by(results), clock)
    assert [m["topic"] for m in hooks.got["/instant"]] == ["change"]
    assert "/weekly" not in hooks.got
    for day in (7, 8):  # the report of W47 is made once, however often the job runs
        report_job(settings, store, lambda day=day: T0 + timedelta(days=day))
    (digest,) = hooks.got["/weekly"]  # the week, one message for the country
    assert (digest["old_ref"], digest["new_ref"]) == (None, "2016-01-10")
    assert [c["key"] for c in digest["changes"]] == ["national_cirt"]
    assert len(hooks.got["/instant"]) == 1
    feed = ET.parse(settings.storage.reports / "feeds/weekly.atom").getroot()
    assert feed.find("a:link", ATOM).get("href") == "../feeds/weekly.atom"  # no base_url
    (entry,) = feed.findall("a:entry", ATOM)
    assert entry.find("a:link", ATOM).get("href") == "../countries/iraq.html#2016-01-10"


@requires_corpus
def test_a_status_is_its_own_kind_and_fields_take_globs():
    """Bolivia's strategy, planned then in draft (no → no: the status changed), then adopted;
    the sentences and the statuses they mean are those of tests/test_status_changes.py."""
    from tests.corpusworld import text_of
    from tests.test_status_changes import ADOPTED, BOLIVIA_NONE, DRAFT, PLANNED

    bolivia = text_of("Bolivia")
    planned, draft, adopted = (
        profile_from(edited(bolivia, (BOLIVIA_NONE, text))) for text in (PLANNED, DRAFT, ADOPTED)
    )

    def notice(old, new) -> Notice:
        return Notice("bolivia", "Bolivia", "BO", "BOL", "change", "a", "b", tuple(diff(old, new)))

    statuses = subscribe("s", kinds=["status"], fields=["*strategy"])
    indicators = subscribe("i", countries=["region:south-america"], kinds=["indicator"])
    chosen = select(statuses, notice(planned, draft))
    assert chosen is not None and [c.key for c in chosen.changes] == ["cybersecurity_strategy"]
    assert select(indicators, notice(planned, draft)) is None
    said = message(chosen, "s", "k")
    assert said.title.startswith(
        "Bolivia: national cybersecurity strategy no (planned) → no (draft) ("
    )
    assert said.payload["changes"][0]["old_status"] == "planned"
    flipped = select(indicators, notice(draft, adopted))
    assert flipped is not None and [c.key for c in flipped.changes] == ["cybersecurity_strategy"]
    assert select(statuses, notice(draft, adopted)) is None
    assert select(subscribe("e", countries=["region:europe"]), notice(draft, adopted)) is None
