"""English: the language of the translations, and a source language of its own."""

from __future__ import annotations

from pipeline.lang import LanguageProfile


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PROFILE = LanguageProfile(
    code="en",
    name="English",
    month_names=(
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
    ),
    month_forms={"jan.": 1, "feb.": 2, "aug.": 8, "sept.": 9, "sep.": 9, "oct.": 10, "nov.": 11, "dec.": 12},
    months_capitalised=True,
    weekdays=("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    month_parts={"early": (1, 10), "mid": (11, 20), "late": (21, None), "end": (21, None)},
    day_suffix=r"(?:st|nd|rd|th)?",
    date_rules=(
        ("deadline", r"\bby\s+(?:the\s+end\s+of\s+)?(?:{month}\s+(?:{day},?\s+)?)?{year}"),
        ("day-month-year", r"\b{day}\s+(?:of\s+)?{month},?\s+{year}"),
        ("month-day-year", r"\b{month}\s+{day},?\s+{year}"),
        ("part-of-month", r"\b(?:the\s+)?{part}[\s-]+(?:of\s+)?{month}(?:,?\s+{year})?"),
        ("weekday-day-month", r"\b{weekday},?\s+(?:the\s+)?{day}\s+(?:of\s+)?{month}"),
        (
            "weekday-day-to",
            r"\b{weekday},?\s+(?:the\s+)?{day}"
            r"(?=\s+(?:to|and)\s+(?:\w+,?\s+)?(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{month})",
        ),
        ("weekday-month-day", r"\b{weekday},?\s+{month}\s+{day}\b"),
        ("day-month", r"\b{day}\s+(?:of\s+)?{month}"),
        ("month-day", r"\b{month}\s+{day}\b"),
        ("month-year", r"\b{month},?\s+{year}"),
        ("month-last-year", r"\b{month}\s+(?:of\s+)?last\s+year"),
        ("month-last", r"\blast\s+{month}"),
        ("month", r"\b(?:in|since|until|by|during)\s+{month}"),
        ("year", r"\b(?:in|since|by|before|after|until|early|late)\s+{year}"),
        ("last-year", r"\blast\s+year\b"),
        ("this-year", r"\bthis\s+year\b"),
        ("last-month", r"\blast\s+month\b"),
        ("this-month", r"\bthis\s+month\b"),
        ("next-month", r"\bnext\s+month\b"),
        ("last-week", r"\blast\s+week\b"),
        ("recent-weeks", r"\b(?:in\s+|over\s+)?(?:recent|the\s+(?:past|last)(?:\s+few)?)\s+weeks\b"),
        ("days-after", r"\b{count}\s+days\s+after\b"),
        ("days-ago", r"\b{count}\s+days\s+ago\b"),
        ("yesterday", r"\byesterday\b"),
        ("today", r"\btoday\b"),
        ("since-weekday", r"\bsince\s+{weekday}\b"),
        ("weekday", r"\b{weekday}\b"),
    ),
    number_words={
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
    # "17:30", "5.30 p.m.", "5 pm"
    clock_time=(
        r"(?<![\w,.:])(?P<hour>[01]?\d|2[0-3])(?::(?P<minute>[0-5]\d)(?!\d)"
        r"(?:\s*(?P<half>[ap])\.?m\b\.?)?|(?:[.:](?P<minute2>[0-5]\d))?\s*(?P<half2>[ap])\.?m\b\.?)"
    ),
    # "December 7 and 8", "7 and 8 December"
    day_pair=(
        r"(?:(?P<month>{month})\s+(?P<first>{day})"
        r"(?:st|nd|rd|th)?\s+(?:and|to|or|-)\s+(?P<second>{day})(?!\w)"
        r"|(?P<first2>{day})(?:st|nd|rd|th)?\s+(?:and|to|or|-)\s+(?:[^\W\d_]+\s+)?(?P<second2>{day})"
        r"(?:st|nd|rd|th)?\s+(?P<month2>{month})(?!\w))"
    ),
    stopwords=_words(
        """a about after against all also an and any are as at be been before being but by can could did do does
        during even for from had has have he her him his how i if in into is it its just more most no nor not now
        of on only or other our out over said says she should so some such than that the their them then there
        these they this those through to under until up very was we well were what when where which while who
        whom why will with would you"""
    ),
    # "t" is the end of "don't" as the word tokenizer splits it
    negations=_words("not no never neither nor none nothing nobody without cannot t"),
    abbreviations=_words(
        """mr. mrs. ms. dr. drs. prof. st. jr. sr. inc. ltd. corp. co. vs. ca. approx. dept. min. max. no. nos.
        p. pp. vol. chap. art. fig. cf. jan. feb. aug. dec. oct. nov."""
    ),
    boilerplate={
        "source_link": r"Source link",
        "read_also": r"Read also|Read more",
        "advertisement": r"Advertisement",
        "photo_credit": r"Image",
        "read_more": r"Continue reading|Read the full (?:story|article)",
        "donation_appeal": r"\bsupport us\b|\bdonate\b",
        "read_more_sentence": r"Read more|Continue reading",
        "cookie_address": r"you|your|we|accept\w*|consent\w*",
    },
    clause_conjunctions=("and", "but", "or", "so", "while", "whereas"),
    trailing_attribution=r",\s*(?:the\s+|a\s+)?[^,]{1,50}?\s+(?:reported|said|says|reports)$",
    anaphoric_opening=(
        r"^\W*(?:he|she|it|its|they|their|his|her|this|these|those|that|moreover|consequently|however|"
        r"meanwhile|also|so|but)\b"
    ),
    name_joiners=_words("of for and the"),
    day_of=r"(?:of\s+)?",
    implied_numbers={"2": r"\bboth\b"},  # "les deux camps": "both sides"
    negation_fragments=_words("t"),  # "t" alone is French too (a-t-il)
    negating_verbs=_words(
        """deny denies denied denying refuse refuses refused refusing decline declines declined declining
        fail fails failed failing"""
    ),
    honorifics=_words("mr mrs ms miss dr prof sir"),
    contractions=((r"\bwon['’]t\b", "will not"), (r"\bcan['’]t\b", "can not"), (r"n['’]t\b", " not")),
    reporting_verbs=(
        r"said|says|say|told|tells|stated|states|declared|declares|announced|announces|added|explained|warned|"
        r"insisted|noted|claimed|claims|reported|reports|revealed|reveals|confirmed|concluded|condemned|indicated|"
        r"affirmed|affirm|acknowledged|according to|quoted|citing"
    ),
    claim_stopwords=_words(
        """above again almost along already although am among another around became because below between both
        doing done each either else ever every few further furthermore having here hers herself himself however
        indeed itself least less let like made make many may me meanwhile might moreover much must my myself near
        nearly off once one onto others otherwise ours ourselves own per perhaps quite rather same several shall
        since still theirs themselves though thus too toward towards upon us via whatever whether whose within yet
        your yours"""
    ),
)
