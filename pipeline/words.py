"""Accent folding and the word tokenizer: the one definition of each that every stage uses."""

from __future__ import annotations

import re
import unicodedata

# The combining diacritical marks that NFKD splits off accented letters (é = e + U+0301).
# A character class rather than unicodedata.combining per character: dedup folds every sentence.
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# A word of letters, with inner apostrophes and hyphens: "aujourd'hui", "Jong-un".
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def strip_accents(text: str) -> str:
    """The text without accents, case kept ("Séoul" -> "Seoul"); compatibility forms decomposed."""
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))


def fold(text: str) -> str:
    """Lower case without accents: "Séoul" and "seoul" compare equal."""
    return strip_accents(text.lower())


def words(text: str) -> list[str]:
    """The words of a text, as written."""
    return WORD.findall(text)
