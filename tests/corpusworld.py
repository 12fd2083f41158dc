"""The real corpus (120 countries) imported in one week, then edited versions of a few of
them in the next: the store the overview, the digest summary and the export are tested on.

Each edit was chosen by reading the document it changes (see ``EDITS``); the expectations
in the tests follow from the edit, not from the code's output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from monitor.config import Config, parse_config
from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store
from tests.conftest import CORPUS
from tests.helpers import edited

IMPORTED = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)  # 2026-W47
FIRST_EDITS = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 2026-W48
SECOND_EDITS = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 2026-W48
WEEK_OF_IMPORT, WEEK_OF_EDITS = "2026-W47", "2026-W48"

IRAQ_NO_CERT = "There is still no nationally recognized CERT in Iraq."
IRAQ_CERT = "Iraq has an officially recognized national CIRT, IQ-CERT, established in 2015."


def _undated(text: str) -> str:
    """The same document without its "Last updated" line (and a stray superscript)."""
    return re.sub(r"(?m)^\s*(?:th\s*\n\s*)?Last updated on[^\n]*\n?", "", text)


# (country file, when seen, edits): a national CIRT appears in Iraq (a new date), then Iraq's
# population changes (a later date; the CIRT still dates from the first edit); Chad's
# population changes with a new date; Togo's date alone moves; Kenya's document loses its
# "Last updated" line and its internet figure changes (keyed by the day first seen).
EDITS = [
    (
        "Iraq",
        FIRST_EDITS,
        [
            (IRAQ_NO_CERT, IRAQ_CERT),
            ("Last updated on 6th March 2015", "Last updated on 10th February 2016"),
        ],
    ),
    ("Chad", FIRST_EDITS, [("11 831 000", "12 448 000"), ("12th March 2015", "3rd April 2016")]),
    ("Togo", FIRST_EDITS, "date"),
    ("Kenya", SECOND_EDITS, [("39.00%", "43.00%")]),
    (
        "Iraq",
        SECOND_EDITS,
        [
            (IRAQ_NO_CERT, IRAQ_CERT),
            ("33 703 000", "36 004 552"),
            ("Last updated on 6th March 2015", "Last updated on 1st June 2016"),
        ],
    ),
]


@dataclass
class CorpusWorld:
    root: Path
    config: Config
    store: Store
    countries: list[str]  # slugs


def text_of(name: str) -> str:
    return extract((CORPUS / f"{name}.txt").read_bytes())


def save(store: Store, text: str, when: datetime) -> str:
    profile = parse(text)
    store.save(profile, text.encode(), kind="text", content_type="text/plain", now=when)
    store.update_state(
        profile.slug, country=profile.country, iso2=profile.iso2, last_check=when.isoformat()
    )
    return profile.slug


def build(root: Path) -> CorpusWorld:
    config = parse_config(
        {"storage": {"snapshots": str(root / "snapshots"), "reports": str(root / "reports")}},
        None,
    )
    store = Store(config.storage.snapshots)
    slugs = {save(store, text_of(path.stem), IMPORTED) for path in sorted(CORPUS.glob("*.txt"))}
    for name, when, edits in EDITS:
        text = text_of(name)
        if edits == "date":
            text = re.sub(r"(Last updated on[^\n]*?)\d{4}", r"\g<1>2016", text, count=1)
        else:
            text = edited(text, *edits)
        if name == "Kenya":
            text = _undated(text)
        save(store, text, when)
    return CorpusWorld(root, config, store, sorted(slugs))
