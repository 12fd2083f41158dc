"""What a search asks and what it found, as data: the query grammar people type (phrases,
AND/OR/NOT, prefix*), turned into an SQLite FTS5 expression that can never be a syntax
error, and the hits (one per country and section) with the snapshots that first and last
contained the words. Pure: text in, values out; the index (``edges/index``) does the looking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.errors import QuestionError

OPERATORS = ("AND", "OR", "NOT")
_TOKEN = re.compile(r'"([^"]*)"(\*)?|(\()|(\))|([^\s()"]+)')
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"  # around each match in a snippet; renderers spell them


def fts_query(text: str) -> str:
    """``budapest convention`` → ``"budapest" "convention"`` (both words, FTS5's implicit
    AND); ``"council of europe" OR budap*`` → ``"council of europe" OR "budap"*``.

    Every word and phrase is quoted, so no character a user types is FTS5 syntax; only
    ``AND``, ``OR``, ``NOT`` (upper case, as FTS5 spells them), parentheses and a trailing
    ``*`` are. Operators out of place (``OR x``, ``x NOT``) and unbalanced parentheses are
    dropped rather than refused: a search box should answer."""
    parts: list[str] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        phrase, phrase_star, opening, closing, word = match.groups()
        if opening:
            if parts and parts[-1] not in (*OPERATORS, "("):
                parts.append("AND")
            parts.append("(")
            depth += 1
        elif closing:
            if depth and parts and parts[-1] != "(":
                while parts and parts[-1] in OPERATORS:
                    parts.pop()
                parts.append(")")
                depth -= 1
        elif word in OPERATORS:
            if parts and parts[-1] not in (*OPERATORS, "("):
                parts.append(word)
        else:
            star = "*" if phrase_star or (word and word.endswith("*")) else ""
            words = (phrase if phrase is not None else word.rstrip("*")).split()
            if not words:
                continue
            if parts and parts[-1] not in (*OPERATORS, "("):
                parts.append("AND")
            parts.append('"' + " ".join(w.replace('"', "") for w in words) + '"' + star)
    while parts and parts[-1] in (*OPERATORS, "("):
        if parts.pop() == "(":
            depth -= 1
    parts.extend(")" * depth)
    if not any(p.startswith('"') for p in parts):
        raise QuestionError(f"search {text!r}: nothing to look for (give a word or a phrase)")
    return " ".join(parts)


@dataclass(frozen=True)
class Hit:
    """One country's section where the query matches, in at least one stored snapshot."""

    slug: str
    country: str
    section: str  # "1.1.2"
    title: str
    now: bool  # the country's newest snapshot matches
    first: str  # the first snapshot (ref name) whose section matched
    last: str  # the last one that did (the newest snapshot when ``now``)
    latest: str  # the country's newest snapshot
    snippet: str  # from ``last``, each match between MARK_OPEN and MARK_CLOSE

    @property
    def gone(self) -> str | None:
        """The last snapshot that contained it, when the newest no longer does."""
        return None if self.now else self.last


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """A snippet as runs of (text, is a match), for renderers to mark as they spell it."""
    parts: list[tuple[str, bool]] = []
    for index, piece in enumerate(re.split(f"[{MARK_OPEN}{MARK_CLOSE}]", snippet)):
        if piece:
            parts.append((piece, index % 2 == 1))
    return parts


def marked(snippet: str, opening: str = "«", closing: str = "»") -> str:
    """A snippet with each match between ``opening`` and ``closing``."""
    return snippet.replace(MARK_OPEN, opening).replace(MARK_CLOSE, closing)
