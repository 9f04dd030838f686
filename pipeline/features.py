"""What a sentence group says, reduced to comparable features for event clustering.

Three kinds of evidence that two groups report the same happening: the words they use
(content words of the English translation and of the French source, weighed by TF-IDF over
the groups), the actors they name (people, organisations, places: an alias table joins
"Maison-Blanche" and "White House", "Kim Jong-un" and "Kim Jong Un"; other capitalised spans
of the translation count as actors as they are), and the quantities they give ("plus de
1 000 conteneurs", "more than a thousand"). Written here rather than with scikit-learn, which
the project does not otherwise need: TF-IDF over a few hundred short texts is a few lines of
numpy, and every weight stays visible.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from pipeline.lang import TARGET_PROFILE, profile
from pipeline.numbers import extract_numbers
from pipeline.words import WORD, fold

# Actors written several ways, in either language. Names that nearly every report repeats
# (North Korea, Russia, Ukraine, the United States) are left to TF-IDF, which weighs them
# down; these are the ones whose spellings differ between the source and the translation.
ACTOR_ALIASES: dict[str, tuple[str, ...]] = {
    "Kim Jong Un": (r"Kim(?:\s+Jong[\s-]?[Uu]n)?",),
    "Vladimir Putin": (r"(?:Vladimir\s+)?Poutine", r"(?:Vladimir\s+)?Putin"),
    "John Kirby": (r"(?:John\s+)?Kirby",),
    "Antony Blinken": (r"(?:Antony\s+)?Blinken",),
    "Jake Sullivan": (r"(?:Jake\s+)?Sullivan",),
    "White House": (r"White\s+House", r"Maison[\s-]Blanche"),
    "National Security Council": (r"National\s+Security\s+Council", r"Conseil\s+de\s+sécurité\s+nationale"),
    "Pentagon": (
        r"Pentagon[e]?",
        r"(?:US\s+)?Department\s+of\s+Defense",
        r"département\s+américain\s+de\s+la\s+Défense",
    ),
    "CSIS": (
        r"CSIS",
        r"Center\s+for\s+Strategic\s+and\s+International\s+Studies",
        r"Centre\s+d['’]études\s+stratégiques\s+et\s+internationales",
    ),
    "UN Security Council": (
        r"(?:UN|United\s+Nations)\s+Security\s+Council",
        r"Conseil\s+de\s+sécurité\s+(?:de\s+l['’]ONU|des\s+Nations\s+unies)",
    ),
    "Vostochny": (r"Vostochny",),
    "Tumangang": (r"Tumangang",),
    "Wagner": (r"Wagner",),
    "Iran": (r"Iran(?:ian)?", r"iranien(?:ne)?s?", r"T[ée]h[ée]ran"),
    "Seoul": (r"S[ée]oul",),
    "South Korea": (r"South\s+Korea", r"Corée\s+du\s+Sud"),
    "Crimea": (r"Crim[ée]e?a?",),
    "Donbas": (r"Donbass?", r"Donetsk", r"Lu(?:h)?ansk", r"Lougansk"),
    "Biden administration": (r"(?:administration\s+)?Biden(?:\s+administration)?",),
    "G7": (r"G7",),
    "CBS": (r"CBS",),
    "KBS": (r"KBS",),
    "CNN": (r"CNN",),
    "Reuters": (r"Reuters",),
    "Bloomberg": (r"Bloomberg",),
    "Associated Press": (r"Associated\s+Press",),
    "Washington Post": (r"Washington\s+Post",),
    "The Economist": (r"(?:The\s+)?Economist",),
    "The Independent": (r"(?:The\s+)?Independent",),
}
_ALIAS_PATTERNS = [(name, re.compile(rf"(?<!\w)(?:{'|'.join(forms)})(?!\w)")) for name, forms in ACTOR_ALIASES.items()]

# A capitalised span of the translation: "Russell Hope", "Democratic People's Republic of Korea".
_CAPITALISED = re.compile(r"(?<![\w'’])(?:[A-Z][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+|the\s+)?(?:[A-Z][\w’'-]*|[A-Z]{2,}))*")
# Capitalised words that open sentences or quotes without naming anyone.
_NOT_ACTORS = frozenset(
    {
        "A",
        "According",
        "After",
        "Although",
        "An",
        "And",
        "As",
        "At",
        "But",
        "Consequently",
        "Due",
        "He",
        "However",
        "How",
        "I",
        "If",
        "In",
        "It",
        "Its",
        "Last",
        "Meanwhile",
        "Moreover",
        "News",
        "On",
        "One",
        "Our",
        "Over",
        "She",
        "So",
        "The",
        "Their",
        "These",
        "They",
        "This",
        "To",
        "We",
        "What",
        "When",
        "While",
        "Why",
    }
)


_ENGLISH_MONTH_NAMES = frozenset(TARGET_PROFILE.months)
# Quantities below this are mostly durations and counts of people ("deux mois", "six jours").
_MIN_QUANTITY = 10


def _fold(word: str) -> str:
    """Lower case, no accents, no plural: "Conteneurs" and "conteneur" are one term."""
    word = fold(word).replace("’", "'")
    if len(word) > 4 and word[-1] in "sx" and word[-2] != "s":
        word = word[:-1]
    return word


def content_words(text: str, lang: str) -> list[str]:
    """Folded words that carry content; elided articles ("l'armée") are split off."""
    language = profile(lang)
    stop = language.stopwords if language else frozenset()
    words: list[str] = []
    for token in WORD.findall(text):
        for part in re.split(r"['’]", token):
            if len(part) > 2 and part.lower() not in stop:
                words.append(_fold(part))
    return words


def actors(english: str, sources: Iterable[str] = ()) -> frozenset[str]:
    """Named actors: alias-table names in the translation and the sources, then the other
    capitalised spans of the English translation (French capitalises too little to tell)."""
    found: set[str] = set()
    for text in (english, *sources):
        for name, pattern in _ALIAS_PATTERNS:
            if pattern.search(text):
                found.add(name)
    remaining = english
    for _, pattern in _ALIAS_PATTERNS:
        remaining = pattern.sub(" ", remaining)
    for span in _CAPITALISED.findall(remaining):
        words = re.sub(r"['’]s$", "", span).split()
        while words and words[0] in _NOT_ACTORS:
            words = words[1:]
        if words and words[0].lower() not in _ENGLISH_MONTH_NAMES:
            found.add(" ".join(words))
    return frozenset(found)


def quantities(text: str, lang: str) -> frozenset[str]:
    """Numbers and percentages worth comparing; dates and years are the time features' job."""
    values = set()
    for mention in extract_numbers(text, lang):
        if mention.kind == "percent" or (mention.kind == "number" and float(mention.value) >= _MIN_QUANTITY):
            values.add(mention.value)
    return frozenset(values)


def tfidf(documents: Sequence[list[str]]) -> np.ndarray:
    """Rows of L2-normalised TF-IDF (sublinear tf, smoothed idf), one per document."""
    vocabulary: dict[str, int] = {}
    for words in documents:
        for word in words:
            vocabulary.setdefault(word, len(vocabulary))
    matrix = np.zeros((len(documents), max(len(vocabulary), 1)))
    for row, words in enumerate(documents):
        for word, count in Counter(words).items():
            matrix[row, vocabulary[word]] = 1.0 + math.log(count)
    document_frequency = (matrix > 0).sum(axis=0)
    matrix *= np.log((1 + len(documents)) / (1 + document_frequency)) + 1.0
    return normalise_rows(matrix)


def set_vectors(sets: Sequence[frozenset[str]]) -> np.ndarray:
    """Rows of L2-normalised IDF weights of set members: sharing a rare actor or number
    counts more than sharing one that every group has."""
    index: dict[str, int] = {}
    for items in sets:
        for item in sorted(items):
            index.setdefault(item, len(index))
    matrix = np.zeros((len(sets), max(len(index), 1)))
    for row, items in enumerate(sets):
        for item in items:
            matrix[row, index[item]] = 1.0
    document_frequency = matrix.sum(axis=0)
    matrix *= np.log((1 + len(sets)) / (1 + document_frequency)) + 1.0
    return normalise_rows(matrix)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
