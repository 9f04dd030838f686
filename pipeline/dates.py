"""Time expressions in news text, resolved against the document's date.

Rules rather than a library: ``dateparser`` (checked, 1.5) needs a day-precise base and
answers every expression with one invented day ("mercredi" in a 2023-10 report becomes
2023-10-11, "le mois dernier" 2023-09-15, "en 2022" 2022-10-15), has no notion of a period
or of how precise a date is, misses "début septembre" and "février de l'année dernière",
and ``search_dates`` does not find "le mois dernier" in running text. Report dates here are
only month-precise, so what an expression says is a period (a day, part of a month, a month,
a year) and how sure we are of it; a small table of regexes says that plainly.

Each language profile (``pipeline.lang``) lists its rules in order: earlier rules claim their
span first ("le 5 octobre 2023" is one date, not also "octobre 2023"). A rule's name picks
its resolver here, which maps a match and the base period (the document's date) to a
``Period``, or to ``None`` when the expression needs a base that is unknown; the mention is
kept either way, because "en juillet" still says that a sentence is dated.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.lang import DEFAULT_SOURCE, PROFILES, LanguageProfile

# How a period is labelled: a day, a month or a year. A part of a month ("début septembre")
# or a stretch of days around a month-precise base is labelled as the month it mostly lies in.
DAY, MONTH, YEAR = "day", "month", "year"


@dataclass(frozen=True, order=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


def _weekday(weekday: int, base: Period) -> Period:
    """The last such weekday on or before the base day; within a week of a month-precise base."""
    if base.grain == DAY and base.start == base.end:
        back = (base.start.weekday() - weekday) % 7
        return base.shifted(back, back)
    return base.shifted(0, 6)


# --- the rule table -----------------------------------------------------------------------


# A resolver reads a match against the base period with the language's tables.
Resolver = Callable[[re.Match[str], Period | None, LanguageProfile], Period | None]


def _month_number(m: re.Match[str], lang: LanguageProfile) -> int:
    return lang.months[m["month"].lower()]


def _absolute_day(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return day_period(int(m["year"]), _month_number(m, lang), int(m["day"]))


def _day(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return _day_near(_month_number(m, lang), int(m["day"]), base) if base else None


def _part_of_month(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    month = _month_number(m, lang)
    first, last = lang.month_parts[m["part"].lower()]
    if m["year"]:
        year = int(m["year"])
    elif base:
        year = _month_near(month, base).start.year
    else:
        return None
    return month_period(year, month, first, last)


def _absolute_month(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return month_period(int(m["year"]), _month_number(m, lang))


def _month_last_year(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return month_period(base.start.year - 1, _month_number(m, lang)) if base else None


def _previous_month_named(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return _month_before(_month_number(m, lang), base) if base else None


def _month(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return _month_near(_month_number(m, lang), base) if base else None


def _year(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return year_period(int(m["year"]))


def _relative(shift: Callable[[Period], Period]) -> Resolver:
    return lambda m, base, lang: shift(base) if base else None


def _days_back(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    """ "neuf jours après le passage de la tempête", "il y a trois jours": that many days before
    the time the report tells (its base)."""
    if base is None:
        return None
    count = m["count"].lower()
    days = int(count) if count.isdigit() else lang.number_words[count]
    return base.shifted(days, days)


def _weekday_day(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    """ "lundi 4 septembre": the day near the base that falls on that weekday, if any does."""
    if base is None:
        return None
    month, day = _month_number(m, lang), int(m["day"])
    weekday = lang.weekdays.index(m["weekday"].lower())
    return _on_weekday(month, day, weekday, base.start.year, 1) or _day_near(month, day, base)


def _on_weekday(month: int, day: int, weekday: int, around: int, years: int) -> Period | None:
    """The day ``day``/``month`` of the year nearest ``around`` (within ``years``) on which it is
    that weekday: the weekday a report gives with a date says which year the date is in."""
    for offset in sorted(range(-years, years + 1), key=lambda o: (abs(o), o)):
        period = day_period(around + offset, month, day)
        if period is not None and period.start.weekday() == weekday:
            return period
    return None


def _weekday_rule(m: re.Match[str], base: Period | None, lang: LanguageProfile) -> Period | None:
    return _weekday(lang.weekdays.index(m["weekday"].lower()), base) if base else None


# Rule name -> resolver; None: not when anything happened, its span claimed and dropped: a
# deadline, or the day a state began ("depuis lundi et le report du décollage": the launch came later).
_RESOLVERS: dict[str, Resolver | None] = {
    "deadline": None,
    "since-weekday": None,
    "day-month-year": _absolute_day,
    "month-day-year": _absolute_day,
    "part-of-month": _part_of_month,
    "weekday-day-month": _weekday_day,
    "weekday-month-day": _weekday_day,
    "weekday-day-to": _weekday_day,
    "day-month": _day,
    "month-day": _day,
    "month-year": _absolute_month,
    "month-last-year": _month_last_year,
    "month-last": _previous_month_named,
    "month": _month,
    "year": _year,
    "last-year": _relative(lambda b: year_period(b.start.year - 1)),
    "this-year": _relative(lambda b: year_period(b.start.year)),
    "last-month": _relative(lambda b: _months_away(b, -1)),
    "this-month": _relative(lambda b: _months_away(b, 0)),
    "next-month": _relative(lambda b: _months_away(b, 1)),
    "last-week": _relative(lambda b: b.shifted(7, 13)),
    "recent-weeks": _relative(lambda b: b.shifted(0, 35)),
    "days-after": _days_back,
    "days-ago": _days_back,
    "day-before-yesterday": _relative(lambda b: b.shifted(2, 2)),
    "yesterday": _relative(lambda b: b.shifted(1, 1)),
    "today": _relative(lambda b: b.shifted(0, 0)),
    "weekday": _weekday_rule,
}


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    resolve: Resolver | None


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


def _compile(lang: LanguageProfile) -> list[_Rule]:
    months = _alternation(list(lang.months))
    # "they may 5 times", "to march": months only when capitalised
    if lang.months_capitalised:
        months = f"(?-i:{_alternation([m.capitalize() for m in lang.months])})"
    slots = {
        "day": rf"(?P<day>[12]\d|3[01]|0?[1-9]){lang.day_suffix}",
        "year": r"(?P<year>(?:19|20)\d\d)(?!\d)",
        "weekday": rf"(?P<weekday>{'|'.join(lang.weekdays)})",
        "part": rf"(?P<part>{'|'.join(lang.month_parts)})",
        "month": rf"(?P<month>{months})(?!\w)",
        # "plus de 2.000 jours après": no count of a larger number's last digits
        "count": rf"(?<![\d.,])(?P<count>\d{{1,2}}|{_alternation(list(lang.number_words))})",
    }
    return [
        _Rule(name, re.compile(pattern.format(**slots), re.IGNORECASE), _RESOLVERS[name])
        for name, pattern in lang.date_rules
    ]


_TABLES = {code: (_compile(lang), lang) for code, lang in PROFILES.items()}


def resolve_times(text: str, lang: str | None, base: Period | None) -> list[TimeMention]:
    """Every time expression in ``text`` (a language with a profile), in order, resolved against ``base``."""
    table = _TABLES.get(lang or "")
    if table is None:
        return []
    rules, language = table
    claimed: list[tuple[int, int]] = []
    mentions: list[TimeMention] = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in claimed):
                continue
            claimed.append(match.span())
            if rule.resolve is None:
                continue
            mentions.append(TimeMention(match.group(0), match.start(), rule.name, rule.resolve(match, base, language)))
    return sorted(mentions, key=lambda m: m.start)


def weekday_dated(text: str, lang: str, around: int) -> list[Period]:
    """The days a text gives with their weekday and no year ("vendredi 29 novembre"), each in
    the year nearest ``around`` (within seven, a calendar's cycle being at most eleven years)
    in which it falls on that weekday."""
    table = _TABLES.get(lang)
    if table is None:
        return []
    rules, language = table
    found = []
    for rule in rules:
        if rule.resolve is not _weekday_day:
            continue
        for match in rule.pattern.finditer(text):
            weekday = language.weekdays.index(match["weekday"].lower())
            period = _on_weekday(_month_number(match, language), int(match["day"]), weekday, around, 7)
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


def document_period(date: str | None, text: str, lang: str | None) -> Period | None:
    """The period a document's time expressions resolve against: its given date, else the one
    inferred from its text (read as the default source language when its own is unknown)."""
    return parse_period(date) or infer_document_period(text, lang or DEFAULT_SOURCE)
