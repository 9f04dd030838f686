"""What a report says, reduced to comparable features for event clustering.

Three kinds of evidence that two passages report the same happening: the words they use
(content words of the English translation and of the French source, weighed by TF-IDF), the
actors and places they name (the entities spaCy's French model finds in the source, and the
capitalised spans of the translation), and the quantities they give ("plus de 1 000
conteneurs", "more than a thousand"). TF-IDF is written here rather than taken from
scikit-learn, which the project does not otherwise need: it is a few lines of numpy/scipy,
and every weight stays visible.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from pipeline.lang import TARGET_PROFILE, profile
from pipeline.numbers import extract_numbers
from pipeline.words import WORD, fold

# A capitalised span of the translation: "Russell Hope", "Democratic People's Republic of Korea".
_CAPITALISED = re.compile(r"(?<![\w'’])(?:[A-Z][\w’'-]*|[A-Z]{2,})(?:\s+(?:of\s+|the\s+)?(?:[A-Z][\w’'-]*|[A-Z]{2,}))*")
# Words of a name: "CSO-3" and "CSO 3", "Jean-Gilles" and "Jean Gilles" are one name.
_NAME_PARTS = re.compile(r"[\s\-‐‑–]+")
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


def names(english: str, entities: Iterable[tuple[str, str]] = ()) -> frozenset[str]:
    """Who and where: the named entities a model found in the source, folded ("Niamey",
    "mohamed bazoum"), and the capitalised spans of the English translation, which name the
    same actors in the one spelling all translations share."""
    found = {" ".join(_fold(w) for w in _NAME_PARTS.split(text) if w) for text, _ in entities}
    for span in _CAPITALISED.findall(english):
        words = [w for w in _NAME_PARTS.split(re.sub(r"['’]s$", "", span)) if w]
        while words and words[0] in _NOT_ACTORS:
            words = words[1:]
        if words and words[0].lower() not in _ENGLISH_MONTH_NAMES:
            found.add(" ".join(_fold(w) for w in words))
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


class SparseTfidf:
    """``tfidf`` as a sparse matrix, built one document at a time: only term ids and counts
    are kept, in arrays, so an archive's words are never all held as strings and lists at once."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.rows = array("q")
        self.columns = array("q")
        self.values = array("d")
        self.documents = 0

    def add(self, words: Iterable[str]) -> None:
        for word, count in sorted(Counter(words).items()):
            self.rows.append(self.documents)
            self.columns.append(self.vocabulary.setdefault(word, len(self.vocabulary)))
            self.values.append(1.0 + math.log(count))
        self.documents += 1

    def matrix(self) -> sparse.csr_matrix:
        shape = (self.documents, max(len(self.vocabulary), 1))
        columns = np.frombuffer(self.columns, dtype=np.int64)
        rows = np.frombuffer(self.rows, dtype=np.int64)
        matrix = sparse.csr_matrix((np.frombuffer(self.values), (rows, columns)), shape=shape, dtype=np.float64)
        document_frequency = np.bincount(columns, minlength=shape[1])
        idf = np.log((1 + self.documents) / (1 + document_frequency)) + 1.0
        matrix = matrix @ sparse.diags(idf)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        return sparse.csr_matrix(sparse.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ matrix)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
