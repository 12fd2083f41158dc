"""Status changes are changes, and figures carry their doubts: real profiles from the corpus,
edited as later editions would be, through `monitor diff` (text and JSON), the digest's
headline, the Atom feed, the pages and `monitor export` (CSV and the SQLite `changes` table).

Each edition below was written by reading the document it edits; the statuses expected are
the ones tests/data/README.md's definitions give those sentences (a plan to adopt one is
``planned``, a draft under review ``draft``, an adopted strategy "yes", a CIRT that ceased
operating ``defunct``), not copied from the code's output.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import jsonschema
import pytest

from monitor.config import parse_config
from monitor.core.diff import diff
from monitor.core.periods import week_of
from monitor.edges.store import Store
from monitor.pipeline.reporting import write_reports
from tests.conftest import ROOT, requires_corpus
from tests.corpusworld import IRAQ_CERT, IRAQ_NO_CERT, save, text_of
from tests.helpers import edited, profile_from, run_cli, write_config

pytestmark = requires_corpus

W47 = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)
W48 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
W49 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)

BOLIVIA_NONE = (
    "Bolivia does not have any officially recognized national or sector-specific "
    "cybersecurity strategy."
)
PLANNED = BOLIVIA_NONE + " Bolivia intends to adopt a national cybersecurity strategy."
DRAFT = BOLIVIA_NONE + " A draft national cybersecurity strategy is under review."
ADOPTED = "Bolivia has adopted an officially recognized national cybersecurity strategy."
BOLIVIA_DATE = "Last updated on 10th March 2015"
IRAQ_DATE = "Last updated on 6th March 2015"
IRAQ_DEFUNCT = "Iraq's national CIRT, IQ-CERT, established in 2015, ceased operations in 2017."
US_DATE = "Last updated on 14th January 2015"
US_EARLIER = "311 591 000"  # an earlier edition that printed its population in full
US_NOTE = "printed as '315 791 00', irregular digit grouping"

# (document, when seen, edits): Bolivia's strategy planned → draft → adopted; Iraq's CIRT
# none → yes → defunct; the United States from a well-printed edition to the real one.
EDITIONS = [
    ("Bolivia", W47, [(BOLIVIA_NONE, PLANNED)]),
    ("Bolivia", W48, [(BOLIVIA_NONE, DRAFT), (BOLIVIA_DATE, "Last updated on 2nd May 2016")]),
    ("Bolivia", W49, [(BOLIVIA_NONE, ADOPTED), (BOLIVIA_DATE, "Last updated on 9th June 2017")]),
    ("Iraq", W47, []),
    ("Iraq", W48, [(IRAQ_NO_CERT, IRAQ_CERT), (IRAQ_DATE, "Last updated on 10th February 2016")]),
    ("Iraq", W49, [(IRAQ_NO_CERT, IRAQ_DEFUNCT), (IRAQ_DATE, "Last updated on 1st June 2017")]),
    (
        "United_States",
        W47,
        [("315 791 00", US_EARLIER), (US_DATE, "Last updated on 3rd March 2014")],
    ),
    ("United_States", W48, []),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("status")
    config = write_config(root)
    store = Store(root / "snapshots")
    for name, when, edits in EDITIONS:
        save(store, edited(text_of(name), *edits), when)
    return root, config, store


def cli(world, *args: str) -> str:
    root, config, _ = world
    ran = run_cli("--config", str(config), *args, cwd=root)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def json_changes(world, slug: str, old: str, new: str) -> dict[str, dict]:
    data = json.loads(cli(world, "diff", slug, old, new, "--format", "json"))
    schema = json.loads((ROOT / "monitor" / "schemas" / "diff.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    return {c["key"]: c for c in data["changes"]}


@pytest.mark.parametrize(
    ("slug", "old", "new", "key", "line", "statuses"),
    [
        (
            "bolivia",
            "2015-03-10",
            "2016-05-02",
            "cybersecurity_strategy",
            "national cybersecurity strategy: no (planned) → no (draft)",
            ("planned", "draft"),
        ),
        (
            "bolivia",
            "2016-05-02",
            "2017-06-09",
            "cybersecurity_strategy",
            "national cybersecurity strategy: no (draft) → yes",
            ("draft", None),
        ),
        (
            "iraq",
            "2016-02-10",
            "2017-06-01",
            "national_cirt",
            "national CIRT: yes → no (defunct)",
            (None, "defunct"),
        ),
    ],
    ids=["planned-to-draft", "draft-to-yes", "yes-to-defunct"],
)
def test_a_status_change_is_in_the_diff(world, slug, old, new, key, line, statuses):
    text = cli(world, "diff", slug, old, new)
    assert f"~ {line}" in text
    change = json_changes(world, slug, old, new)[key]
    assert (change["old_status"], change["new_status"]) == statuses
    assert change["group"] == "indicators"
    assert change["summary"].startswith(line.split(": ", 1)[1])


def test_the_field_key_names_sections_and_figures(world):
    changes = json_changes(world, "bolivia", "2015-03-10", "2016-05-02")
    assert set(changes) == {"cybersecurity_strategy", "last_updated", "section:1.3.1:text"}
    assert changes["section:1.3.1:text"]["path"] == "1.3.1 Policy › text"  # the template's title


def test_the_us_population_carries_its_note_in_the_diff(world):
    changes = json_changes(world, "united-states", "2014-03-03", "2015-01-14")
    population = changes["population"]
    assert (population["old"], population["new"]) == (311_591_000, 31_579_100)
    assert US_NOTE in population["note"]
    assert "times the snapshot before" in population["note"]  # a tenfold fall, said so
    text = cli(world, "diff", "united-states", "2014-03-03", "2015-01-14")
    assert US_NOTE in text


@pytest.fixture(scope="module")
def reports(world):
    root, _, store = world
    config = parse_config(
        {"storage": {"snapshots": str(root / "snapshots"), "reports": str(root / "reports")}},
        None,
    )
    w48 = write_reports(config, store, week_of(W48), W48.replace(hour=12))
    w49 = write_reports(config, store, week_of(W49), W49.replace(hour=12))
    return root / "reports", w48, w49


def test_the_headline_announces_status_changes(reports):
    from monitor.render.text import headline

    _, w48, w49 = reports
    assert "Strategy now draft: Bolivia" in headline(w48.summary)
    assert "New national CIRT: Iraq" in headline(w48.summary)
    assert "New strategy: Bolivia" in headline(w49.summary)
    assert "National CIRT now defunct: Iraq" in headline(w49.summary)
    assert not any(p.startswith("No longer") for p in headline(w49.summary))
    page = (reports[0] / f"{week_of(W48).label}.html").read_text()
    assert "Strategy now draft: Bolivia" in page


def test_a_status_the_document_takes_back_is_in_the_headline():
    """``no (draft) → no``: a later edition no longer mentions the draft; the headline says
    so rather than nothing."""
    from monitor.core.diff import Side, compare
    from monitor.core.periods import Digest, Event
    from monitor.core.summary import summarise
    from monitor.render.text import headline

    text = text_of("Bolivia")
    draft, none = profile_from(edited(text, (BOLIVIA_NONE, DRAFT))), profile_from(text)
    comparison = compare(
        "bolivia",
        "Bolivia",
        (Side("2016-05-02", "2016-05-02"), draft),
        (Side("2017-06-09", "2017-06-09"), none),
    )
    event = Event("bolivia", "Bolivia", "2017-06-09", W49, comparison)
    digest = Digest(week_of(W49), (event,), (), ("bolivia",), W49)
    assert "Strategy no longer draft: Bolivia" in headline(summarise(digest))


def test_the_feed_carries_status_words_on_both_sides(reports):
    feed = (reports[0] / "feed.atom").read_text()
    assert "no (planned) → no (draft)" in feed
    assert "no (draft) → yes" in feed
    assert "yes → no (defunct)" in feed


def test_pages_show_the_figure_note(reports):
    country = (reports[0] / "countries" / "united-states.html").read_text()
    overview = (reports[0] / "overview.html").read_text()
    for page in (country, overview):
        assert 'class="doubt"' in page
        assert "irregular digit grouping: read as 31 579 100" in page
    bolivia = (reports[0] / "countries" / "bolivia.html").read_text()
    assert 'class="doubt"' not in bolivia  # no doubt where none is due


def test_csv_has_statuses_evidence_and_notes(world):
    rows = list(csv.DictReader(io.StringIO(cli(world, "export", "--format", "csv"))))
    bolivia = [r for r in rows if r["slug"] == "bolivia"]
    assert [r["cybersecurity_strategy"] for r in bolivia] == ["no", "no", "yes"]
    assert [r["cybersecurity_strategy_status"] for r in bolivia] == ["planned", "draft", ""]
    assert bolivia[2]["cybersecurity_strategy_evidence"] == ADOPTED
    iraq = [r for r in rows if r["slug"] == "iraq"]
    assert [r["national_cirt_status"] for r in iraq] == ["", "", "defunct"]
    assert iraq[1]["national_cirt_evidence"] == IRAQ_CERT
    us = [r for r in rows if r["slug"] == "united-states"]
    assert us[0]["population_note"] == ""
    assert US_NOTE in us[1]["population_note"]
    assert "times the snapshot before" in us[1]["population_note"]
    assert {r["internet_users_note"] for r in rows} == {""}


def test_sqlite_changes_have_field_status_and_note(world):
    import sqlite_utils

    root, _, _ = world
    path = root / "export.db"
    cli(world, "export", "--format", "sqlite", "-o", str(path))
    db = sqlite_utils.Database(path)
    strategy = list(
        db.query(
            "select old, new, old_value, new_value, old_status, new_status from changes "
            "where slug = 'bolivia' and field = 'cybersecurity_strategy' order by old"
        )
    )
    assert [tuple(r.values()) for r in strategy] == [
        ("2015-03-10", "2016-05-02", "no", "no", "planned", "draft"),
        ("2016-05-02", "2017-06-09", "no", "yes", "draft", None),
    ]
    [iraq] = db.query(
        "select * from changes where field = 'national_cirt' and new_status = 'defunct'"
    )
    assert (iraq["slug"], iraq["old_value"], iraq["new_value"]) == ("iraq", "yes", "no")
    [population] = db.query("select * from changes where field = 'population'")
    assert population["slug"] == "united-states"
    assert US_NOTE in population["note"]
    fields = {r["field"] for r in db.query("select field from changes where slug = 'bolivia'")}
    assert fields == {"cybersecurity_strategy", "last_updated", "section:1.3.1:text"}
    db.close()


@pytest.mark.parametrize(
    ("name", "edit", "key", "doubt"),
    [
        # a zero too many: ten times the people, a misprint rather than a census
        ("Chad", ("11 831 000", "118 310 000"), "population", "10 times the snapshot before"),
        ("Chad", ("11 831 000", "1 183 100"), "population", "0.1 times the snapshot before"),
        ("Chad", ("11 831 000", "12 448 000"), "population", None),  # a new estimate
        ("Kenya", ("39.00%", "18.00%"), "internet_users_pct", "internet users fell from 39 %"),
        ("Kenya", ("39.00%", "43.00%"), "internet_users_pct", None),
        ("Kenya", ("39.00%", "30.00%"), "internet_users_pct", None),  # a fall, not by half
    ],
    ids=["tenfold", "a-tenth", "plausible", "users-halved", "users-up", "users-down"],
)
def test_implausible_jumps_get_a_note(name, edit, key, doubt):
    text = text_of(name)
    [change] = [
        c for c in diff(profile_from(text), profile_from(edited(text, edit))) if c.key == key
    ]
    if doubt is None:
        assert change.note is None
        assert "note" not in change.summary
    else:
        assert change.note is not None and change.note.startswith(doubt)
        assert change.summary.endswith(f"[note: {change.note}]")
