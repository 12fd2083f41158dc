"""Normalised profile text → ``Profile``.

Real profiles come in several extraction styles (see ../shared/corpus/README.md): the
parser works line by line on the structure every style keeps (the title, the BACKGROUND
block, numbered all-caps headings, ``-`` list items, the footer) and ignores what differs
(page markers, bare page numbers, blank-line patterns, flag images, line wrapping).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from monitor.core.countries import Country, identify, slugify, title_case
from monitor.core.extract import BIDI_CONTROLS
from monitor.core.findings import derive
from monitor.core.profile import Background, Indicator, Profile, Section
from monitor.errors import ParseError

_MD_LINK = re.compile(r"\[([^\]]*)\]\(\s*([^)\s]*)\s*\)")
_ANGLE_URL = re.compile(r"<((?:https?://|www\.)[^>\s]+)>")
_PAGE_MARK = re.compile(r"^-{5,}\s*(?:Page\s*\d+\s*-*)?$", re.I)
_TITLE = re.compile(r"CYBER\s*WELLNESS\s+PROFILE", re.I)
_BACKGROUND = re.compile(r"^\s*(?:BA[A-Z]{0,3}R[A-Z]{0,2}UND|Background)\b\s*:?\s*(.*)$")
# The titles of the standard template: a heading printed in other case is still a heading.
_KNOWN_TITLES = frozenset(
    [
        "CYBERSECURITY",
        "LEGAL MEASURES",
        "CRIMINAL LEGISLATION",
        "REGULATION AND COMPLIANCE",
        "TECHNICAL MEASURES",
        "CIRT",
        "STANDARDS",
        "CERTIFICATION",
        "ORGANIZATION MEASURES",
        "ORGANISATION MEASURES",
        "POLICY",
        "ROADMAP FOR GOVERNANCE",
        "RESPONSIBLE AGENCY",
        "NATIONAL BENCHMARKING",
        "CAPACITY BUILDING",
        "STANDARDISATION DEVELOPMENT",
        "STANDARDIZATION DEVELOPMENT",
        "MANPOWER DEVELOPMENT",
        "PROFESSIONAL CERTIFICATION",
        "AGENCY CERTIFICATION",
        "COOPERATION",
        "INTRA-STATE COOPERATION",
        "INTRA-AGENCY COOPERATION",
        "PUBLIC SECTOR PARTNERSHIP",
        "INTERNATIONAL COOPERATION",
        "CHILD ONLINE PROTECTION",
        "NATIONAL LEGISLATION",
        "NATIONAL LEGISLATION AND STRATEGY",
        "UN CONVENTION AND PROTOCOL",
        "INSTITUTIONAL SUPPORT",
        "REPORTING MECHANISM",
    ]
)
_HEADING = re.compile(r"^\s*(\d(?:\.\d{1,2}){0,3})\.?(?:\s+(.*?))?\s*$")
_NOISE_LINE = re.compile(r"^\s*(?:\d{1,3}|st|nd|rd|th)\s*$")
_FOOTER = re.compile(
    r"^[\s-]*(?:DISCLAIMER\b|More information is available|Last\s+updated\b)", re.I
)
# Items printed side by side: "-Penal Code      -Law on …" or "-ICT Act 2001 -Data Act".
_TWO_COLUMNS = re.compile(r"\s{2,}-\s*(?=\S)|\s+-(?=[A-Z])")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.I)
_NONE_ITEM = re.compile(r"^(?:none|n/?a|nil|-)\W*$", re.I)

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_UPDATED_LINE = re.compile(r"L(?:AST|ast)\s+(?:UPDATED|[Uu]pdated)\b[^\n]*")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s*(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})\s*(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_AS_OF = re.compile(r"[,\s]*((?:[A-Za-z]+\s+)?\d{4})\s*$")


def parse(text: str, country: str | None = None, *, force_country: bool = False) -> Profile:
    """Text → Profile. The country is the one the document's title names; ``country`` (a
    ``--country`` option, a configured source) only fills in where the title names none.
    One that contradicts the title is a ``ParseError`` naming both, unless ``force_country``."""
    lines, indents = _clean_lines(text)
    title_at = next((i for i, line in enumerate(lines) if _TITLE.search(line)), None)
    if title_at is None:
        raise ParseError("not a Cyberwellness Profile: no 'CYBERWELLNESS PROFILE' title")
    background_at = next(
        (i for i in range(title_at, len(lines)) if _BACKGROUND.match(lines[i])), None
    )
    if background_at is None:
        raise ParseError("not a Cyberwellness Profile: no BACKGROUND block")
    printed_name = _printed_name(lines, title_at, background_at)
    if BIDI_CONTROLS.search(printed_name):
        shown = ", ".join(sorted({f"U+{ord(c):04X}" for c in BIDI_CONTROLS.findall(printed_name)}))
        raise ParseError(
            f"the title {BIDI_CONTROLS.sub('', printed_name)!r} holds bidirectional control "
            f"characters ({shown}), which can make one country's name read as another's"
        )
    lines = [BIDI_CONTROLS.sub("", line) for line in lines]
    text = BIDI_CONTROLS.sub("", text)
    if not printed_name and not country:
        raise ParseError("not a Cyberwellness Profile: no country name under the title")
    headings = _headings(lines, background_at + 1)
    numbers = [number for _, _, number, _ in headings]
    if "1" not in numbers and "2" not in numbers:  # decided before anything is read
        raise ParseError("not a Cyberwellness Profile: no part 1 CYBERSECURITY heading")
    if "2" not in numbers:
        if _UPDATED_LINE.search(text) is None:
            raise ParseError(
                "document cut short: no part 2 (CHILD ONLINE PROTECTION) "
                "and no 'Last updated' footer"
            )
        raise ParseError("incomplete profile: no part 2 (CHILD ONLINE PROTECTION)")
    if "1" not in numbers:
        raise ParseError("incomplete profile: no part 1 (CYBERSECURITY)")
    last_updated = _last_updated(text)

    first_heading = headings[0][0]
    background = _background(lines[background_at:first_heading])
    sections = _sections(lines, indents, headings)
    who = _country(printed_name, country, force_country)
    official = title_case(printed_name) if printed_name else who.name
    return Profile(
        official_name=official,
        country=who.name,
        iso2=who.iso2,
        iso3=who.iso3,
        slug=who.slug or slugify(official),
        last_updated=last_updated,
        background=background,
        sections=sections,
        indicators=derive(sections),
    )


def _country(printed: str, given: str | None, force: bool) -> Country:
    """The title wins; a given country must agree with it (same ISO code, or same name)."""
    if not given:
        title = identify(printed)
        if title.slug == "unknown":
            raise ParseError(f"the title {printed!r} names no country")
        return title
    wanted = identify(given)
    if wanted.iso2 is None:  # ".." "/" "中国" "Narnia" would all be stored as one country
        raise ParseError(f"{given!r} is not a country the monitor knows (give a name or ISO code)")
    title = identify(printed) if printed else wanted
    if force or title.iso2 is None:  # a title ISO does not know: the given name fills in
        return wanted
    if title.iso2 != wanted.iso2:
        raise ParseError(
            f"the document is the profile of {title.name} (its title reads "
            f"{title_case(printed)!r}), not of {given}; the title wins "
            "(force the given country only if you are sure)"
        )
    return title


def _clean_lines(text: str) -> tuple[list[str], list[int]]:
    """The stripped lines, and how far each was indented (where printed columns start)."""
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _ANGLE_URL.sub(lambda m: m.group(1), text)
    raw = text.split("\n")
    lines = [line.strip() for line in raw]
    indents = [len(line) - len(line.lstrip()) for line in raw]
    cleaned = [
        "" if line.startswith("-----") and _PAGE_MARK.match(line) else line for line in lines
    ]
    return cleaned, indents


def _is_caps_title(line: str) -> bool:
    return line.upper() == line != line.lower() and "//" not in line


def _is_heading(title: str) -> bool:
    return _is_caps_title(title) or _known(title)


def _printed_name(lines: list[str], title_at: int, background_at: int) -> str:
    """The country's name under the title: its all-caps lines (flag images and their alt
    texts are not); in a rendering without capitals, the first short line."""
    parts = []
    after = _TITLE.split(lines[title_at], maxsplit=1)[-1].strip()
    if after and _is_caps_title(after):
        parts.append(after)
    between = [line for line in lines[title_at + 1 : background_at] if line]
    for line in between:
        if _is_caps_title(line) and not _URL.search(line):
            parts.append(line)
    if not parts:
        short = [line for line in between if len(line.split()) <= 8 and not _URL.search(line)]
        parts = short[:1]
    return " ".join(" ".join(parts).split())


@lru_cache(maxsize=256)
def _key(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split("."))


def _headings(lines: list[str], start: int) -> list[tuple[int, int, str, str]]:
    """(first line, first body line, number, title) of each numbered heading, in order.

    A heading is a section number followed by an all-caps title, on one line or with the
    title on the next non-blank line; numbers only ever increase, so numbered list items,
    page numbers and stray figures in the prose are never taken for headings.
    """
    found: list[tuple[int, int, str, str]] = []
    last: tuple[int, ...] = ()
    taken_until = start
    candidates = [i for i in range(start, len(lines)) if lines[i][:1].isdigit()]
    for index in candidates:
        if index < taken_until:
            continue
        match = _HEADING.match(lines[index])
        if not match:
            continue
        number, title = match.group(1), match.group(2)
        body = index + 1
        if not title and (following := _next_nonblank(lines, index + 1)) is not None:
            rest = _NUMBER_REST.match(lines[following])
            if not lines[following][:1].isdigit():
                title, body = lines[following], following + 1
            elif rest and lines[index].endswith("."):
                # a number broken at a dot: "1.5." / "2 INTRA-AGENCY COOPERATION"
                number, title, body = f"{number}.{rest.group(1)}", rest.group(2), following + 1
        if title and body < len(lines) and _continues(title, lines[body]):
            # a title broken across lines: "1.5.2 INTRA-" / "AGENCY COOPERATION"
            joiner = "" if title.endswith("-") else " "
            title, body = f"{title}{joiner}{lines[body]}", body + 1
        if title and not title[0].isdigit() and _is_heading(title) and _key(number) > last:
            found.append((index, body, number, _title(title)))
            last = _key(number)
            taken_until = body
    return found


_NUMBER_REST = re.compile(r"^(\d{1,2})\s+(\S.*)$")


def _known(title: str) -> bool:
    return " ".join(title.split()).upper() in _KNOWN_TITLES


def _continues(title: str, line: str) -> bool:
    """Whether ``line`` is the rest of a heading title broken across lines: the title ends
    in a hyphen, or only the two together make a title of the template."""
    if not line or not _is_caps_title(line) or line[:1].isdigit():
        return False
    if title.endswith("-") and title[-2:-1].isalpha():
        return True
    return not _known(title) and _known(f"{title} {line}")


# A template title whatever its line break did to the hyphen ("INTRAAGENCY", "INTRA- AGENCY").
_BY_LETTERS = {re.sub(r"[^A-Z]", "", title): title for title in _KNOWN_TITLES}


@lru_cache(maxsize=1024)
def _title(printed: str) -> str:
    printed = _BY_LETTERS.get(re.sub(r"[^A-Z]", "", printed.upper()), printed)
    return title_case(" ".join(printed.split()))


def _next_nonblank(lines: list[str], index: int) -> int | None:
    while index < len(lines):
        if lines[index]:
            return index
        index += 1
    return None


def _sections(
    lines: list[str], indents: list[int], headings: list[tuple[int, int, str, str]]
) -> dict[str, Section]:
    last_body = headings[-1][1]
    footer = next((i for i in range(last_body, len(lines)) if _FOOTER.match(lines[i])), len(lines))
    sections = {}
    for position, (_, body, number, title) in enumerate(headings):
        end = headings[position + 1][0] if position + 1 < len(headings) else footer
        sections[number] = _section(number, title, lines[body:end], indents[body:end])
    return sections


def _section(number: str, title: str, lines: list[str], indents: list[int]) -> Section:
    prose: list[str] = []
    items: list[list[str]] = []
    in_list = False  # the previous line belonged to a list item, with no blank line since
    columns: list[tuple[int, int]] = []  # (where it starts, item) of items printed side by side
    for line, indent in zip(lines, indents, strict=True):
        if not line:
            in_list = False
            continue
        first = line[0]
        if first == "-" and line[1:2] != "-":
            cells = [cell.strip() for cell in _TWO_COLUMNS.split(line[1:].strip())]
            columns = _starts(line, indent, cells, len(items)) if len(cells) > 1 else []
            items.extend([cell] for cell in cells)
            in_list = True
        elif items and not items[-1][-1]:  # a bare "-" whose text follows on a later line
            items[-1][-1] = line
            in_list = True
        elif (first.isdigit() or first in "strn") and _NOISE_LINE.match(line):
            continue
        elif in_list and columns and (indent > columns[0][0] or len(_cells(line, indent)) > 1):
            # the wrapped ends of items printed side by side, each under its own item
            for start, cell in _cells(line, indent):
                under = [item for column, item in columns if column <= start + 2]
                items[under[-1] if under else columns[0][1]].append(cell)
        elif in_list and (not items[-1][-1].endswith((".", ":", ";")) or first.islower()):
            items[-1].append(line)
        else:
            prose.append(line)
            in_list = False
    text = _join(prose)
    cleaned = tuple(clean for clean in (_clean_item(_join(parts)) for parts in items) if clean)
    links: tuple[str, ...] = ()
    joined = "\n".join(lines)
    if "//" in joined or "www." in joined:
        links = tuple(dict.fromkeys(u.rstrip(".,;:)") for u in _URL.findall(joined)))
    return Section(number, title, text, cleaned, links)


def _starts(line: str, indent: int, cells: list[str], first: int) -> list[tuple[int, int]]:
    """Where each of the cells of one printed line starts, and the item it is."""
    out, at = [], 0
    for offset, cell in enumerate(cells):
        at = line.find(cell, at)
        out.append((indent + at, first + offset))
        at += len(cell)
    return out


def _cells(line: str, indent: int) -> list[tuple[int, str]]:
    """The parts of a line separated by two spaces or more, with where each starts."""
    return [(indent + m.start(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", line)]


def _join(parts: list[str]) -> str:
    """Join wrapped lines; a word hyphenated across a line break is rejoined."""
    if len(parts) == 1:
        return " ".join(parts[0].split())
    if not any(part.endswith("-") for part in parts):
        return " ".join(" ".join(parts).split())
    out = ""
    for part in parts:
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and part[:1].islower():
            out += part
        else:
            out = f"{out} {part}" if out else part
    return " ".join(out.split())


def _clean_item(item: str) -> str:
    item = item.strip().rstrip(".;,").strip()
    item = re.sub(r"\s+and$", "", item)
    return "" if _NONE_ITEM.match(item) else item


def _last_updated(text: str) -> date | None:
    match = _UPDATED_LINE.search(text)
    if not match:
        return None
    # The superscript of "12th" can sit on its own line: read the whole footer line.
    line = " ".join(match.group(0).split())
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        found = pattern.search(line)
        if not found:
            continue
        a, b, year = found.groups()
        day, month_name = (a, b) if order == "dmy" else (b, a)
        month = _MONTHS.get(month_name.lower())
        if month:
            try:
                return date(int(year), month, int(day))
            except ValueError as exc:
                raise ParseError(f"footer date does not exist: {line!r}") from exc
    raise ParseError(f"footer date does not parse: {line!r}")


def _background(lines: list[str]) -> Background:
    block = "\n".join(lines)
    population = _figure(block, r"Total\s+Population")
    internet = _figure(block, r"Internet\s+users[^:\n]*")
    sources = _sources(" ".join(block.split()))
    pop_source = next((s for s in sources if re.search(r"United Nations|\bUN\b", s)), None)
    net_source = next((s for s in sources if re.search(r"\bITU\b", s)), None)
    rest = [s for s in sources if s not in (pop_source, net_source)]
    if pop_source is None and rest:
        pop_source = rest.pop(0)
    if net_source is None and rest:
        net_source = rest.pop(0)
    people, people_note = _population(population)
    share, share_note = _percentage(internet)
    return Background(
        Indicator(people, *_split_source(pop_source), note=people_note),
        Indicator(share, *_split_source(net_source), note=share_note),
    )


def _figure(block: str, label: str) -> str | None:
    match = re.search(label + r"\s*[:\s]*:?\s*(.*)", block, re.I)
    if not match:
        return None
    # the next column's label ends the value, also when it wraps after its first word
    # ("Total Population: 275 000 Internet" / "users, percentage of population: 75%")
    value = re.split(r"\s{2,}|\bInternet\b|\(data", match.group(1), maxsplit=1, flags=re.I)[0]
    return value.strip(" :") or None


def _sources(flat: str) -> list[str]:
    """Every "(data source: …)" of the block in order of position. Two-column layouts can
    print one inside the other, so the innermost is taken out first, then the next."""
    pattern = re.compile(r"\(\s*data\s+source\s*:?\s*([^()]*)\)", re.I)
    found: list[tuple[int, str]] = []
    while (match := pattern.search(flat)) is not None:
        found.append((match.start(), " ".join(match.group(1).split()).strip(" ,")))
        flat = flat[: match.start()] + flat[match.end() :]
    return [source for _, source in sorted(found)]


def _split_source(source: str | None) -> tuple[str | None, str | None]:
    """``United Nations Statistics Division, December 2012`` → (source, "December 2012")."""
    if not source:
        return None, None
    match = _AS_OF.search(source)
    if not match:
        return source, None
    head = source[: match.start()].strip(" ,")
    as_of = " ".join(match.group(1).split())
    first = as_of.split()[0]
    if len(as_of.split()) == 2 and first.lower() not in _MONTHS:
        # "ITU Statistics 2013": the word before the year belongs to the source
        head, as_of = f"{head} {first}".strip(), as_of.split()[1]
    return head or None, as_of


MAX_POPULATION = 2_000_000_000  # more than any country has
# Thousands grouped by three ("33 703 000", "90, 800", "1.234.567") or not grouped at all.
_GROUPED = re.compile(r"^\d{1,3}(?:(?:,\s?|\s|\.|')\d{3})*$|^\d+$")
_NOT_STATED = re.compile(r"^(?:unknown|n/?a|not available|-+)\s*%?$", re.I)


def _unreadable(value: str, why: str) -> tuple[None, str]:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return None, f"printed as {shown!r}, {why}"


def _population(value: str | None) -> tuple[int | None, str | None]:
    """``33 703 000``, ``29.82 million`` → people; anything else is not stated, with a note.
    Digits grouped irregularly are read as printed, with a note that says so."""
    if not value or _NOT_STATED.match(value.strip()):
        return None, None
    text = value.strip()
    scaled = re.match(r"^(\d{1,4}(?:[.,]\d{1,3})?)\s*(million|billion|m|bn)\b", text, re.I)
    if scaled:
        factor = 1_000_000_000 if scaled.group(2).lower() in ("billion", "bn") else 1_000_000
        number = round(float(scaled.group(1).replace(",", ".")) * factor)
    else:
        digits = re.match(r"^\d[\d\s,.']{0,18}\d$|^\d$", text)  # "33 703 000", "90, 800"
        if not digits:
            return _unreadable(text, "not a number the monitor reads")
        number = int(re.sub(r"\D", "", text))
    if number > MAX_POPULATION:
        return _unreadable(text, "more people than any country has")
    if not scaled and not _GROUPED.match(text):
        # "315 791 00" (the United States: ten times too few?): read, and said to be doubtful
        read = f"{number:,}".replace(",", " ")
        return number, f"printed as {text!r}, irregular digit grouping: read as {read}"
    return number, None


def _percentage(value: str | None) -> tuple[float | None, str | None]:
    """``9.20%`` → 9.2; above 100 % or not wholly a percentage is not stated, with a note."""
    if not value or _NOT_STATED.match(value.strip()):
        return None, None
    # the whole value: "1e309%" is not 1 %
    match = re.match(r"^(\d{1,3})(?:\s*[.,:]\s*(\d{1,6}))?\s*%?[\s*]*$", value.strip())
    if not match:
        return _unreadable(value.strip(), "not a percentage the monitor reads")
    number = float(f"{match.group(1)}.{match.group(2) or 0}")
    if number > 100:
        return _unreadable(value.strip(), "more than 100 %")
    return number, None
