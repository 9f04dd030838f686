"""Text analysis over the ORIGINAL document text: date header, boilerplate, sentence spans.

Nothing here rewrites text. Every function returns character offsets into the string it was
given, so a sentence is always ``text[start:end]`` of the decoded file, and removing
boilerplate is just leaving its range out.

The sentence splitter is written here rather than taken from pysbd or sentencex: both leave
sentences glued without a space (``Washington.Selon``) in one piece, and both would need an
offset mapping back onto the original text. A rule-based pass over the original text gives
exact spans directly, and each rule below is one small, tested decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as calendar_date
from typing import NamedTuple

from pipeline.lang import PROFILES
from pipeline.words import WORD


class Span(NamedTuple):
    start: int
    end: int


# --- date header --------------------------------------------------------------------------

# Scraped reports open with ` date 2023-10 <rest of line>`; the rest of the line is body.
_DATE_HEADER = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}(?:-\d{2})?)(?![\d-])[ \t]*", re.IGNORECASE)
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def normalize_date(value: str) -> str | None:
    """``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (a time part is dropped) if it is a real date, else None."""
    match = _ISO_DATE.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        calendar_date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return "-".join(part for part in (year, month, day) if part)


def parse_date_header(text: str) -> tuple[str | None, int]:
    """The header's date and where the body starts (0 when there is no header)."""
    match = _DATE_HEADER.match(text)
    if match is None:
        return None, 0
    parsed = normalize_date(match.group(1))
    return (parsed, match.end()) if parsed else (None, 0)


# --- boilerplate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BoilerplateRule:
    """``whole_line`` rules must match a whole line (surrounding blanks aside); others match anywhere."""

    name: str
    pattern: re.Pattern[str]
    whole_line: bool = True


def _rule(name: str, pattern: str, whole_line: bool = True) -> BoilerplateRule:
    return BoilerplateRule(name, re.compile(pattern, re.IGNORECASE), whole_line)


def _phrases(key: str) -> str:
    """Every language's phrases for one kind of boilerplate, as one alternation; one that never
    matches when no language has any (an empty alternation would match every line)."""
    return "|".join(p.boilerplate[key] for p in PROFILES.values() if key in p.boilerplate) or "(?!)"


# One table; add a row to remove a new kind of scraping debris, and its phrases to the profiles.
BOILERPLATE_RULES: tuple[BoilerplateRule, ...] = (
    _rule("ad_marker", r"\[ad_\d+\]", whole_line=False),
    _rule("source_link", rf"(?:{_phrases('source_link')})(?:\s*-\s*\d+)?"),
    _rule("read_also", rf"(?:{_phrases('read_also')})\s*:.*"),
    _rule("advertisement", _phrases("advertisement")),
    _rule("photo_credit", rf"(?:{_phrases('photo_credit')})\s*:.{{1,100}}"),
    _rule("original_article", rf"(?:{_phrases('original_article')}).*"),
    _rule("read_more", rf"(?:(?:{_phrases('advertisement')})\s+)?(?:{_phrases('read_more')})\b.{{0,80}}"),
    # a wire dateline opening the body: "NIAMEY (Reuters) - ", "par A et B PARIS (AFP) - "; case matters
    BoilerplateRule(
        "dateline",
        re.compile(
            rf"(?<![^\n])(?:(?:{_phrases('byline')}) [^\n()]{{3,80}}?\s)?[A-ZÀ-Ý][A-ZÀ-Ý' .-]{{1,30}}"
            r"\s*\([A-Z][A-Za-z]{1,11}\)\s*[-–—]\s*"
        ),
        whole_line=False,
    ),
    _rule("donation_appeal", rf".{{0,200}}(?:{_phrases('donation_appeal')}).{{0,200}}"),
)
# The boilerplate keys a profile may fill: a misspelt one would be silently ignored.
BOILERPLATE_KEYS = frozenset({"byline", "read_more_sentence", "cookie_address"} | {r.name for r in BOILERPLATE_RULES})

_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029]")


class Line(NamedTuple):
    start: int
    end: int  # before the line break


def iter_lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """Lines of ``text[start:end]`` as spans (``\\n``, ``\\r\\n`` and ``\\r`` all end a line)."""
    end = len(text) if end is None else end
    lines: list[Line] = []
    position = start
    for match in _LINE_BREAK.finditer(text, start, end):
        lines.append(Line(position, match.start()))
        position = match.end()
    lines.append(Line(position, end))
    return lines


def strip_span(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def find_boilerplate(
    text: str, start: int = 0, rules: tuple[BoilerplateRule, ...] = BOILERPLATE_RULES
) -> list[tuple[str, Span]]:
    """(rule name, span) of every boilerplate piece in ``text[start:]``, in text order.

    ``start`` counts as a line start, so the rest of a header line (` date 2023-10 Publicité`)
    is matched like a line of its own.
    """
    found: list[tuple[str, Span]] = []
    for line in iter_lines(text, start):
        content = strip_span(text, line.start, line.end)
        if content.start == content.end:
            continue
        whole = next((r for r in rules if r.whole_line and r.pattern.fullmatch(text, *content)), None)
        if whole is not None:
            found.append((whole.name, content))
            continue
        for rule in rules:
            if not rule.whole_line:
                found.extend((rule.name, Span(*m.span())) for m in rule.pattern.finditer(text, *content))
    return sorted(found, key=lambda item: item[1])


def complement(excluded: list[Span], start: int, end: int) -> list[Span]:
    """The parts of ``[start, end)`` that no excluded span covers."""
    regions: list[Span] = []
    position = start
    for span in sorted(excluded):
        if span.start > position:
            regions.append(Span(position, span.start))
        position = max(position, span.end)
    if position < end:
        regions.append(Span(position, end))
    return regions


# --- sentences ------------------------------------------------------------------------------

# Lower-cased tokens that end with a period without ending a sentence, in any language:
# sentences are split before their language is known. Spaced ones ("z. b.") are matched whole.
ABBREVIATIONS = frozenset().union(*(p.abbreviations for p in PROFILES.values()))
_SPACED_ABBREVIATIONS = tuple(sorted((a for a in ABBREVIATIONS if " " in a), key=len, reverse=True))
# Months after which a period ends an ordinal day, not a sentence: "am 13. Oktober".
_DOTTED_ORDINAL_MONTHS = frozenset(m for p in PROFILES.values() if p.dotted_ordinals for m in p.months)
TERMINALS = ".!?…"
CLOSERS = "»”’\"')]"
OPENERS = "«“‘\"'([—–-"
_TERMINAL_RUN = re.compile(r"[.!?…]+")
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.){2,}")  # U.S., U.S.A., p.ex., i.e.
_LIST_MARKER = re.compile(r"(?:#{1,6}|[-*+•]|>|\d{1,3}[.)])[ \t]+")  # markdown headings, lists, quotes
_INLINE_SPACE = " \t\u00a0\u202f\u2009"
_LINE_ENDINGS = TERMINALS + CLOSERS + ":"


def _token_before(text: str, position: int, floor: int) -> str:
    """The non-blank run of characters that ends at ``position`` (a word, an URL, "U.S")."""
    start = position
    while start > floor and not text[start - 1].isspace():
        start -= 1
    return text[start:position].lstrip(OPENERS)


def _in_link(text: str, position: int, floor: int, ceiling: int) -> bool:
    """Whether ``position`` lies inside an URL or e-mail address (the blank-free run around it)."""
    start, end = position, position
    while start > floor and not text[start - 1].isspace():
        start -= 1
    while end < ceiling and not text[end].isspace():
        end += 1
    token = text[start:end].lstrip(OPENERS)
    return "://" in token or token.lower().startswith("www.") or "@" in token


def _after_closers(text: str, position: int, end: int) -> int:
    """Past closing quotes and brackets after a sentence end (French `` »`` included)."""
    while position < end:
        if text[position] in CLOSERS:
            position += 1
            continue
        ahead = position
        while ahead < end and ahead - position < 2 and text[ahead] in _INLINE_SPACE:
            ahead += 1
        if ahead > position and ahead < end and text[ahead] == "»":
            position = ahead + 1
            continue
        return position
    return position


def _in_spaced_abbreviation(text: str, period: int, floor: int) -> bool:
    """Whether the period at ``period`` is one of a spaced abbreviation's ("z. B.", "u. a.")."""
    for abbreviation in _SPACED_ABBREVIATIONS:
        for offset, char in enumerate(abbreviation):
            start = period - offset
            if (
                char == "."
                and start >= floor
                and text[start : start + len(abbreviation)].lower() == abbreviation
                and (start == floor or not text[start - 1].isalnum())
            ):
                return True
    return False


def _next_word(text: str, position: int) -> str:
    match = WORD.match(text, position)
    return match.group() if match else ""


def _sentence_break(text: str, match: re.Match[str], block_start: int, block_end: int) -> int | None:
    """Where the sentence ends if the terminal punctuation ``match`` ends one, else None."""
    punct = match.group()
    end = _after_closers(text, match.end(), block_end)
    following = end
    while following < block_end and text[following].isspace():
        following += 1
    if following >= block_end:
        return None  # the block ends here anyway
    glued = following == end
    first = following
    while first < block_end and (text[first] in OPENERS or text[first] in _INLINE_SPACE):
        first += 1
    if first >= block_end:
        return None
    starter = text[first]
    token = _token_before(text, match.start(), block_start)
    if glued:
        # "Washington.Selon": a capitalised word right after the period, not "ASP.NET" or a link.
        nxt = text[first + 1] if first + 1 < block_end else " "
        if first != following or not starter.isupper() or not (nxt.islower() or nxt in "'’ "):
            return None
        if not token or "." in token or _in_link(text, match.start(), block_start, block_end):
            return None
    elif not (starter.isupper() or starter.isdigit()):
        return None
    if punct == ".":
        word = token.lower() + "."
        if word in ABBREVIATIONS or _DOTTED_ACRONYM.fullmatch(token + "."):
            return None
        if _in_spaced_abbreviation(text, match.start(), block_start):
            return None
        if token.isdigit() and len(token) <= 2 and _next_word(text, first).lower() in _DOTTED_ORDINAL_MONTHS:
            return None
        if len(token) == 1 and token.isupper():  # an initial: "J. R. R. Tolkien", "Kim J. Un"
            return None
        if token.isdigit() and (starter.isdigit() or match.start() - len(token) == block_start):
            return None  # "1. Item", "3. 4"
    return end


def _paragraphs(text: str, region: Span) -> list[list[Span]]:
    """The non-blank lines of a region (stripped), grouped into paragraphs by blank lines."""
    paragraphs: list[list[Span]] = [[]]
    for line in iter_lines(text, *region):
        content = strip_span(text, *line)
        if content.start < content.end:
            paragraphs[-1].append(content)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [lines for lines in paragraphs if lines]


def _is_hard_wrapped(text: str, lines: list[Span]) -> bool:
    """Most lines of the paragraph stop mid-sentence near one width: it was wrapped at a fixed width.

    A short line (a headline or subheading over the body) does not count as wrapped.
    """
    if len(lines) < 3:
        return False
    width = max(line.end - line.start for line in lines)
    open_ends = sum(
        text[line.end - 1] not in _LINE_ENDINGS and (line.end - line.start) * 3 >= width * 2 for line in lines[:-1]
    )
    return open_ends * 2 > len(lines) - 1


def _blocks(text: str, region: Span) -> list[Span]:
    """Pieces of a region that no sentence crosses: paragraphs, and lines that end a sentence.

    A blank line always ends a sentence. A single line break does too (headlines and one
    sentence per line are common in scraped text) unless the next line plainly continues
    the sentence: it starts in lower case, the line ends with a comma or semicolon, or the
    whole paragraph is hard-wrapped. A list item or heading marker always starts a block.
    """
    blocks: list[Span] = []
    for lines in _paragraphs(text, region):
        wrapped = _is_hard_wrapped(text, lines)
        current: Span | None = None
        for content in lines:
            marker = _LIST_MARKER.match(text, *content)
            if (
                current is not None
                and marker is None
                and (wrapped or text[content.start].islower() or text[current.end - 1] in ",;")
            ):
                current = Span(current.start, content.end)
                continue
            if current is not None:
                blocks.append(current)
            current = Span(marker.end() if marker else content.start, content.end)
        if current is not None:
            blocks.append(current)
    return blocks


def split_sentences(text: str, regions: list[Span] | None = None) -> list[Span]:
    """Sentence spans in ``text`` (or in the given regions of it), stripped of blanks.

    Pieces holding no letter or digit (rules like ``---``, stray punctuation) are dropped.
    """
    spans: list[Span] = []
    for region in regions if regions is not None else [Span(0, len(text))]:
        for block in _blocks(text, region):
            position = block.start
            for match in _TERMINAL_RUN.finditer(text, block.start, block.end):
                if match.start() < position:
                    continue
                end = _sentence_break(text, match, block.start, block.end)
                if end is not None:
                    spans.append(strip_span(text, position, end))
                    position = end
            spans.append(strip_span(text, position, block.end))
    return [s for s in spans if any(ch.isalnum() for ch in text[s.start : s.end])]


def is_headline(text: str, span: Span) -> bool:
    """A short line with no final punctuation, like a title above the body."""
    piece = text[span.start : span.end]
    rest_of_line = _LINE_BREAK.split(text[span.end : span.end + 200], maxsplit=1)[0]
    return (
        0 < len(piece) <= 200
        and piece[0].isupper()
        and piece[-1] not in TERMINALS + CLOSERS + ":;,"
        and not rest_of_line.strip()
    )


# --- page furniture among the sentences --------------------------------------------------------

# Sentence-sized markers that are page furniture wherever they stand (the whole sentence).
FURNITURE_MARKERS: tuple[BoilerplateRule, ...] = (
    _rule("read_more", rf"(?:{_phrases('read_more_sentence')})\b.{{0,80}}"),
    _rule("cookie_notice", rf"(?=.*\bcookies?\b)(?=.*\b(?:{_phrases('cookie_address')})\b).*"),
)
# Links, handles, hashtags and emoji: an embedded social-media post, not the report's prose.
_POST = re.compile(
    r"https?://|\bwww\.|pic\.twitter\.com|(?<![\w.])@\w{2,}|(?<!\w)#[^\W\d_]\w{2,}"
    "|[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
)
# A photo credit: a copyright sign, or names separated by slashes at the end ("( POOL / Ludovic MARIN )").
_CREDIT = re.compile(
    r"©|(?:^|[(\-–—•]\s*)[A-Z][\w.'’-]*(?:\s+[\w.'’-]+){0,3}(?:\s*/\s*[A-Z][\w.'’-]*"
    r"(?:\s+[\w.'’-]+){0,3})+\s*[)•]?$"
)
# A caption ends with the date the picture was taken and no period: "..., le 29 novembre 2024".
_MONTHS = "|".join(m for p in PROFILES.values() for m in p.month_names)
_ORDINALS = "|".join(p.day_suffix for p in PROFILES.values())
_CAPTION_DATE = re.compile(
    rf"\b\d{{1,2}}(?:{_ORDINALS}) (?:{_MONTHS}) \d{{4}}$|\b(?:{_MONTHS}) \d{{1,2}}, \d{{4}}$", re.IGNORECASE
)
MIN_LABEL_WORDS = 4  # a line without a sentence end and fewer words is a label: site name, section, credit
HEADLINE_MAX_CHARS = 200


def ends_sentence(piece: str) -> bool:
    """Whether the text ends like a sentence: terminal punctuation, maybe inside closing quotes."""
    return bool(piece) and piece.rstrip(CLOSERS + _INLINE_SPACE)[-1:] in TERMINALS


def _label_kind(piece: str) -> str | None:
    """Why a piece with no sentence end is furniture rather than a heading that states the news."""
    words = WORD.findall(piece)
    lines = [line for line in _LINE_BREAK.split(piece) if line.strip()]
    if len(lines) > 1 and len(words) < 3 * len(lines):
        return "menu"  # several short lines run together: a navigation or section menu
    if len(words) < MIN_LABEL_WORDS or piece[0].islower() or piece.upper() == piece or piece[-1] in "-–—•|":
        return "label"
    if _CAPTION_DATE.search(piece):
        return "caption"
    return None


def furniture(text: str, spans: list[Span]) -> list[str | None]:
    """For each sentence span of one document: the kind of page furniture it is, or None.

    Structural signals rather than a list of site phrases: links, handles and emoji (embedded
    posts), credits, labels without a verb-sized body or a sentence end, captions ending with
    their date, and a last sentence that stops without a sentence end (a cut-off text). The
    signals that rest on punctuation apply only to punctuated prose (most sentences end like
    one), so an unpunctuated text keeps its lines. Headings of four words or more stay: the
    headline and subheadings state the news.
    """
    pieces = [text[span.start : span.end] for span in spans]
    punctuated = sum(map(ends_sentence, pieces)) * 2 > len(pieces)
    kinds: list[str | None] = []
    for index, piece in enumerate(pieces):
        kind = next((r.name for r in FURNITURE_MARKERS if r.pattern.fullmatch(piece)), None)
        if kind is None and _POST.search(piece):
            kind = "embedded_post"
        if kind is None and _CREDIT.search(piece):
            kind = "photo_credit"
        if kind is None and punctuated and not ends_sentence(piece):
            kind = _label_kind(piece)
            if kind is None and index == len(pieces) - 1 and index > 0:
                kind = "cut_off"
            elif kind is None and len(piece) > HEADLINE_MAX_CHARS:
                kind = "caption"  # too long for a heading, no sentence end: a caption or a cut line
        kinds.append(kind)
    return kinds
