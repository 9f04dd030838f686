"""French."""

from __future__ import annotations

from pipeline.lang import LanguageProfile


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PROFILE = LanguageProfile(
    code="fr",
    name="French",
    month_names=(
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
    ),
    month_forms={
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
    months_capitalised=False,
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    month_parts={"début": (1, 10), "mi": (11, 20), "fin": (21, None)},
    day_suffix=r"(?:er|re|e)?",
    date_rules=(
        ("deadline", r"\bd['’]ici\s+(?:(?:à|la\s+fin\s+de|fin|le)\s+)?(?:{day}\s+)?(?:{month}\s+)?{year}"),
        ("day-month-year", r"\b{day}\s+{month}\s+{year}"),
        ("part-of-month", r"\b{part}[\s-]+{month}(?:\s+{year})?"),
        ("weekday-day-month", r"\b{weekday}\s+{day}\s+{month}"),
        # "dans la nuit du dimanche 10 au lundi 11 septembre": the first day takes the month that follows
        ("weekday-day-to", r"\b{weekday}\s+{day}(?=\s+(?:au|et)\s+(?:\w+\s+)?\d{{1,2}}(?:er)?\s+{month})"),
        ("day-month", r"\b{day}\s+{month}"),
        ("month-year", r"\b{month}\s+{year}"),
        ("month-last-year", r"\b{month}\s+(?:de\s+)?l['’]année\s+(?:dernière|passée)"),
        ("month-last", r"\b{month}\s+(?:dernier|passé)"),
        ("month", r"\b(?:(?:en|depuis|dès|courant|jusqu['’]en)\s+|au\s+mois\s+d['’])\s*{month}"),
        ("year", r"\b(?:en|depuis|dès|d['’]ici|avant|après|jusqu['’]en|fin|début)\s+{year}"),
        ("last-year", r"\bl['’]année\s+(?:dernière|passée)|\bl['’]an\s+dernier"),
        ("this-year", r"\bcette\s+année"),
        ("last-month", r"\ble\s+mois\s+(?:dernier|passé)"),
        ("this-month", r"\bce\s+mois(?:-ci)?\b"),
        ("next-month", r"\ble\s+mois\s+prochain"),
        ("last-week", r"\bla\s+semaine\s+(?:dernière|passée)"),
        ("recent-weeks", r"\b(?:ces|les|des)\s+(?:dernières|deux\s+dernières|trois\s+dernières)\s+semaines"),
        ("days-after", r"\b{count}\s+jours\s+après\b"),
        ("days-ago", r"\bil\s+y\s+a\s+{count}\s+jours\b"),
        ("day-before-yesterday", r"\bavant-hier\b"),
        ("yesterday", r"\bhier\b"),
        ("today", r"\baujourd['’]hui\b"),
        ("since-weekday", r"\bdepuis\s+{weekday}\b"),
        ("weekday", r"\b{weekday}\b"),
    ),
    number_words={
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
    clock_time=r"(?<![\w,.])(?P<hour>[01]?\d|2[0-3])\s?h\s?(?P<minute>[0-5]\d)?(?!\w)",
    # "les 7 et 8 décembre", "du dimanche 10 au lundi 11 septembre"
    day_pair=(
        r"(?<![\w,.])(?P<first>{day})(?:er)?\s+(?:et|au|ou|-)\s+(?:[^\W\d_]+\s+)?"
        r"(?P<second>{day})(?:er)?\s+(?P<month>{month})(?!\w)"
    ),
    stopwords=_words(
        """a au aux avec ce ces cet cette dans de des du elle en est et été être il ils la le les leur
        leurs lui mais même ne ni nous on ont ou où par pas pour qu que qui sa se ses si son sont sur un une vers y
        a avait ainsi alors aussi autre autres avoir bien car ceux comme d dont elles encore entre fait l m n s t
        peut plus sans selon tout tous très été déjà c j"""
    ),
    # "n'" is tokenised as "n"; compared as a multiset, so "ne ... pas" and "ne ... jamais" differ
    negations=_words("ne n pas jamais aucun aucune aucuns aucunes non rien nullement guere"),
    # Not "etc." or "sept." ("ils étaient sept."): those end sentences often enough to split
    # when a capital follows.
    abbreviations=_words(
        """m. mm. mme. mmes. mlle. mlles. dr. drs. pr. me. mgr. st. ste. sts. cf. p. pp. ex. av. apr. env.
        no. nos. vol. chap. art. fig. éd. coll. réf. tél. bd. boul. gén. col. cdt. lt. cpt. sgt. adj. gouv.
        hab. janv. févr. fév. avr. juil. déc. oct. nov."""
    ),
    boilerplate={
        "byline": r"[Pp]ar",  # before a wire dateline: "par A et B PARIS (AFP) - "
        "read_also": r"[AÀ] lire aussi|Lire aussi|Voir aussi",
        "advertisement": r"Publicité|Annonce",
        "photo_credit": r"Photos?|Crédits?(?: photos?)?|Illustration",
        "original_article": r"Lire l['’]article original",
        "read_more": r"Lire la suite",
        "donation_appeal": (
            r"\bsoutien[sz]?[- ]nous\b|\bsoutenez[- ]nous\b|\bdevenez (?:un )?(?:mécène|abonné)"
            r"|\bfaites un don\b|\babonnez-vous\b"
        ),
        "read_more_sentence": r"Lire (?:la suite|l['’]article|la brève|plus)",
        "cookie_address": r"vous|accept\w*|refus\w*|consent\w*",
    },
    clause_conjunctions=("et", "mais", "ou", "donc", "or", "ni", "car", "puis", "tandis que", "alors que"),
    anaphoric_opening=(
        r"^\W*(?:il|ils|elle|elles|ce|cet|cette|ces|c['’]est|de plus|de ce fait|en outre|par ailleurs|"
        r"cependant|toutefois|mais)\b"
    ),
    name_joiners=_words("de du"),
    elided_negations={"n": "ne"},
    number_adjectives=_words("neuf"),  # "un navire neuf": as a number it comes before a noun
    # "une quarantaine" is "some forty", "plusieurs centaines" "several hundred"
    round_numbers={
        r"(?:plusieurs|quelques)\s+centaines": 100,
        "dizaine": 10,
        "douzaine": 12,
        "quinzaine": 15,
        "vingtaine": 20,
        "trentaine": 30,
        "quarantaine": 40,
        "cinquantaine": 50,
        "soixantaine": 60,
        "centaine": 100,
    },
    name_articles=_words("la le les l d de des du"),
    # not -ique, which too many other words end in
    demonym_ending=r"(?:ain|ien|ais|ois)(?:e|ne)?s?$",
    compass={
        "north": ("nord",),
        "northern": ("nord", "septentrional"),
        "south": ("sud",),
        "southern": ("sud", "meridional"),
        "east": ("est", "orient"),
        "eastern": ("est", "oriental"),
        "west": ("ouest", "occident"),
        "western": ("ouest", "occident"),
    },
)
