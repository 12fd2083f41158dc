"""Invariants over generated input (Hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.core.extract import extract
from monitor.core.parse import parse
from monitor.core.profile import from_dict, to_dict
from monitor.errors import ParseError
from tests.conftest import IRAQ_SEED, seed_text

IRAQ = seed_text(IRAQ_SEED)
LINES = IRAQ.splitlines()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parse_raises_only_parse_error_on_arbitrary_text(text):
    try:
        parse(text)
    except ParseError:
        pass


@settings(max_examples=200)
@given(st.lists(st.sampled_from(LINES), max_size=80), st.text(max_size=50))
def test_parse_raises_only_parse_error_on_profile_shaped_text(lines, noise):
    try:
        parse("\n".join(lines) + noise)
    except ParseError:
        pass


@settings(max_examples=100)
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
        max_size=5,
    ),
    st.integers(min_value=0, max_value=2_000_000_000),
    st.floats(min_value=0, max_value=100, allow_nan=False),
)
def test_round_trip_is_exact(items, population, internet):
    body = "\n".join(f"- {item.strip() or 'x'}" for item in items)
    text = IRAQ.replace("-None.", body or "-None.", 1).replace("33 703 000", str(population))
    text = text.replace("9.20%", f"{internet:.2f}%")
    profile = parse(extract(text.encode()))
    assert from_dict(to_dict(profile)) == profile
