"""The one ref and period grammar (core/refs), on its own: what each spelling means."""

from __future__ import annotations

import pytest

from monitor.core.refs import (
    Exactness,
    date_bound,
    exactness,
    parse_period,
    parse_ref,
    split_country,
    version,
)


@pytest.mark.parametrize(
    ("text", "prefix", "revision", "from_latest", "back"),
    [
        ("2016-02-10", "2016-02-10", None, True, 0),
        ("2016-02-10.R2", "2016-02-10", 2, True, 0),
        ("2016", "2016", None, True, 0),
        ("2016-02", "2016-02", None, True, 0),
        (" Latest ", None, None, True, 0),
        ("previous", None, None, True, 1),
        ("latest~3", None, None, True, 3),
        ("first~1", None, None, False, 1),
    ],
)
def test_refs_parse(text, prefix, revision, from_latest, back):
    ref = parse_ref(text)
    assert ref is not None
    assert (ref.prefix, ref.revision, ref.from_latest, ref.back) == (
        prefix,
        revision,
        from_latest,
        back,
    )


@pytest.mark.parametrize("text", ["yesterday", "2016-2", "16", "2016.r2", "latest~", "../x", ""])
def test_what_is_no_ref(text):
    assert parse_ref(text) is None


def test_exactness_is_that_of_the_least_exact_ref():
    assert exactness("2016-02-10.r2", "2015-03-06.r1") is Exactness.REVISION
    assert exactness("2016-02-10.r2", "2016-02-10") is Exactness.DATED
    assert exactness("2016", "2016-02") is Exactness.DATED
    assert exactness("2016-02-10.r2", "latest") is Exactness.MOVING
    assert exactness("first") is Exactness.MOVING


def test_stored_version_names_and_country_prefixes():
    assert version("2016-02-10.r2") == ("2016-02-10", 2)
    assert version("2016-02-10") == ("2016-02-10", 1)
    assert version("latest") is None
    assert version("iraq-2016.txt") is None
    assert split_country("uganda:latest") == ("uganda", "latest")
    assert split_country("uganda:a:b") == ("uganda", "a:b")
    assert split_country("latest") == (None, "latest")
    assert split_country(":latest") == (None, ":latest")
    assert split_country("uganda:") == (None, "uganda:")


def test_periods_and_date_bounds():
    week = parse_period("2026-W47")
    assert week is not None and (week.year, week.week, week.since) == (2026, 47, None)
    since = parse_period("since-2026-01-01")
    assert since is not None and since.since == "2026-01-01"
    for label in ("2026-w47", "2026-W7", "since-2026", "2026-W47.html"):
        assert parse_period(label) is None
    assert [date_bound(d) for d in ("2015", "2015-03", "2015-03-06", "20150306120000")] == [
        "2015",
        "201503",
        "20150306",
        "20150306120000",
    ]
    with pytest.raises(ValueError, match="not a date like 2015, 2015-03 or 2015-03-06"):
        date_bound("March")
