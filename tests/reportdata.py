"""A store holding several countries with real edits (the diff cases), for report tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import parse_config
from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.edges.store import Store
from tests.conftest import IRAQ_SEED, ROOT, TAJIKISTAN_SEED, seed_text
from tests.helpers import edited

CASES = json.loads((ROOT / "tests" / "data" / "diff_cases.json").read_text("utf-8"))
SEEDS = {"iraq": seed_text(IRAQ_SEED), "tajikistan": seed_text(TAJIKISTAN_SEED)}
COUNTRIES = ["Kenya", "Ghana", "Peru", "Chile", "Nepal", "Oman", "Fiji", "Mali", "Chad", "Togo"]
WEEK = "2026-W47"
BEFORE = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # week 46
DURING = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)  # week 47
FAILURE = "HTTP 503 Service Unavailable from https://example.org/Yemen.pdf (after 4 attempts)"
INJECTION = '<script>alert("x")</script> and "><img src=x onerror=alert(1)>'


@dataclass
class ReportWorld:
    root: Path
    store: Store
    config: object
    changed: dict[str, dict]  # country name -> the diff case it holds


def save(store: Store, text: str, country: str, when: datetime):
    # the seeds stand in for other countries here: the given name wins over the title
    profile = parse(extract(text.encode()), country=country, force_country=True)
    result = store.save(profile, text.encode(), kind="text", content_type="text/plain", now=when)
    store.update_state(
        profile.slug, country=profile.country, iso2=profile.iso2, last_check=when.isoformat()
    )
    return result


def build(tmp_path: Path, email: dict | None = None, reports: dict | None = None) -> ReportWorld:
    config = parse_config(
        {
            "storage": {
                "snapshots": str(tmp_path / "snapshots"),
                "reports": str(tmp_path / "reports"),
            },
            "email": email or {},
            "reports": reports or {},
        },
        None,
    )
    store = Store(config.storage.snapshots)
    changed = {}
    cases = [c for c in CASES if c["expected"]]
    for country, case in zip(COUNTRIES, cases, strict=False):
        base = SEEDS[case["base"]]
        save(store, base, country, BEFORE)
        save(
            store,
            edited(base, *map(tuple, case["edits"])),
            country,
            DURING + timedelta(minutes=len(changed)),
        )
        changed[country] = case
    # prose with HTML in it, published as a revision under the same date
    iraq = SEEDS["iraq"]
    save(store, iraq, "Iraq", BEFORE)
    hostile = edited(
        iraq,
        (
            "Iraq has made some [effort](#) to form a higher committee for cybersecurity.",
            f"Iraq says {INJECTION}.",
        ),
        ("-Cyber Crime law in Iraq [revoked](#).", f"- Law {INJECTION}"),
    )
    save(store, hostile, "Iraq", DURING + timedelta(hours=5))
    # unchanged this week, and one failing
    save(store, SEEDS["tajikistan"], "Tajikistan", BEFORE)
    store.update_state("tajikistan", last_check=DURING.isoformat())
    save(store, SEEDS["iraq"], "Yemen", BEFORE)
    store.update_state(
        "yemen",
        last_check=DURING.isoformat(),
        consecutive_failures=3,
        failing_since="2026-11-15T06:00:00+00:00",
        last_error=FAILURE,
    )
    return ReportWorld(tmp_path, store, config, changed)
