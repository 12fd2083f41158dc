"""An explicit denial, found by a check of its own (not by monitor.core.findings).

"X does not have an officially recognized national CIRT", "There is no website or hotline
…": a sentence in which the country does not have, or there is no, the indicator's subject,
named in the same clause. Deliberately plain, so that the test that no derived "yes"
contradicts such a sentence does not share the rules' mistakes.
"""

from __future__ import annotations

import re

# What each indicator's denial must name, in plain words.
SUBJECTS = {
    "national_cirt": r"national\w*\s+(?:\w+\s+){0,3}(?:CIRT|CERT|CSIRT|incident response)",
    "cybercrime_legislation": r"(?:legislation|law)s?\b.{0,40}cyber\s?crime|cyber\s?crime "
    r"(?:legislation|law)",
    "cybersecurity_regulation": r"(?:legislation|regulation)s?\b.{0,40}(?:cyber|security)",
    "standards_framework": r"framework",
    "cybersecurity_strategy": r"cyber\s?security\s+(?:\w+\s+){0,2}(?:strategy|policy)",
    "responsible_agency": r"agency|body|institution|ministry|authority",
    "cop_legislation": r"legislation.{0,40}child|child.{0,40}legislation",
    "cop_agency": r"agency|institution|body|organi[sz]ation",
    "reporting_mechanism": r"website|hotline|helpline|mechanism",
}
_DENIAL = re.compile(
    r"\b(?:does not (?:yet )?have|do not have|doesn't have|has no|have no"
    r"|there (?:is|are) (?:still |currently |yet )?no)\b([^.;:]*)",
    re.I,
)


def denial(key: str, text: str) -> str | None:
    """The first sentence of ``text`` that denies ``key``'s subject outright, if any."""
    subject = re.compile(SUBJECTS[key], re.I)
    for sentence in re.split(r"(?<=\.)\s+(?=[A-Z])", text):
        for match in _DENIAL.finditer(sentence):
            if subject.search(match.group(1)):
                return sentence
    return None
