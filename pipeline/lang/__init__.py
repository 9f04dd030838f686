"""Everything the pipeline knows about one language, in one profile per language.

The generic machinery (the number reader in ``pipeline.numbers``, the date rules in
``pipeline.dates``, the sentence splitter and boilerplate rules in ``pipeline.text``, the
negation veto in ``pipeline.matching``) reads its tables from here, as spaCy keeps
``lang/<code>/``. Adding a language is one module here, imported in ``_profiles`` (a static
import, so that the stage code hashes see a profile change). A language without a profile is
still ingested, deduplicated and translated, with the checks that need its tables off
(``unprofiled_notes`` says which).

Regex fields are pattern strings, compiled where they are used. Fields with a default are
the few that only some languages need (French round numbers, English "both" for 2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class LanguageProfile:
    code: str
    name: str
    # --- calendar
    month_names: tuple[str, ...]  # the twelve full names, lower case, January first
    month_forms: Mapping[str, int]  # other spellings and abbreviations read as months
    months_capitalised: bool  # month names are months only when capitalised (English "may", "march")
    weekdays: tuple[str, ...]  # lower case, Monday first
    month_parts: Mapping[str, tuple[int, int | None]]  # "début", "early": the days of the month it means
    day_suffix: str  # regex after a day number: "1er", "13th", "13."
    # (rule name, pattern), in order: earlier rules claim their span first. The name says how
    # pipeline.dates resolves a match; {day} {month} {year} {weekday} {part} are slots.
    date_rules: tuple[tuple[str, str], ...]
    # --- numbers
    number_words: Mapping[str, int]  # small number words; articles are never numbers alone
    articles: tuple[str, ...]  # "un millier", "a thousand": the article means one
    scales: Mapping[str, int]  # singular forms stand alone ("mille"); plurals need a count
    plural_scales: Mapping[str, int]
    grouped: str  # regex: a number with thousands separators
    decimal_sep: str
    percent: str  # regex after a number
    clock_time: str  # regex with groups hour, minute (minute2, half, half2 where a 12-hour clock is used)
    day_pair: str  # regex for two days of one month, groups first/second/month (first2...); {day} {month} slots
    # --- words
    stopwords: frozenset[str]  # function words: no content of their own
    negations: frozenset[str]  # words that flip a sentence's polarity, as the word tokenizer yields them
    abbreviations: frozenset[str]  # lower-cased tokens ending with a period that end no sentence
    boilerplate: Mapping[str, str]  # boilerplate rule name (pipeline.text) -> this language's phrases, a regex
    anaphoric_opening: str  # regex: a sentence opening that leans on the sentence before it
    clause_conjunctions: tuple[str, ...]  # words that open a clause: where an over-long sentence may be cut
    name_joiners: frozenset[str]  # words allowed inside a multi-word name ("Center for ... Studies")
    # --- only some languages
    day_of: str = ""  # regex between a day and its month: "13 of October"
    number_adjectives: frozenset[str] = frozenset()  # number words that are also adjectives ("neuf": new)
    round_numbers: Mapping[str, int] = field(default_factory=dict)  # regex -> value: "une quarantaine"
    implied_numbers: Mapping[str, str] = field(default_factory=dict)  # value -> regex: "both" renders 2
    negation_fragments: frozenset[str] = frozenset()  # negation tokens that are plain fragments elsewhere ("t")
    elided_negations: Mapping[str, str] = field(default_factory=dict)  # elided form -> full word: "n" (n') -> "ne"
    negating_verbs: frozenset[str] = frozenset()  # verbs that negate what follows ("denied providing")
    honorifics: frozenset[str] = frozenset()  # no part of a name's identity ("Mr Kim")
    # Further function words that state no claim, for the faithfulness check of English
    # sentences; with ``stopwords`` they are its list. Event clustering keeps them: they help
    # tell events apart there (left out, seeds BCubed F1 falls from 0.892 to 0.846).
    claim_stopwords: frozenset[str] = frozenset()
    contractions: tuple[tuple[str, str], ...] = ()  # (regex, spelt out), in order: "won't" -> "will not"
    reporting_verbs: str = ""  # regex: speech and reporting verbs ("said", "according to")
    trailing_attribution: str = ""  # regex: who reported it, closing a sentence (", the agency said")
    name_articles: frozenset[str] = frozenset()  # articles NER includes in a span ("la Terre")
    demonym_ending: str = ""  # regex: adjectives of nationality ("américain")
    compass: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # English compass word -> this language's

    @property
    def months(self) -> dict[str, int]:
        """Every form read as a month, full names first."""
        return {**{m: i for i, m in enumerate(self.month_names, 1)}, **self.month_forms}

    @property
    def dotted_ordinals(self) -> bool:
        """Days are written with a period ("13. Oktober"): a period after a day ends no sentence."""
        return re.fullmatch(self.day_suffix, ".") is not None


# Fields only some languages need; every other field of every profile is filled.
OPTIONAL_FIELDS = frozenset(
    {
        "day_of",
        "number_adjectives",
        "round_numbers",
        "implied_numbers",
        "negation_fragments",
        "elided_negations",
        "negating_verbs",
        "honorifics",
        "claim_stopwords",
        "contractions",
        "reporting_verbs",
        "trailing_attribution",
        "name_articles",
        "demonym_ending",
        "compass",
    }
)

# The source language assumed when a document's language is unknown.
DEFAULT_SOURCE = "fr"


def _profiles() -> dict[str, LanguageProfile]:
    from pipeline.lang import de, en, fr

    return {p.code: p for p in (fr.PROFILE, en.PROFILE, de.PROFILE)}


PROFILES: Mapping[str, LanguageProfile] = _profiles()
# The language of the translations and the digest.
TARGET = "en"
TARGET_PROFILE = PROFILES[TARGET]


def profile(code: str | None) -> LanguageProfile | None:
    """The profile of a language code ("fr"), or None when the pipeline has none."""
    return PROFILES.get(code or "")


@cache
def anaphoric_opening(code: str | None) -> re.Pattern[str] | None:
    """The compiled opening that leans on the previous sentence, for a language with a profile."""
    found = profile(code)
    return re.compile(found.anaphoric_opening, re.IGNORECASE) if found else None


def unprofiled_notes(languages: Iterable[str]) -> list[str]:
    """One note per language without a profile, saying which checks are off for it."""
    return [
        f"no language profile for {code}: negation, number and date checks are off for {code} sentences"
        for code in sorted(set(languages))
        if code not in PROFILES
    ]
