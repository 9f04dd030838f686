"""Time expressions in French and English news text, resolved against the document's date.

Rules rather than a library: ``dateparser`` (checked, 1.5) needs a day-precise base and
answers every expression with one invented day ("mercredi" in a 2023-10 report becomes
2023-10-11, "le mois dernier" 2023-09-15, "en 2022" 2022-10-15), has no notion of a period
or of how precise a date is, misses "début septembre" and "février de l'année dernière",
and ``search_dates`` does not find "le mois dernier" in running text. Report dates here are
only month-precise, so what an expression says is a period (a day, part of a month, a month,
a year) and how sure we are of it; a small table of regexes says that plainly.

The table is ordered: earlier rules claim their span first ("le 5 octobre 2023" is one
date, not also "octobre 2023"). Each rule maps a match and the base period (the document's
date) to a ``Period``, or to ``None`` when the expression needs a base that is unknown; the
mention is kept either way, because "en juillet" still says that a sentence is dated.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.numbers import ENGLISH, FRENCH

# How a period is labelled: a day, a month or a year. A part of a month ("début septembre")
# or a stretch of days around a month-precise base is labelled as the month it mostly lies in.
DAY, MONTH, YEAR = "day", "month", "year"


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive span of days and the grain it is known to."""

    start: date
    end: date
    grain: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """ "2023-10-13", "2023-10" or "2023": what a reader is told."""
        if self.grain == DAY and self.start == self.end:
            return self.start.isoformat()
        middle = self.start + (self.end - self.start) / 2
        return f"{middle.year:04d}-{middle.month:02d}" if self.grain in (DAY, MONTH) else f"{middle.year:04d}"

    def gap_days(self, other: Period) -> int:
        """Days between the two periods; 0 when they overlap."""
        if self.end < other.start:
            return (other.start - self.end).days
        if other.end < self.start:
            return (self.start - other.end).days
        return 0

    def shifted(self, earliest_back: int, latest_back: int) -> Period:
        """The days from ``latest_back`` to ``earliest_back`` days before this period."""
        start = self.start - timedelta(days=latest_back)
        end = self.end - timedelta(days=earliest_back)
        grain = DAY if self.grain == DAY and start == end else (MONTH if self.grain == DAY else self.grain)
        return Period(start, end, grain)


def day_period(year: int, month: int, day: int) -> Period | None:
    try:
        moment = date(year, month, day)
    except ValueError:
        return None
    return Period(moment, moment, DAY)


def month_period(year: int, month: int, first_day: int = 1, last_day: int | None = None) -> Period:
    month_end = calendar.monthrange(year, month)[1]
    return Period(date(year, month, first_day), date(year, month, min(last_day or month_end, month_end)), MONTH)


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), YEAR)


def parse_period(value: str | None) -> Period | None:
    """A document's date as given ("2023-10-13", "2023-10", "2023"); None when absent or unreadable."""
    match = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", value or "")
    if not match:
        return None
    year, month, day = int(match[1]), match[2], match[3]
    if month is None:
        return year_period(year)
    if not 1 <= int(month) <= 12:
        return None
    if day is None:
        return month_period(year, int(month))
    return day_period(year, int(month), int(day))


@dataclass(frozen=True)
class TimeMention:
    text: str  # as written
    start: int  # offset in the sentence
    rule: str  # the rule that read it
    period: Period | None  # None when it needs a base that is unknown ("en juillet", no document date)


# --- resolution helpers -------------------------------------------------------------------


def _closest(candidates: list[Period], base: Period) -> Period:
    """The reading nearest the base; on a tie the earlier one (reports look back more than ahead)."""
    return min(candidates, key=lambda p: (p.gap_days(base), p.start))


def _day_near(month: int, day: int, base: Period) -> Period | None:
    readings = [
        p
        for y in (base.start.year - 1, base.start.year, base.start.year + 1)
        if (p := day_period(y, month, day)) is not None
    ]
    return _closest(readings, base) if readings else None


def _month_near(month: int, base: Period) -> Period:
    return _closest([month_period(y, month) for y in (base.start.year - 1, base.start.year, base.start.year + 1)], base)


def _month_before(month: int, base: Period) -> Period:
    """The last such month strictly before the base's month ("janvier dernier", "last January")."""
    year = base.start.year if month < base.start.month else base.start.year - 1
    return month_period(year, month)


def _months_away(base: Period, offset: int) -> Period:
    index = base.start.year * 12 + base.start.month - 1 + offset
    return month_period(index // 12, index % 12 + 1)


_MONTH_PART = {
    "début": (1, 10),
    "early": (1, 10),
    "mi": (11, 20),
    "mid": (11, 20),
    "fin": (21, None),
    "late": (21, None),
    "end": (21, None),
}
_WEEKDAYS = {
    name: i for i, name in enumerate(["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"])
}
_WEEKDAYS.update(
    {name: i for i, name in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
)


def _weekday(name: str, base: Period) -> Period:
    """The last such weekday on or before the base day; within a week of a month-precise base."""
    if base.grain == DAY and base.start == base.end:
        back = (base.start.weekday() - _WEEKDAYS[name.lower()]) % 7
        return base.shifted(back, back)
    return base.shifted(0, 6)


# --- the rule table -----------------------------------------------------------------------

Resolver = Callable[[re.Match[str], Period | None, dict[str, int]], Period | None]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: str  # {month}, {day}, {year}, {weekday}, {part} are filled in per language
    resolve: Resolver | None  # None: a deadline, not when anything happened; its span is claimed and dropped


def _month_names(months: dict[str, int], capitalised: bool = False) -> str:
    names = "|".join(re.escape(m.capitalize() if capitalised else m) for m in sorted(months, key=len, reverse=True))
    # English months are only months when capitalised: "they may 5 times", "to march"
    return f"(?-i:{names})" if capitalised else names


_SLOTS = {
    "day": r"(?P<day>[12]\d|3[01]|0?[1-9])(?:er|re|st|nd|rd|th)?",
    "year": r"(?P<year>(?:19|20)\d\d)(?!\d)",
    "weekday": r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")",
    "part": r"(?P<part>" + "|".join(_MONTH_PART) + r")",
}


def _absolute_day(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return day_period(int(m["year"]), months[m["month"].lower()], int(m["day"]))


def _day(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return _day_near(months[m["month"].lower()], int(m["day"]), base) if base else None


def _weekday_day(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    """ "lundi 4 septembre": the day near the base that falls on that weekday, if any does."""
    if base is None:
        return None
    return _on_weekday(
        months[m["month"].lower()], int(m["day"]), _WEEKDAYS[m["weekday"].lower()], base.start.year, 1
    ) or (_day_near(months[m["month"].lower()], int(m["day"]), base))


def _on_weekday(month: int, day: int, weekday: int, around: int, years: int) -> Period | None:
    """The day ``day``/``month`` of the year nearest ``around`` (within ``years``) on which it is
    that weekday: the weekday a report gives with a date says which year the date is in."""
    for offset in sorted(range(-years, years + 1), key=lambda o: (abs(o), o)):
        period = day_period(around + offset, month, day)
        if period is not None and period.start.weekday() == weekday:
            return period
    return None


def _part_of_month(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    month = months[m["month"].lower()]
    first, last = _MONTH_PART[m["part"].lower()]
    if m["year"]:
        year = int(m["year"])
    elif base:
        year = _month_near(month, base).start.year
    else:
        return None
    return month_period(year, month, first, last)


def _absolute_month(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return month_period(int(m["year"]), months[m["month"].lower()])


def _month_last_year(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return month_period(base.start.year - 1, months[m["month"].lower()]) if base else None


def _previous_month_named(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return _month_before(months[m["month"].lower()], base) if base else None


def _month(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return _month_near(months[m["month"].lower()], base) if base else None


def _year(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return year_period(int(m["year"]))


def _relative(shift: Callable[[Period], Period]) -> Resolver:
    return lambda m, base, months: shift(base) if base else None


def _weekday_rule(m: re.Match[str], base: Period | None, months: dict[str, int]) -> Period | None:
    return _weekday(m["weekday"], base) if base else None


_FRENCH_RULES = [
    _Rule("deadline", r"\bd['’]ici\s+(?:(?:à|la\s+fin\s+de|fin|le)\s+)?(?:{day}\s+)?(?:{month}\s+)?{year}", None),
    _Rule("day-month-year", r"\b{day}\s+{month}\s+{year}", _absolute_day),
    _Rule("part-of-month", r"\b{part}[\s-]+{month}(?:\s+{year})?", _part_of_month),
    _Rule("weekday-day-month", r"\b{weekday}\s+{day}\s+{month}", _weekday_day),
    _Rule("day-month", r"\b{day}\s+{month}", _day),
    _Rule("month-year", r"\b{month}\s+{year}", _absolute_month),
    _Rule("month-last-year", r"\b{month}\s+(?:de\s+)?l['’]année\s+(?:dernière|passée)", _month_last_year),
    _Rule("month-last", r"\b{month}\s+(?:dernier|passé)", _previous_month_named),
    _Rule("month", r"\b(?:(?:en|depuis|dès|courant|jusqu['’]en)\s+|au\s+mois\s+d['’])\s*{month}", _month),
    _Rule("year", r"\b(?:en|depuis|dès|d['’]ici|avant|après|jusqu['’]en|fin|début)\s+{year}", _year),
    _Rule(
        "last-year",
        r"\bl['’]année\s+(?:dernière|passée)|\bl['’]an\s+dernier",
        _relative(lambda b: year_period(b.start.year - 1)),
    ),
    _Rule("this-year", r"\bcette\s+année", _relative(lambda b: year_period(b.start.year))),
    _Rule("last-month", r"\ble\s+mois\s+(?:dernier|passé)", _relative(lambda b: _months_away(b, -1))),
    _Rule("this-month", r"\bce\s+mois(?:-ci)?\b", _relative(lambda b: _months_away(b, 0))),
    _Rule("next-month", r"\ble\s+mois\s+prochain", _relative(lambda b: _months_away(b, 1))),
    _Rule("last-week", r"\bla\s+semaine\s+(?:dernière|passée)", _relative(lambda b: b.shifted(7, 13))),
    _Rule(
        "recent-weeks",
        r"\b(?:ces|les|des)\s+(?:dernières|deux\s+dernières|trois\s+dernières)\s+semaines",
        _relative(lambda b: b.shifted(0, 35)),
    ),
    _Rule("day-before-yesterday", r"\bavant-hier\b", _relative(lambda b: b.shifted(2, 2))),
    _Rule("yesterday", r"\bhier\b", _relative(lambda b: b.shifted(1, 1))),
    _Rule("today", r"\baujourd['’]hui\b", _relative(lambda b: b.shifted(0, 0))),
    _Rule("weekday", r"\b{weekday}\b", _weekday_rule),
]

_ENGLISH_RULES = [
    _Rule("deadline", r"\bby\s+(?:the\s+end\s+of\s+)?(?:{month}\s+(?:{day},?\s+)?)?{year}", None),
    _Rule("day-month-year", r"\b{day}\s+(?:of\s+)?{month},?\s+{year}", _absolute_day),
    _Rule("month-day-year", r"\b{month}\s+{day},?\s+{year}", _absolute_day),
    _Rule("part-of-month", r"\b(?:the\s+)?{part}[\s-]+(?:of\s+)?{month}(?:,?\s+{year})?", _part_of_month),
    _Rule("weekday-day-month", r"\b{weekday},?\s+(?:the\s+)?{day}\s+(?:of\s+)?{month}", _weekday_day),
    _Rule("weekday-month-day", r"\b{weekday},?\s+{month}\s+{day}\b", _weekday_day),
    _Rule("day-month", r"\b{day}\s+(?:of\s+)?{month}", _day),
    _Rule("month-day", r"\b{month}\s+{day}\b", _day),
    _Rule("month-year", r"\b{month},?\s+{year}", _absolute_month),
    _Rule("month-last-year", r"\b{month}\s+(?:of\s+)?last\s+year", _month_last_year),
    _Rule("month-last", r"\blast\s+{month}", _previous_month_named),
    _Rule("month", r"\b(?:in|since|until|by|during)\s+{month}", _month),
    _Rule("year", r"\b(?:in|since|by|before|after|until|early|late)\s+{year}", _year),
    _Rule("last-year", r"\blast\s+year\b", _relative(lambda b: year_period(b.start.year - 1))),
    _Rule("this-year", r"\bthis\s+year\b", _relative(lambda b: year_period(b.start.year))),
    _Rule("last-month", r"\blast\s+month\b", _relative(lambda b: _months_away(b, -1))),
    _Rule("this-month", r"\bthis\s+month\b", _relative(lambda b: _months_away(b, 0))),
    _Rule("next-month", r"\bnext\s+month\b", _relative(lambda b: _months_away(b, 1))),
    _Rule("last-week", r"\blast\s+week\b", _relative(lambda b: b.shifted(7, 13))),
    _Rule(
        "recent-weeks",
        r"\b(?:in\s+|over\s+)?(?:recent|the\s+(?:past|last)(?:\s+few)?)\s+weeks\b",
        _relative(lambda b: b.shifted(0, 35)),
    ),
    _Rule("yesterday", r"\byesterday\b", _relative(lambda b: b.shifted(1, 1))),
    _Rule("today", r"\btoday\b", _relative(lambda b: b.shifted(0, 0))),
    _Rule("weekday", r"\b{weekday}\b", _weekday_rule),
]


def _compile(rules: list[_Rule], month_names: str) -> list[tuple[_Rule, re.Pattern[str]]]:
    slots = {**_SLOTS, "month": rf"(?P<month>{month_names})(?!\w)"}
    return [(rule, re.compile(rule.pattern.format(**slots), re.IGNORECASE)) for rule in rules]


_TABLES = {
    "fr": (_compile(_FRENCH_RULES, _month_names(FRENCH.months)), FRENCH.months),
    "en": (_compile(_ENGLISH_RULES, _month_names(ENGLISH.months, capitalised=True)), ENGLISH.months),
}


def resolve_times(text: str, lang: str, base: Period | None) -> list[TimeMention]:
    """Every time expression in ``text`` ("fr" or "en"), in order, resolved against ``base``."""
    table = _TABLES.get(lang)
    if table is None:
        return []
    rules, months = table
    claimed: list[tuple[int, int]] = []
    mentions: list[TimeMention] = []
    for rule, pattern in rules:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in claimed):
                continue
            claimed.append(match.span())
            if rule.resolve is None:
                continue
            mentions.append(TimeMention(match.group(0), match.start(), rule.name, rule.resolve(match, base, months)))
    return sorted(mentions, key=lambda m: m.start)


def weekday_dated(text: str, lang: str, around: int) -> list[Period]:
    """The days a text gives with their weekday and no year ("vendredi 29 novembre"), each in
    the year nearest ``around`` (within seven, a calendar's cycle being at most eleven years)
    in which it falls on that weekday."""
    table = _TABLES.get(lang)
    if table is None:
        return []
    rules, months = table
    found = []
    for rule, pattern in rules:
        if rule.resolve is not _weekday_day:
            continue
        for match in pattern.finditer(text):
            month, day = months[match["month"].lower()], int(match["day"])
            period = _on_weekday(month, day, _WEEKDAYS[match["weekday"].lower()], around, 7)
            if period is not None:
                found.append(period)
    return found


def infer_document_period(text: str, lang: str) -> Period | None:
    """A base for an undated document: the month of the latest full date it mentions.

    A report is written on or after the dates it gives in full ("le 5 octobre 2023"); bare
    years are left out, because they are as often deadlines ("d'ici 2019") as past events.
    """
    absolute = [
        m.period for m in resolve_times(text, lang, None) if m.period is not None and m.period.grain in (DAY, MONTH)
    ]
    if not absolute:
        return None
    latest = max(absolute, key=lambda p: p.end)
    return month_period(latest.end.year, latest.end.month)
