"""Derived yes/no facts a reader cares about, each with the sentence that decided it.

Rules are data: which section to read, whether its list of instruments decides, and which
words make a sentence about the fact. A sentence with a negation says "no"; any other
sentence about the fact says "yes"; no such sentence leaves the fact unknown (None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from monitor.core.profile import INDICATORS, Finding, Section


@dataclass(frozen=True)
class Rule:
    key: str
    section: str
    subject: str  # regex: the sentence is about this
    qualifier: str = ""  # regex: and is specific enough to decide
    items_decide: bool = False  # a non-empty list of instruments means yes

    @property
    def label(self) -> str:
        return INDICATORS[self.key]


RULES: tuple[Rule, ...] = (
    Rule(
        "national_cirt",
        "1.2.1",
        r"(?:CIRT|CERT|CSIRT)s?\b|incident response",
        r"\bnational|officially|government",
    ),
    Rule(
        "cybercrime_legislation",
        "1.1.1",
        r"legislation|law|code",
        items_decide=True,
    ),
    Rule(
        "cybersecurity_regulation",
        "1.1.2",
        r"legislation|regulation|law",
        items_decide=True,
    ),
    Rule(
        "standards_framework",
        "1.2.2",
        r"framework|standard",
    ),
    Rule(
        "cybersecurity_strategy",
        "1.3.1",
        r"strateg|polic",
        r"national|officially|cyber",
    ),
    Rule(
        "responsible_agency",
        "1.3.3",
        r"agenc|authorit|ministr|department|directorate|council|committee|office|cent(?:re|er)|body",
        r"responsib|in charge|officially",
    ),
    Rule(
        "cop_legislation",
        "2.1",
        r"legislation|law|code|act\b",
        items_decide=True,
    ),
    Rule(
        "cop_agency",
        "2.3",
        r"agenc|authorit|ministr|department|council|committee|office|cent(?:re|er)|body",
        r"responsib|in charge|officially|protect",
    ),
    Rule(
        "reporting_mechanism",
        "2.4",
        r"website|hotline|helpline|portal|report",
    ),
)

_NEGATION = re.compile(
    r"\b(?:no|not|none|nor|never|lacks?|without|absence|yet to|draft)\b|n't\b", re.I
)
_NOT_IN_FORCE = re.compile(r"\b(?:revoked|repealed|draft|bill|proposed|pending)\b", re.I)
# A sentence ends at . ! ? before a capital, but not after "St." "No." "Art." or an initial.
_SENTENCE = re.compile(
    r"(?<=[.!?])(?<!\bSt\.)(?<!\bNo\.)(?<!\bNr\.)(?<!\bArt\.)(?<!\bDr\.)(?<!\bMr\.)"
    r"(?<!\bCo\.)(?<!\bvs\.)(?<!\b[A-Z]\.)\s+(?=[A-Z(])"
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _decide(rule: Rule, section: Section) -> Finding:
    if rule.items_decide and section.items:
        in_force = [item for item in section.items if not _NOT_IN_FORCE.search(item)]
        if in_force:
            return Finding(rule.label, True, in_force[0])
        return Finding(rule.label, False, section.items[0])
    if rule.items_decide and section.text.rstrip().endswith(":"):
        # "…enacted through the following instruments:" followed by "None": an empty list
        return Finding(rule.label, False, f"{sentences(section.text)[-1]} None.")
    subject = _compiled(rule.subject)
    qualifier = _compiled(rule.qualifier) if rule.qualifier else None
    for sentence in sentences(section.text):
        if not subject.search(sentence):
            continue
        if qualifier and not qualifier.search(sentence):
            continue
        return Finding(rule.label, not _NEGATION.search(sentence), sentence)
    return Finding(rule.label, None, None)


def derive(sections: Mapping[str, Section]) -> dict[str, Finding]:
    """Every rule's finding, in the order of ``RULES``; a missing section is unknown."""
    out = {}
    for rule in RULES:
        section = sections.get(rule.section)
        out[rule.key] = _decide(rule, section) if section else Finding(rule.label, None, None)
    return out
