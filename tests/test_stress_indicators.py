"""The nine indicators against a blind stress set: agreement measured where it was not tuned.

tests/data/stress_indicators.json holds 350 short section texts in the profiles' style
(affirmative, negative, planned, draft, defunct, partial, foreign bodies, assistance,
abbreviations, other subjects …), written and labelled by readers who saw only the
definitions (tests/data/README.md), never the code or the corpus labels. It measures how
far the rules generalise: it was run once after the rules were written, and only general
mechanisms were changed after (never a pattern for one case). The floor is what they
reach, minus a small margin.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from monitor.core.findings import derive
from monitor.core.profile import INDICATORS, Section
from tests.conftest import ROOT
from tests.denials import denial
from tests.test_indicators import STATUSES, VALUES, report

STRESS = json.loads((ROOT / "tests" / "data" / "stress_indicators.json").read_text("utf-8"))
CASES = STRESS["cases"]
FLOOR = {"value": 0.95, "value and status": 0.93}  # measured 96.9 % and 95.4 %


def _derived(case: dict) -> tuple[str, str | None, str | None]:
    section = Section(case["section"], case["title"], case["text"], tuple(case["items"]))
    found = derive({case["section"]: section})[case["indicator"]]
    return VALUES[found.value], found.status, found.evidence


def test_the_stress_set_covers_every_indicator():
    assert len(CASES) >= 300
    counts = Counter(case["indicator"] for case in CASES)
    assert set(counts) == set(INDICATORS)
    assert min(counts.values()) >= 30
    for case in CASES:
        assert case["value"] in ("yes", "no", "unknown"), case["id"]
        assert case["status"] in STATUSES, case["id"]


def test_agreement_on_the_stress_set():
    value: Counter[tuple[str, bool]] = Counter()
    both: Counter[tuple[str, bool]] = Counter()
    for case in CASES:
        got, status, _ = _derived(case)
        value[(case["indicator"], got == case["value"])] += 1
        both[(case["indicator"], got == case["value"] and status == case["status"])] += 1

    def share(counts: Counter[tuple[str, bool]], key: str | None) -> float:
        good = sum(n for (k, same), n in counts.items() if same and key in (None, k))
        return good / sum(n for (k, _), n in counts.items() if key in (None, k))

    lines = [f"stress set ({len(CASES)} blind cases) {'value':>8} {'+status':>9}"]
    for key in [*INDICATORS, None]:
        cells = f"{100 * share(value, key):8.1f}% {100 * share(both, key):8.1f}%"
        lines.append(f"{key or 'all indicators':26} {cells}")
    report("2 stress", lines)
    assert share(value, None) >= FLOOR["value"]
    assert share(both, None) >= FLOOR["value and status"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_no_yes_contradicts_an_explicit_denial(case: dict):
    said = denial(case["indicator"], case["text"])
    if said:
        assert _derived(case)[0] != "yes", said
