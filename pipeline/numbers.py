"""Numbers, percentages and dates in running text, as comparable values.

Written here rather than taken from a library: number parsers such as ``babel`` or
``number-parser`` read one formatted number at a time, while a faithfulness check needs
every mention in running text (``plus de 1 000``, ``13 octobre``, ``un millier``) reduced to
a value that the English side (``more than 1,000``, ``October 13``, ``a thousand``) shares.

Values are canonical strings: ``"1000"``, ``"1.5"``, ``"2023"``, ``"10-13"`` (month-day)
or ``"2023-10-13"`` when the year is given with the date. The words and formats of each
language come from its profile (``pipeline.lang``); a language without one has no numbers here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from pipeline.lang import PROFILES, LanguageProfile, profile


@dataclass(frozen=True)
class NumberMention:
    text: str  # as written in the text
    value: str  # canonical value, comparable across languages
    kind: str  # "number", "percent", "year", "month" (2023-10) or "date"


def _alternation(names: list[str]) -> str:
    # longest first so that "millions" is not read as "million" + "s"
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


def _pattern(lang: LanguageProfile) -> re.Pattern[str]:
    month = rf"(?:{_alternation(list(lang.months))})(?!\w)"
    day = rf"(?:[12]\d|3[01]|0?[1-9]){lang.day_suffix}"
    year = r"(?:1[89]\d\d|2[01]\d\d)"
    plain = rf"\d+(?:{re.escape(lang.decimal_sep)}\d+)?"
    scales = _alternation([*lang.scales, *lang.plural_scales])
    words = _alternation([*lang.number_words, *lang.articles])
    parts = [
        r"(?P<iso>\b\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?\b)",
        rf"(?<!\w)(?P<day>{day})\s+{lang.day_of}(?P<month>{month})(?:,?\s+(?P<year>{year})\b)?",
        rf"(?P<month2>{month})\s+(?P<day2>{day})\b(?:,?\s+(?P<year2>{year})\b)?",
        rf"(?<![\w.,])(?P<num>{lang.grouped}|{plain})(?!\w)"  # never a part of "12th": no backtracking
        rf"(?:\s+(?P<nscale>{scales})\b)?(?P<npct>{lang.percent})?",
        rf"\b(?:(?P<word>{words})[\s-]+)?(?P<scale>{scales})\b(?P<spct>{lang.percent})?",
        rf"\b(?P<small>{_alternation(list(lang.number_words))})\b(?P<wpct>{lang.percent})?",
    ]
    return re.compile("|".join(parts), re.IGNORECASE)


_PATTERNS = {code: _pattern(lang) for code, lang in PROFILES.items()}


def _canonical(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _parse_digits(text: str, lang: LanguageProfile) -> Decimal | None:
    if lang.decimal_sep == ",":
        cleaned = re.sub(r"[ \u00a0\u202f.]", "", text).replace(",", ".")
    else:
        cleaned = text.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _date(day: str, month: str, year: str | None, lang: LanguageProfile) -> str:
    day_number = int(re.match(r"\d+", day).group())  # type: ignore[union-attr]
    month_number = lang.months[month.lower()]
    month_day = f"{month_number:02d}-{day_number:02d}"
    return f"{year}-{month_day}" if year else month_day


def _mention(match: re.Match[str], lang: LanguageProfile, text: str) -> NumberMention | None:
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
        count = 1 if word in lang.articles or not word else lang.number_words[word]
        size = lang.scales.get(scale) or lang.plural_scales[scale]
        return NumberMention(found, str(count * size), "percent" if match["spct"] else "number")
    word = match["small"].lower()
    # a number word that is also an adjective ("un navire neuf") is a number before a noun
    if word in lang.number_adjectives and not re.match(r"\s+[^\W\d_]", text[match.end() :]):
        return None
    return NumberMention(found, str(lang.number_words[word]), "percent" if match["wpct"] else "number")


_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
# Clock times, kind "time", value "HH:MM" on the 24-hour clock: "17h30", "17:30", "5 pm".
# Read before other numbers so that "17:30" is not the numbers 17 and 30.
_TIMES = {code: re.compile(lang.clock_time, re.IGNORECASE) for code, lang in PROFILES.items()}


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


# Round-number nouns: "une quarantaine" is "some forty"; one group per noun, named r0, r1...
_ROUND = {
    code: (
        re.compile(rf"\b(?:{'|'.join(f'(?P<r{i}>{form})' for i, form in enumerate(lang.round_numbers))})\b", re.I),
        list(lang.round_numbers.values()),
    )
    for code, lang in PROFILES.items()
    if lang.round_numbers
}
# Two days of one month: "les 7 et 8 décembre", "December 7 and 8": the first day is a date too.
_DAY_PAIRS = {
    code: re.compile(
        lang.day_pair.format(day=_DAY, month=_alternation([m for m in lang.months if m.isalpha()])), re.IGNORECASE
    )
    for code, lang in PROFILES.items()
}


def _round_numbers(text: str, lang: str) -> list[tuple[int, int, NumberMention]]:
    if lang not in _ROUND:
        return []
    pattern, values = _ROUND[lang]
    return [
        (m.start(), m.end(), NumberMention(m.group(0), str(values[int(m.lastgroup[1:])]), "number"))  # type: ignore[index]
        for m in pattern.finditer(text)
    ]


def _day_pairs(text: str, lang: str) -> list[tuple[int, int, NumberMention]]:
    pattern, language = _DAY_PAIRS.get(lang), profile(lang)
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


# Texts of sentences (reads of the same bullet, translation and original) are checked against
# each other many times over while claims are merged: reading each once is most of the saving.
_TEXT_CACHE = 65_536


def extract_numbers(text: str, lang: str) -> list[NumberMention]:
    """Every number, percentage, year, date and clock time in ``text`` (a language with a profile), in order."""
    return list(_numbers_in(text, lang))


@lru_cache(maxsize=_TEXT_CACHE)
def _numbers_in(text: str, lang: str) -> tuple[NumberMention, ...]:
    return tuple(_read_numbers(text, lang))


def _read_numbers(text: str, lang: str) -> list[NumberMention]:
    language = profile(lang)
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
_IMPLIED = {
    code: {value: re.compile(pattern, re.IGNORECASE) for value, pattern in lang.implied_numbers.items()}
    for code, lang in PROFILES.items()
}


def missing_numbers(source: str, source_lang: str, target: str, target_lang: str = "en") -> list[NumberMention]:
    """Source mentions whose value appears nowhere in the target."""
    target_mentions = extract_numbers(target, target_lang)
    implied = {value for value, pattern in _IMPLIED.get(target_lang, {}).items() if pattern.search(target)}
    return [
        m
        for m in extract_numbers(source, source_lang)
        if not _matches(m, target_mentions) and not (m.kind == "number" and m.value in implied)
    ]
