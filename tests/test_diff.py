"""The diff on realistic edits of the real seed texts (tests/data/diff_cases.json)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core.diff import Change, diff, word_diff
from tests.conftest import CORPUS, IRAQ_SEED, ROOT, TAJIKISTAN_SEED, requires_corpus, seed_text
from tests.helpers import edited, profile_from

CASES = json.loads((ROOT / "tests" / "data" / "diff_cases.json").read_text("utf-8"))
SEEDS = {"iraq": seed_text(IRAQ_SEED), "tajikistan": seed_text(TAJIKISTAN_SEED)}


def _expected(change: Change, wanted: dict) -> dict:
    got = {"path": change.path, "kind": change.kind, "old": change.old, "new": change.new}
    if "summary" in wanted:
        got["summary"] = change.summary
    if "words" in wanted:
        got["words"] = [[w.op, w.text] for w in change.words]
    return got


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_realistic_edit(case):
    base = SEEDS[case["base"]]
    old = profile_from(base)
    new = profile_from(edited(base, *map(tuple, case["edits"])))
    changes = diff(old, new)
    assert [_expected(c, w) for c, w in zip(changes, case["expected"], strict=False)] == case[
        "expected"
    ]
    assert len(changes) == len(case["expected"])


@requires_corpus
def test_two_extractions_of_iraq_have_an_empty_diff():
    assert (
        diff(profile_from(SEEDS["iraq"]), profile_from((CORPUS / "Iraq.txt").read_text("utf-8")))
        == []
    )


def test_indicator_flips_come_first():
    base = SEEDS["tajikistan"]
    new = edited(
        base,
        ("7 709 000", "8 000 000"),
        (
            "Tajikistan does not have any officially recognized national CIRT.",
            "Tajikistan has an officially recognized national CIRT known as TJ-CERT.",
        ),
    )
    changes = diff(profile_from(base), profile_from(new))
    assert changes[0].path == "Indicators › national CIRT"
    assert [c.group for c in changes] == ["indicators", "background", "1.2.1"]


def test_word_diff_runs():
    runs = word_diff("a b c d", "a x c d e")
    assert [(r.op, r.text) for r in runs] == [
        ("equal", "a"),
        ("delete", "b"),
        ("insert", "x"),
        ("equal", "c d"),
        ("insert", "e"),
    ]


# -- invariants over generated edits ---------------------------------------------------

IRAQ = SEEDS["iraq"]
EDITS = [
    ("33 703 000", "34 100 250"),
    ("9.20%", "11.75%"),
    ("December 2013", "June 2015"),
    (
        "-None.\n\n1.2 TECHNICAL",
        "- Law on Electronic Signatures\n- Cybercrime Act\n\n1.2 TECHNICAL",
    ),
    ("-Cyber Crime law in Iraq [revoked](#).", "- Penal Code"),
    (
        "There is still no nationally recognized CERT in Iraq.",
        "Iraq has an officially recognized national CIRT.",
    ),
    (
        "There is no agency responsible for cybersecurity in Iraq.",
        "The Ministry of Communications is the agency responsible for cybersecurity.",
    ),
    ("1.4.4 AGENCY CERTIFICATION", "1.4.4 CERTIFICATION OF AGENCIES"),
    ("Last updated on 6th March 2015", "Last updated on 1st July 2016"),
    (
        "2.4 REPORTING MECHANISM\n\nThere is no website",
        "2.4 REPORTING MECHANISM\n\nThere is a hotline but no website",
    ),
    (
        "1.3.2 ROADMAP FOR GOVERNANCE\n\n"
        "There is no national governance roadmap for cybersecurity in Iraq.\n\n",
        "",
    ),
    (
        "2. CHILD ONLINE PROTECTION",
        "1.5.5 REGIONAL COOPERATION\n\nIraq is a member of AGCERT.\n\n2. CHILD ONLINE PROTECTION",
    ),
    ("with ITU-IMPACT.", "with ITU-IMPACT in 2014 and 2015."),
]
edit_sets = st.sets(st.sampled_from(range(len(EDITS))), max_size=len(EDITS))


def _apply(indices) -> str:
    return edited(IRAQ, *(EDITS[i] for i in sorted(indices)))


def _key(change: Change, swap: bool = False) -> tuple:
    kind = (
        {"added": "removed", "removed": "added"}.get(change.kind, change.kind)
        if swap
        else change.kind
    )
    old, new = (change.new, change.old) if swap else (change.old, change.new)
    flip = {"insert": "delete", "delete": "insert", "equal": "equal"}
    words = [(flip[w.op] if swap else w.op, w.text) for w in change.words]
    if swap:  # a replacement reads "delete, then insert" in both directions
        for i in range(len(words) - 1):
            if words[i][0] == "insert" and words[i + 1][0] == "delete":
                words[i], words[i + 1] = words[i + 1], words[i]
    words = tuple(words)
    return (change.group, change.field, kind, old, new, words)


@settings(max_examples=60, deadline=None)
@given(edit_sets)
def test_diff_with_itself_is_empty(indices):
    profile = profile_from(_apply(indices))
    assert diff(profile, profile) == []
    assert diff(profile, profile_from(_apply(indices))) == []


@settings(max_examples=60, deadline=None)
@given(edit_sets, edit_sets)
def test_diff_is_antisymmetric(a_edits, b_edits):
    a, b = profile_from(_apply(a_edits)), profile_from(_apply(b_edits))
    forward, backward = diff(a, b), diff(b, a)
    assert sorted(map(repr, (_key(c, swap=True) for c in forward))) == sorted(
        map(repr, (_key(c) for c in backward))
    )
    assert (forward == []) == (a == b)


def test_text_output_is_coloured_only_when_asked():
    from monitor.core.diff import Side, compare
    from monitor.render.text import to_text

    base = SEEDS["tajikistan"]
    new = edited(base, ("7 709 000", "8 000 000"), ("- Law on Cryptography\n", ""))
    comparison = compare(
        "tajikistan",
        "Tajikistan",
        (Side("a", None), profile_from(base)),
        (Side("b", None), profile_from(new)),
    )
    plain, coloured = to_text(comparison), to_text(comparison, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31m-\x1b[0m items: Law on Cryptography" in coloured
    assert "\x1b[" in coloured
