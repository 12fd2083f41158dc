"""Derived yes/no facts a reader cares about, each with the sentence that decided it.

The semantics are written once, in tests/data/README.md, and measured against sentences
labelled by careful readers (tests/data/indicators.json). In short: only a thing that
exists now is "yes"; a plan, draft, bill or a body being set up is "no" with a ``status``
(``planned``, ``draft``); one that was repealed or stopped working is "no" (``defunct``);
"there is no X" and "there is no information on X" are "no"; silence is unknown (None).

How a section is read, sentence by sentence (a list item counts as a sentence):

1. **The section's own statement decides.** The first sentence that says the country has,
   does not have, or is establishing the thing, naming it right after the verb ("X does not
   have an officially recognized national CIRT", "There is no …", "X has an officially
   recognized National Cyber Security Masterplan", "X is currently establishing …"), decides
   the value. Other sentences only add a status to its "no" (``planned``, ``draft``,
   ``defunct``, or ``partial`` when a sector-specific one exists); an aid agency "assisting
   the government in developing" one never turns the "no" into "yes". One exception: a
   later "However CERT.bh is under formation" takes back "has a national CERT (CERT.bh)".
   The rule is written once, under "Precedence" in tests/data/README.md.
2. Without such a statement, a sentence is *about* the indicator when it matches the
   rule's ``subject``, and *specific* when it also names the thing precisely
   (``specific``: a *national* CIRT, a *cyber*security strategy, child *online* protection).
   Each gets a modality: a plan (assisting, negotiating, working towards …), a draft,
   defunct, negated, or a plain statement that the thing exists; and the most telling one
   decides: a specific "exists" first (a national CIRT that exists wins over a plan for
   sectoral ones), then a specific plan / draft / negation, then a general "exists" (only
   where the rule allows it: a child helpline run by an NGO is a reporting mechanism, a
   national ICT policy is not a cybersecurity strategy), then a general negation. "This Plan
   is based on…" never makes a draft plan exist.
3. A "no" takes its status from a later sentence when its own has none ("does not have
   one. However it is drafting one": no, draft).

List items decide where the section is a list of instruments (laws in force: yes;
only bills or repealed laws: no). Measured against the labels: ``tests/test_indicators.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from monitor.core.profile import INDICATORS, Finding, Profile, Section

_CYBER = r"cyber|information security|security of information|ict security|network security"
_BODY = (
    r"agenc|authorit|ministr|department|directorate|council|committee|office|cent(?:re|er)"
    r"|body|bodies|institut|organi[sz]ation|unit\b|commission|team|police|CERT|CIRT|CSIRT"
    r"|board|foundation|union|initiative|partnership|website|portal|program|support"
)


@dataclass(frozen=True)
class Rule:
    key: str
    section: str
    subject: str  # regex: the sentence is about this
    specific: str = ""  # regex: and names the thing precisely (empty: every such sentence)
    general_yes: bool = False  # a sentence about it that is not specific can still say yes
    items_decide: bool = False  # the section lists instruments; one in force means yes
    not_specific: str = ""  # regex: this makes a sentence general (an *academic* CSIRT)
    thing: str = ""  # regex: what a statement "has / does not have …" names (empty: subject)

    @property
    def label(self) -> str:
        return INDICATORS[self.key]


RULES: tuple[Rule, ...] = (
    Rule(
        "national_cirt",
        "1.2.1",
        r"(?-i:CIRT|CERT|CSIRT|CIRC)|incident (?:response|handling)|emergency response"
        r"|response team|team respond",
        r"\bnational|officially|government",
        not_specific=r"^(?!.*\bnational\b).*(?:academic|research|universit|educational)",
    ),
    Rule(
        "cybercrime_legislation", "1.1.1", r"legislation|law|code|act\b|bill\b", items_decide=True
    ),
    Rule(
        "cybersecurity_regulation",
        "1.1.2",
        r"legislation|regulat|law|resolution|decree|act\b|bill\b|directive|ordinance",
        items_decide=True,
    ),
    Rule(
        "standards_framework",
        "1.2.2",
        r"framework|standard",
        r"framework|guideline|officially|\bnational|approved|government|mandat",
    ),
    # a strategy that *is* about cybersecurity; an ICT policy that mentions it is not one
    Rule(
        "cybersecurity_strategy",
        "1.3.1",
        rf"(?:{_CYBER})\w*\s*(?:\w+\s+){{0,5}}(?:strateg|polic|(?:master)?plan\b|doctrine)"
        rf"|(?:strateg|polic|plan\b|doctrine)\w*\s+(?:on|for|of|against|in)\s+(?:\S+\s+){{0,2}}"
        rf"(?:{_CYBER})"
        r"|information systems? (?:\w+ )?(?:and )?security (?:strateg|polic)",
    ),
    Rule(
        "responsible_agency",
        "1.3.3",
        r".",
        rf"{_CYBER}|security|CERT|CIRT|CSIRT",
        thing=_BODY,
    ),
    Rule("cop_legislation", "2.1", r"legislation|law|code|act\b|bill\b", items_decide=True),
    Rule(
        "cop_agency",
        "2.3",
        rf"{_BODY}|responsib|provides|information",
        r"online|internet|cyber|web|digital|\bICT|CERT|CIRT|CSIRT|parental control",
        general_yes=True,
    ),
    Rule(
        "reporting_mechanism",
        "2.4",
        r".",
        r"report|hotline|helpline|help line|tip line|website|e-?mail|phone|telephone"
        r"|complaint|portal|online form|@|\d{3}",
        general_yes=True,
        thing=r"mechanism|hotline|helpline|help line|tip line|website|web site|portal|e-?mail"
        r"|phone|complaint|online form|channel",
    ),
)

_DEFUNCT = re.compile(
    r"\b(?:revoked|repealed|abolished|annulled|dissolved|defunct|ceased|no longer|inactive"
    r"|suspended|discontinued|disbanded|shut down|closed down|expired"
    r"|not (?:currently )?(?:operational|active|functioning|in force))\b",
    re.I,
)
_DRAFT = re.compile(
    r"\bdraft(?:s|ed|ing)?\b|\bbills?\b|\bbeing (?:drafted|developed|prepared|reviewed|"
    r"finali[sz]ed|elaborated|formulated)|\b(?:currently|process of|is|are) (?:developing|"
    r"drafting|preparing|elaborating|finali[sz]ing|formulating)\b|\bunder (?:review|"
    r"development|preparation|consideration|discussion)|\bin progress for adoption"
    r"|\bawaiting (?:\w+ )?(?:approval|adoption|endorsement|enactment|passage)|\bpending\b"
    r"|\bcurrently (?:being )?(?:developed|drafted|prepared|elaborated)"
    # an instrument whose text is written and awaits its vote: "in the process of being
    # enacted", "is in the process of enacting"
    r"|\b(?:process of|being) (?:being )?(?:enact|adopt|pass)(?:ed|ing)\b",
    re.I,
)
_PLANNED = re.compile(  # case-sensitive: "the National Plan to Combat Cybercrime" is a name
    r"\bin the process of|\bplans? to\b|\bplanning to\b|\bplanned\b|\bintends? to\b"
    r"|\bintention|\bwill (?:be )?\w+|\bproposed\b|\bproposal\b|\bproject\b|\bbeing (?:set up"
    r"|established|created|built)|\bworking on\b|\baims? (?:at|to) (?:establish|creat|develop"
    r"|set)|\b(?:for|towards?) the (?:establishment|creation|setting up|development) of"
    r"|\byet to\b|\bnot yet\b|\b(?:readiness|needs|feasibility) (?:assessment|study)"
    r"|\b(?:assessment|study) towards?\b"
    r"|\bpreparing\b|\bin progress\b|\bunder (?:formation|construction)"
    r"|\bsteps? (?:for|towards?|to)\b|\bembarking\b"
    # a body being set up, helped or negotiated is not there yet: "is currently establishing",
    # "[an aid agency] is assisting the government in developing", "is working towards",
    # "negotiations … are ongoing", "a committee was created to develop", "in process"
    r"|\b(?:is|are) (?:currently |now )?(?:[Ee]stablishing|creating|setting up|building)\b"
    r"|\b(?:[Aa]ssist|[Hh]elp|[Ss]upport)\w*\b[^.;]{0,80}?\b"
    r"(?:develop|establish|creat|set(?:ting)? up|build|design)\w*"
    r"|\bworking (?:on|towards?|out)\b|\b[Nn]egotiat\w*|\bdiscuss(?:ion|ing|ed)\w*"
    r"|\b(?:created|established|formed|set up|tasked|mandated|appointed)\b[^.;]{0,30}?\bto "
    r"(?:develop|draft|prepare|elaborate|define|design|establish|create)\b"
    r"|\bin (?:the )?process\b|\broadmap (?:for|towards?) (?:the|a|an)\b"
)
_NEGATION = re.compile(r"\b(?:no|not|none|nor|never|lacks?|absence)\b|n't\b|\bthere is no\b", re.I)
# Not negations or modality, and removed before looking: "Resolution No. 614/2013",
# e-mail addresses and web addresses ("norcert@cert.no"), "not only", and a draft that a
# law in force has replaced ("adopted in 2017, which replaced the draft policy of 2014").
_NOISE = re.compile(
    r"\b[Nn][or]s?\.\s*\d[\w/.-]*|\bno\.?\s*\d[\w/.-]*|\S+@\S+|\b(?:https?://|www\.)\S+"
    r"|\S+\.(?:no|gov|org|com|net)\b\S*|\bnot only\b|,?\s*(?:which|that)?\s*replac\w*\b[^.;]*"
    # "…approved in 2012, to establish an environment that will ensure…": a relative clause
    # says what the thing does, not that it is only planned
    r"|\b(?:which|that|who)\s+will\b[^.;]*",
    re.I,
)
_CONTINUATION = re.compile(r"^(?:This|These|Such|Said)\b")
_BUT = re.compile(r"^(?:However|But|Nevertheless|Yet)\b")
_NAMES = re.compile(r"\b[A-Za-z]*[A-Z]{2,}[\w.-]*[A-Za-z]")  # CERT.bh, MNCIRT, GovCERT
_NO_INSTRUMENT = re.compile(r"^\W*(?:none|n/?a|nil)\W*$", re.I)
_LIST_INTRO = re.compile(r"\bfollowing\b[^.;]*:", re.I)
_INLINE_LIST = re.compile(r"following instruments?\s*:\s*(.+)$", re.I)

# A sentence ends at . ! ? before a capital, but not after "e.g." "St." "No." or an initial.
_SENTENCE = re.compile(
    r"(?<=[.!?])(?<!e\.g\.)(?<!i\.e\.)(?<!\bSt\.)(?<!\bNo\.)(?<!\bNr\.)(?<!\bArt\.)"
    r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bCo\.)(?<!\bvs\.)(?<!\b[A-Z]\.)\s+(?=[A-Z(])"
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def modality(sentence: str) -> tuple[bool, str | None]:
    """What one sentence says of its subject: (exists, status word when it does not)."""
    text = _NOISE.sub(" ", sentence)
    if _DEFUNCT.search(text):
        return False, "defunct"
    if _DRAFT.search(text):
        return False, "draft"
    if _PLANNED.search(text):
        return False, "planned"
    if _NEGATION.search(text):
        return False, None
    return True, None


def _instruments(rule: Rule, section: Section) -> Finding | None:
    """A list of instruments decides: one in force is "yes"; only drafts or repealed is "no"."""
    items = list(section.items)
    inline = _INLINE_LIST.search(section.text)
    if not items and inline:  # "…through the following instrument: Act No. 12 of 2012."
        items = [inline.group(1)]
    if not items:
        if section.text.rstrip().endswith(":"):  # "…following instruments:" then nothing
            return Finding(rule.label, False, f"{sentences(section.text)[-1]} None.")
        return None
    if all(_NO_INSTRUMENT.match(item) for item in items):
        return Finding(rule.label, False, f"{sentences(section.text)[-1]} {items[0]}")
    judged = [(item, modality(item)) for item in items if not _NO_INSTRUMENT.match(item)]
    for item, (exists, status) in judged:
        if exists or status is None:  # a law listed is in force unless it says otherwise
            return Finding(rule.label, True, item)
    item, (_, status) = judged[0]
    return Finding(rule.label, False, item, status)


# What makes a sentence the section's own statement about the country: it says the country
# has, does not have or is establishing the thing, and names it within a few words.
_STATEMENT = re.compile(
    r"\b(?:do|does|did)(?:\s+not|n't)\s+(?:\w+\s+)?have\b|\bha(?:s|ve)\s+(?:not|no)\b"
    r"|\bthere\s+(?:is|are|exists?)\s+(?:\w+\s+)?(?:no|not)\b|\black(?:s|ing)?\b|\b(?:does\s+)?(?:has|have|possess(?:es)?)\b"
    r"|\b(?:is|are)\s+(?:currently\s+|now\s+|still\s+)?(?:in\s+the\s+process\s+of\s+)?(?:establishing"
    r"|creating|setting\s+up|building|developing|drafting|preparing|working\s+(?:on|towards?|out))\b"
    r"|\bwill\s+(?:be\s+)?(?:establish|creat|set)\w*",
    re.I,
)
# "has developed a …" reports work on the thing, not the thing: no statement of having it
_NOT_HAVING = re.compile(
    r"\s*(?:been\s+)?(?:developed|drafted|prepared|started|begun|initiated"
    r"|undertaken|launched\s+(?:a|an|the)\s+(?:process|project))\b",
    re.I,
)
# "ANSSI will have also the power of an Auditor Agency": what it would have, not has
_MODAL = re.compile(r"\b(?:will|would|shall|may|might|could|should|to)\s+(?:\w+\s+)?$", re.I)
_NAMED_WITHIN = 12
# "is preparing a *new* strategy" speaks of one more, not of whether there is one
_MORE = re.compile(
    r"\b(?:new|another|second|updated|revised|further|additional)\b", re.I
)  # words after the verb in which the statement must name the thing
_PARTIAL = re.compile(r"\bsector(?:al|s)?\b|sector-specific", re.I)
# "…; only the banking sector has rules on electronic fraud": some of it, not the thing
_ONLY = re.compile(r"^\W*only\b", re.I)


def _statement(rule: Rule, sentence: str) -> str | None:
    """The explicit statement the sentence makes that the country has, does not have or is
    establishing the thing (named right after the verb, in the same clause), if it makes one.
    A list's introduction ("… is being enacted through the following instruments:") is the
    statement of what the list is, in force or not; what follows its colon is not part of it."""
    intro = _LIST_INTRO.search(sentence) if rule.items_decide else None
    if intro:
        return sentence[: intro.end()]
    thing = _compiled(rule.thing or rule.subject)
    for part in _CLAUSES.split(sentence):
        if _says(thing, _NOISE.sub(" ", part)):
            return part
    return None


def _says(thing: re.Pattern[str], text: str) -> bool:
    for verb in _STATEMENT.finditer(text):
        if _NOT_HAVING.match(text, verb.end()) or _MODAL.search(text, 0, verb.start()):
            continue
        clause = " ".join(
            re.split(r"[.;:]", text[verb.end() :], maxsplit=1)[0].split()[:_NAMED_WITHIN]
        )
        if thing.search(clause) and not _MORE.search(clause):
            return True
    return False


# Where one clause ends and another begins: "…; a new structure is being developed", "…
# offers support and intends to launch a cyber unit" (a plan for more, not for the thing).
_CLAUSES = re.compile(r";|\band (?=(?:also |now )?(?:intends?|plans?|aims?|will)\b)")


def _clause(subject: re.Pattern[str], sentence: str) -> str:
    """Of the sentence's clauses, the first that names the subject: "has a national CIRT
    (mmCERT); a new governance structure is being developed" does not make the CIRT a plan."""
    parts = _CLAUSES.split(sentence)
    if len(parts) == 1:
        return sentence
    return next((part for part in parts if subject.search(part)), sentence)


def _decide(rule: Rule, section: Section) -> Finding:
    """The section's own statement decides; other sentences only add a status (see
    tests/data/README.md, "Precedence"); without one, the most telling sentence decides."""
    said = sentences(section.text) or list(section.items)
    stated = _stated(rule, said)
    listed = _instruments(rule, section) if rule.items_decide else None
    if stated is not None and not (stated.value and listed is not None):
        return stated
    if listed is not None:
        return listed
    subject = _compiled(rule.subject)
    best: tuple[int, Finding] | None = None
    # List items only speak for themselves without prose: "does not have one, since the
    # following share the task:" is decided by its own sentence, not by the list after it.
    for sentence in said:
        if not subject.search(sentence):
            continue
        is_specific = _specific(rule, sentence)
        exists, status = modality(_clause(subject, sentence))
        if exists and not is_specific and not rule.general_yes:
            continue  # a research CSIRT says nothing about a national CIRT
        if exists and _CONTINUATION.match(sentence):
            continue  # "This Plan is based on…" describes the thing just named, draft or not
        rank = (0 if exists else 1) if is_specific else (2 if exists else 3)
        finding = Finding(rule.label, exists, sentence, status)
        if best is None or rank < best[0] or _retracts(sentence, status, best[1]):
            best = (min(rank, best[0]) if best else rank, finding)
    if best is None:
        return Finding(rule.label, None, None)
    return _with_status(rule, best[1], said)


def _specific(rule: Rule, sentence: str) -> bool:
    specific = _compiled(rule.specific) if rule.specific else None
    general = _compiled(rule.not_specific) if rule.not_specific else None
    return (specific is None or bool(specific.search(sentence))) and not (
        general and general.search(sentence)
    )


def _stated(rule: Rule, said: list[str]) -> Finding | None:
    """The first explicit, specific statement of the section about the thing, as a finding;
    a later "However <the same name> is under formation" still takes back a "has"."""
    subject = _compiled(rule.subject)
    for at, sentence in enumerate(said):
        if not (subject.search(sentence) and _specific(rule, sentence)):
            continue
        statement = _statement(rule, sentence)
        if statement is None:
            continue
        exists, status = modality(statement)
        found = Finding(rule.label, exists, sentence, status)
        for later in said[at + 1 :]:
            later_status = modality(later)[1]
            if subject.search(later) and _retracts(later, later_status, found):
                return Finding(rule.label, False, later, later_status)
        return _with_status(rule, found, said, statement)
    return None


def _with_status(rule: Rule, found: Finding, said: list[str], clause: str = "") -> Finding:
    """A plain "no" takes its status from the sentences after it ("does not have one.
    However it is working on one": planned), else ``partial`` when one of them says a
    sector-specific one exists ("there is no national CIRT; the banks run a CERT")."""
    if found.value is not False or found.status is not None or found.evidence not in said:
        return found
    sentence = str(found.evidence)
    before, _, rest = sentence.partition(clause or _clause(_compiled(rule.subject), sentence))
    others = [part for part in (before, rest) if part.strip(" ;,")]
    after = others + said[said.index(sentence) + 1 :]
    status = next((word for word in (modality(s)[1] for s in after) if word), None)
    if status is None:
        subject = _compiled(rule.subject)
        if any(
            modality(s)[0] and (_ONLY.search(s) or (subject.search(s) and _PARTIAL.search(s)))
            for s in [*others, *said]
        ):
            status = "partial"
    if status:
        return Finding(rule.label, False, found.evidence, status)
    return found


def _retracts(sentence: str, status: str | None, best: Finding) -> bool:
    """ "…a national CERT (CERT.bh). However CERT.bh is currently under formation." """
    if status is None or not best.value or not best.evidence or not _BUT.match(sentence):
        return False
    return bool(set(_NAMES.findall(sentence)) & set(_NAMES.findall(best.evidence)))


def derive(sections: Mapping[str, Section]) -> dict[str, Finding]:
    """Every rule's finding, in the order of ``RULES``; a missing section is unknown."""
    out = {}
    for rule in RULES:
        section = sections.get(rule.section)
        out[rule.key] = _decide(rule, section) if section else Finding(rule.label, None, None)
    return out


def rederive(profile: Profile) -> Profile:
    """The profile judged by today's rules: stored snapshots are re-derived when read, so an
    old and a new snapshot of one text never differ only because the rules changed."""
    return replace(profile, indicators=derive(profile.sections))
