"""Numbers, percentages and dates in French and English text, as comparable values.

Written here rather than taken from a library: number parsers such as ``babel`` or
``number-parser`` read one formatted number at a time, while a faithfulness check needs
every mention in running text (``plus de 1 000``, ``13 octobre``, ``un millier``) reduced to
a value that the English side (``more than 1,000``, ``October 13``, ``a thousand``) shares.

Values are canonical strings: ``"1000"``, ``"1.5"``, ``"2023"``, ``"10-13"`` (month-day)
or ``"2023-10-13"`` when the year is given with the date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class NumberMention:
    text: str  # as written in the text
    value: str  # canonical value, comparable across languages
    kind: str  # "number", "percent", "year", "month" (2023-10) or "date"


@dataclass(frozen=True)
class _Language:
    months: dict[str, int]
    words: dict[str, int]  # small number words; articles ("un", "a") are never numbers alone
    articles: tuple[str, ...]  # "un millier", "a thousand": the article means one
    scales: dict[str, int]  # singular forms stand alone ("mille"); plurals need a count
    plural_scales: dict[str, int]
    grouped: str  # a number with thousands separators
    decimal_sep: str
    percent: str
    ordinal: str  # day suffixes: 1er, 13th


FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
ENGLISH_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]

FRENCH = _Language(
    months={
        **{m: i for i, m in enumerate(FRENCH_MONTHS, 1)},
        "fevrier": 2,
        "aout": 8,
        "decembre": 12,
        # dateline abbreviations ("Bamako, 27 juil (AMAP)"); "sept" is also seven, so it is left out
        "janv": 1,
        "févr": 2,
        "fevr": 2,
        "avr": 4,
        "juil": 7,
        "oct": 10,
        "nov": 11,
        "déc": 12,
        "dec": 12,
    },
    words={
        "deux": 2,
        "trois": 3,
        "quatre": 4,
        "cinq": 5,
        "six": 6,
        "sept": 7,
        "huit": 8,
        "neuf": 9,
        "dix": 10,
        "onze": 11,
        "douze": 12,
        "treize": 13,
        "quatorze": 14,
        "quinze": 15,
        "seize": 16,
        "vingt": 20,
        "trente": 30,
        "quarante": 40,
        "cinquante": 50,
        "soixante": 60,
    },
    articles=("un", "une"),
    scales={"cent": 100, "mille": 1000, "millier": 1000, "million": 10**6, "milliard": 10**9},
    plural_scales={"cents": 100, "milliers": 1000, "millions": 10**6, "milliards": 10**9},
    # 1 000 with a space, a no-break space or a narrow no-break space; 1.000 is also seen
    grouped=r"\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:,\d+)?",
    decimal_sep=",",
    percent=r"\s?%|\s+pour\s?cent",
    ordinal=r"(?:er|re|e)?",
)

ENGLISH = _Language(
    months={
        **{m: i for i, m in enumerate(ENGLISH_MONTHS, 1)},
        "jan.": 1,
        "feb.": 2,
        "aug.": 8,
        "sept.": 9,
        "sep.": 9,
        "oct.": 10,
        "nov.": 11,
        "dec.": 12,
    },
    words={
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
        "twenty": 20,
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
    },
    articles=("a", "one"),
    scales={"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9},
    plural_scales={"hundreds": 100, "thousands": 1000, "millions": 10**6, "billions": 10**9},
    grouped=r"\d{1,3}(?:,\d{3})+(?:\.\d+)?",
    decimal_sep=".",
    percent=r"\s?%|\s+per\s?cent",
    ordinal=r"(?:st|nd|rd|th)?",
)

LANGUAGES = {"fr": FRENCH, "en": ENGLISH}


def _alternation(names: list[str]) -> str:
    # longest first so that "millions" is not read as "million" + "s"
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


def _pattern(lang: _Language) -> re.Pattern[str]:
    month = rf"(?:{_alternation(list(lang.months))})(?!\w)"
    day = rf"(?:[12]\d|3[01]|0?[1-9]){lang.ordinal}"
    year = r"(?:1[89]\d\d|2[01]\d\d)"
    plain = rf"\d+(?:{re.escape(lang.decimal_sep)}\d+)?"
    scales = _alternation([*lang.scales, *lang.plural_scales])
    words = _alternation([*lang.words, *lang.articles])
    parts = [
        r"(?P<iso>\b\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?\b)",
        rf"(?<!\w)(?P<day>{day})\s+(?:of\s+)?(?P<month>{month})(?:,?\s+(?P<year>{year})\b)?",
        rf"(?P<month2>{month})\s+(?P<day2>{day})\b(?:,?\s+(?P<year2>{year})\b)?",
        rf"(?<![\w.,])(?P<num>{lang.grouped}|{plain})(?!\w)"  # never a part of "12th": no backtracking
        rf"(?:\s+(?P<nscale>{scales})\b)?(?P<npct>{lang.percent})?",
        rf"\b(?:(?P<word>{words})[\s-]+)?(?P<scale>{scales})\b(?P<spct>{lang.percent})?",
        rf"\b(?P<small>{_alternation(list(lang.words))})\b(?P<wpct>{lang.percent})?",
    ]
    return re.compile("|".join(parts), re.IGNORECASE)


_PATTERNS = {code: _pattern(lang) for code, lang in LANGUAGES.items()}


def _canonical(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _parse_digits(text: str, lang: _Language) -> Decimal | None:
    if lang.decimal_sep == ",":
        cleaned = re.sub(r"[ \u00a0\u202f.]", "", text).replace(",", ".")
    else:
        cleaned = text.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _date(day: str, month: str, year: str | None, lang: _Language) -> str:
    day_number = int(re.match(r"\d+", day).group())  # type: ignore[union-attr]
    month_number = lang.months[month.lower()]
    month_day = f"{month_number:02d}-{day_number:02d}"
    return f"{year}-{month_day}" if year else month_day


def _mention(match: re.Match[str], lang: _Language, text: str) -> NumberMention | None:
    found = match.group(0)
    if match.group("iso"):  # "2023-10" is a month, "2023-10-13" a date
        return NumberMention(found, found, "date" if len(found) == 10 else "month")
    if match.group("day"):
        return NumberMention(found, _date(match["day"], match["month"], match["year"], lang), "date")
    if match.group("month2"):
        return NumberMention(found, _date(match["day2"], match["month2"], match["year2"], lang), "date")
    if match.group("num"):
        value = _parse_digits(match["num"], lang)
        if value is None:
            return None
        scale = (match["nscale"] or "").lower()
        value *= lang.scales.get(scale) or lang.plural_scales.get(scale, 1)
        if match["npct"]:
            return NumberMention(found, _canonical(value), "percent")
        is_year = not scale and re.fullmatch(r"1[89]\d\d|2[01]\d\d", match["num"])
        return NumberMention(found, _canonical(value), "year" if is_year else "number")
    if match.group("scale"):
        scale, word = match["scale"].lower(), (match["word"] or "").lower()
        if scale in lang.plural_scales and not word:
            return None  # "des milliers", "thousands": no value to compare
        count = 1 if word in lang.articles or not word else lang.words[word]
        size = lang.scales.get(scale) or lang.plural_scales[scale]
        return NumberMention(found, str(count * size), "percent" if match["spct"] else "number")
    word = match["small"].lower()
    # "neuf" is also the adjective "new" ("un navire neuf"); as a number it comes before a noun
    if word == "neuf" and not re.match(r"\s+[^\W\d_]", text[match.end() :]):
        return None
    return NumberMention(found, str(lang.words[word]), "percent" if match["wpct"] else "number")


_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
# Clock times, kind "time", value "HH:MM" on the 24-hour clock: "17h30", "17 h", "17:30",
# "5.30 p.m.", "5 pm". Read before other numbers so that "17:30" is not the numbers 17 and 30.
_TIMES = {
    "fr": re.compile(r"(?<![\w,.])(?P<hour>[01]?\d|2[0-3])\s?h\s?(?P<minute>[0-5]\d)?(?!\w)", re.IGNORECASE),
    "en": re.compile(
        r"(?<![\w,.:])(?P<hour>[01]?\d|2[0-3])(?::(?P<minute>[0-5]\d)(?!\d)"
        r"(?:\s*(?P<half>[ap])\.?m\b\.?)?|(?:[.:](?P<minute2>[0-5]\d))?\s*(?P<half2>[ap])\.?m\b\.?)",
        re.IGNORECASE,
    ),
}


def _times(text: str, lang: str) -> list[tuple[int, int, NumberMention]]:
    pattern = _TIMES.get(lang)
    found = []
    for match in pattern.finditer(text) if pattern else ():
        hour = int(match["hour"])
        minute = int(match.groupdict().get("minute") or match.groupdict().get("minute2") or 0)
        half = (match.groupdict().get("half") or match.groupdict().get("half2") or "").lower()
        if half == "p" and hour < 12:
            hour += 12
        elif half == "a" and hour == 12:
            hour = 0
        found.append((match.start(), match.end(), NumberMention(match.group(0), f"{hour:02d}:{minute:02d}", "time")))
    return found


# French round-number nouns: "une quarantaine" is "some forty", "plusieurs centaines" "several hundred".
_ROUND_FR = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
}
_ROUND = re.compile(
    rf"\b(?:(?:plusieurs|quelques)\s+(?P<several>centaines)|(?P<round>{'|'.join(_ROUND_FR)}))\b", re.IGNORECASE
)
# Two days of one month: "les 7 et 8 décembre", "du dimanche 10 au lundi 11 septembre",
# "December 7 and 8", "7 and 8 December": the first day is a date too.
_DAY_PAIRS = {
    "fr": re.compile(
        rf"(?<![\w,.])(?P<first>{_DAY})(?:er)?\s+(?:et|au|ou|-)\s+(?:[^\W\d_]+\s+)?"
        rf"(?P<second>{_DAY})(?:er)?\s+(?P<month>{'|'.join(FRENCH.months)})(?!\w)",
        re.IGNORECASE,
    ),
    "en": re.compile(
        rf"(?:(?P<month>{'|'.join(m for m in ENGLISH.months if m.isalpha())})\s+(?P<first>{_DAY})"
        rf"(?:st|nd|rd|th)?\s+(?:and|to|or|-)\s+(?P<second>{_DAY})(?!\w)"
        rf"|(?P<first2>{_DAY})(?:st|nd|rd|th)?\s+(?:and|to|or|-)\s+(?:[^\W\d_]+\s+)?(?P<second2>{_DAY})"
        rf"(?:st|nd|rd|th)?\s+(?P<month2>{'|'.join(m for m in ENGLISH.months if m.isalpha())})(?!\w))",
        re.IGNORECASE,
    ),
}


def _round_numbers(text: str, lang: str) -> list[tuple[int, int, NumberMention]]:
    if lang != "fr":
        return []
    return [
        (
            m.start(),
            m.end(),
            NumberMention(m.group(0), "100" if m["several"] else str(_ROUND_FR[m["round"].lower()]), "number"),
        )
        for m in _ROUND.finditer(text)
    ]


def _day_pairs(text: str, lang: str) -> list[tuple[int, int, NumberMention]]:
    pattern, language = _DAY_PAIRS.get(lang), LANGUAGES.get(lang)
    found = []
    for match in pattern.finditer(text) if pattern and language else ():
        month = match.groupdict().get("month") or match.groupdict().get("month2")
        month_number = language.months[month.lower()]  # type: ignore[union-attr]
        for key in ("first", "second", "first2", "second2"):
            if match.groupdict().get(key):
                day = int(match[key])
                found.append(
                    (
                        match.start(key),
                        match.end(key),
                        NumberMention(match[key], f"{month_number:02d}-{day:02d}", "date"),
                    )
                )
    return found


def extract_numbers(text: str, lang: str) -> list[NumberMention]:
    """Every number, percentage, year, date and clock time in ``text`` (``lang``: "fr" or "en"), in order."""
    language = LANGUAGES.get(lang)
    if language is None:
        return []
    times = _times(text, lang) + _round_numbers(text, lang)
    pairs = _day_pairs(text, lang)
    times += [p for p in pairs if not any(s < p[1] and p[0] < e for s, e, _ in times)]
    found = [(start, m) for start, _, m in times]
    for match in _PATTERNS[lang].finditer(text):
        if any(start < match.end() and match.start() < end for start, end, _ in times):
            continue
        mention = _mention(match, language, text)
        if mention is not None:
            found.append((match.start(), mention))
    return [m for _, m in sorted(found, key=lambda pair: pair[0])]


def _matches(mention: NumberMention, target: list[NumberMention]) -> bool:
    if any(t.value == mention.value for t in target):
        return True
    if mention.kind != "date":
        return False
    # a date matches with or without its year, as long as no year contradicts it
    month_day = mention.value[-5:]
    year = mention.value[:4] if len(mention.value) == 10 else None
    years = {t.value for t in target if t.kind == "year"}
    for other in target:
        if other.kind != "date" or other.value[-5:] != month_day:
            continue
        other_year = other.value[:4] if len(other.value) == 10 else None
        if year is None or other_year == year or (other_year is None and year in years):
            return True
    return False


# Words that faithfully render a source number without being number words themselves
# ("les deux camps": "both sides"). They satisfy a source number but are never extracted as
# one: "both Russia and China" must not demand a 2 in its source.
_IMPLIED = {"en": {"2": re.compile(r"\bboth\b", re.IGNORECASE)}}


def missing_numbers(source: str, source_lang: str, target: str, target_lang: str = "en") -> list[NumberMention]:
    """Source mentions whose value appears nowhere in the target."""
    target_mentions = extract_numbers(target, target_lang)
    implied = {value for value, pattern in _IMPLIED.get(target_lang, {}).items() if pattern.search(target)}
    return [
        m
        for m in extract_numbers(source, source_lang)
        if not _matches(m, target_mentions) and not (m.kind == "number" and m.value in implied)
    ]
