"""German (opus-mt-de-en). Days are ordinals written with a period: "am 13. Oktober 2023"."""

from __future__ import annotations

from pipeline.lang import LanguageProfile


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PROFILE = LanguageProfile(
    code="de",
    name="German",
    month_names=(
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ),
    month_forms={"jänner": 1, "maerz": 3, "jan.": 1, "feb.": 2, "aug.": 8, "sept.": 9, "okt.": 10, "dez.": 12},
    months_capitalised=False,
    weekdays=("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
    month_parts={"anfang": (1, 10), "mitte": (11, 20), "ende": (21, None)},
    day_suffix=r"\.?",
    date_rules=(
        ("deadline", r"\bbis\s+(?:(?:zum|Ende)\s+)?(?:{day}\s+)?(?:{month}\s+)?{year}"),
        ("day-month-year", r"\b{day}\s+{month}\s+{year}"),
        ("part-of-month", r"\b{part}[\s-]+{month}(?:\s+{year})?"),
        ("weekday-day-month", r"\b{weekday},?\s+(?:den\s+)?{day}\s+{month}"),
        ("day-month", r"\b{day}\s+{month}"),
        ("month-year", r"\b{month}\s+{year}"),
        ("month-last-year", r"\b{month}\s+(?:des\s+)?(?:letzten|vergangenen|vorigen)\s+Jahres"),
        ("month-last", r"\b(?:letzten|vergangenen|vorigen)\s+{month}"),
        ("month", r"\b(?:im|seit|ab)\s+{month}"),
        ("year", r"\b(?:im\s+Jahre?|seit|ab|vor|nach|Anfang|Ende)\s+{year}"),
        ("last-year", r"\b(?:im\s+)?(?:letzten|vergangenen|vorigen)\s+Jahr\b|\bvoriges\s+Jahr\b"),
        ("this-year", r"\b(?:in\s+)?diese[ms]?\s+Jahr\b"),
        ("last-month", r"\b(?:im\s+)?(?:letzten|vergangenen|vorigen)\s+Monat\b"),
        ("this-month", r"\b(?:in\s+)?diese[mn]?\s+Monat\b"),
        ("next-month", r"\b(?:im\s+)?(?:nächsten|kommenden)\s+Monat\b"),
        ("last-week", r"\b(?:in\s+der\s+)?(?:letzten|vergangenen|vorigen)\s+Woche\b"),
        ("recent-weeks", r"\b(?:in\s+)?den\s+(?:letzten|vergangenen)\s+(?:(?:zwei|drei|paar)\s+)?Wochen\b"),
        ("days-after", r"\b{count}\s+Tage\s+nach\b"),
        ("days-ago", r"\bvor\s+{count}\s+Tagen\b"),
        ("day-before-yesterday", r"\bvorgestern\b"),
        ("yesterday", r"\bgestern\b"),
        ("today", r"\bheute\b"),
        ("since-weekday", r"\bseit\s+{weekday}\b"),
        ("weekday", r"\b{weekday}\b"),
    ),
    number_words={
        "zwei": 2,
        "drei": 3,
        "vier": 4,
        "fünf": 5,
        "sechs": 6,
        "sieben": 7,
        "acht": 8,
        "neun": 9,
        "zehn": 10,
        "elf": 11,
        "zwölf": 12,
        "dreizehn": 13,
        "vierzehn": 14,
        "fünfzehn": 15,
        "sechzehn": 16,
        "siebzehn": 17,
        "achtzehn": 18,
        "neunzehn": 19,
        "zwanzig": 20,
        "dreißig": 30,
        "vierzig": 40,
        "fünfzig": 50,
        "sechzig": 60,
        "siebzig": 70,
        "achtzig": 80,
        "neunzig": 90,
    },
    articles=("ein", "eine", "einer"),
    scales={"hundert": 100, "tausend": 1000, "million": 10**6, "milliarde": 10**9},
    plural_scales={"hunderte": 100, "tausende": 1000, "millionen": 10**6, "milliarden": 10**9},
    # 1.000 or 1 000, decimals after a comma
    grouped=r"\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:,\d+)?",
    decimal_sep=",",
    percent=r"\s?%|\s+Prozent",
    # "17 Uhr", "17:30 Uhr", "17.30 Uhr"
    clock_time=r"(?<![\w,.:])(?P<hour>[01]?\d|2[0-3])(?:[:.](?P<minute>[0-5]\d))?\s?Uhr\b",
    # "am 7. und 8. Dezember", "vom 10. bis 11. September"
    day_pair=(
        r"(?<![\w,.])(?P<first>{day})\.?\s+(?:und|bis|oder|-)\s+(?:zum\s+)?"
        r"(?P<second>{day})\.?\s+(?P<month>{month})(?!\w)"
    ),
    stopwords=_words(
        """aber als am an auch auf aus bei bereits bis da damit dann das dass dem den denn der des dessen die
        dies diese diesem diesen dieser dieses doch dort durch ein eine einem einen einer eines er es für gegen
        hat hatte hatten hier ihm ihn ihr ihre ihrem ihren ihrer im in ist jedoch kann könnte laut man mehr mit
        muss nach nicht noch nun nur ob oder ohne seien sein seine seinem seinen seiner seit sei sich sie sind so
        soll sollen sollte sowie über um und unter vom von vor war waren was weil wenn werden wie wieder will wir
        wird wurde wurden würde zu zum zur zwischen"""
    ),
    # "weder" and not "noch", which mostly means "still"
    negations=_words(
        "nicht kein keine keinen keinem keiner keines nie niemals nichts niemand nirgends nirgendwo weder"
    ),
    # Spaced ones ("z. b.") are matched as a whole, so that "a." alone never is one. The splitter
    # serves every language at once: not "etc." or "sept.", which end French sentences.
    abbreviations=frozenset(("z. b.", "u. a.", "d. h.", "s. o.", "u. ä.", "v. a."))
    | _words(
        """dr. nr. bzw. usw. vgl. ggf. inkl. evtl. sog. geb. hrsg. jh. mio. mrd. str. abs. okt. dez. jan. feb.
        aug. ca. prof."""
    ),
    boilerplate={
        "read_also": r"Lesen Sie auch|Mehr zum Thema|Auch interessant",
        "advertisement": r"Anzeige|Werbung",
        "photo_credit": r"Fotos?|Bild|Bildquelle",
        "read_more": r"Weiterlesen|Mehr lesen",
        "donation_appeal": r"\bunterstützen sie uns\b|\bjetzt spenden\b|\bjetzt abonnieren\b",
        "read_more_sentence": r"Weiterlesen|Mehr lesen",
        "cookie_address": r"sie|akzeptier\w*|zustimm\w*|einwillig\w*",
    },
    clause_conjunctions=("und", "aber", "oder", "denn", "doch", "sondern", "während"),
    anaphoric_opening=(
        r"^\W*(?:er|sie|es|ihr|ihre|sein|seine|dies|diese|dieser|dieses|außerdem|zudem|jedoch|allerdings|"
        r"aber|auch|deshalb|daher)\b"
    ),
    name_joiners=_words("von"),
    negating_verbs=_words("bestreiten bestritt bestritten leugnen leugnete verweigern verweigerte ablehnen lehnte"),
)
