"""Language of documents and sentences, with lingua restricted to the configured languages.

The detector is built on first use (lazily, once per language set), never at import time.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from lingua import LanguageDetector

# Sentences shorter than this (numbers, names, "Kirby a dit.") give noisy guesses; they take
# the document's language instead.
MIN_LETTERS = 20
MIN_WORDS = 3
# lingua answers None when the two likeliest languages are closer than this.
MIN_RELATIVE_DISTANCE = 0.1
_NON_LETTERS = re.compile(r"[\W\d_]+")


def check_languages(languages: tuple[str, ...], source: str = "") -> tuple[str, ...]:
    """Lower-cased ISO 639-1 codes; ConfigError naming ``ingest.languages`` for unknown ones."""
    from lingua import IsoCode639_1

    if not languages:
        raise ConfigError(source, "ingest.languages", "is empty", "ISO 639-1 codes such as fr, en, de")
    codes = tuple(dict.fromkeys(code.strip().lower() for code in languages))
    for code in codes:
        try:
            IsoCode639_1.from_str(code)
        except ValueError:
            raise ConfigError(
                source, "ingest.languages", f"has unknown code {code!r}", "ISO 639-1 codes such as fr, en, de"
            ) from None
    return codes


@functools.lru_cache(maxsize=4)
def detector(languages: tuple[str, ...]) -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [IsoCode639_1.from_str(code) for code in languages]
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
        .build()
    )


def is_too_short(text: str) -> bool:
    return len(_NON_LETTERS.sub("", text)) < MIN_LETTERS or len(text.split(maxsplit=MIN_WORDS)) < MIN_WORDS


def detect(texts: list[str], languages: tuple[str, ...], threads: bool = True) -> list[str | None]:
    """One ISO 639-1 code (or None when unsure) per text; each distinct text is detected once.

    ``threads=False`` inside worker processes: they are the parallelism there, and lingua's
    thread pool, once started, does not survive ``fork()`` (a forked child waits on it forever).
    """
    if len(languages) == 1:
        return [languages[0]] * len(texts)
    unique = list(dict.fromkeys(texts))
    if threads:
        found = detector(languages).detect_languages_in_parallel_of(unique)
    else:
        found = [detector(languages).detect_language_of(text) for text in unique]
    codes = [lang.iso_code_639_1.name.lower() if lang else None for lang in found]
    by_text = dict(zip(unique, codes, strict=True))
    return [by_text[text] for text in texts]


def assign_languages(
    sentences: list[str], languages: tuple[str, ...], threads: bool = True
) -> tuple[str | None, list[str | None]]:
    """(document language, one language per sentence) of one document; see ``assign_languages_many``."""
    return assign_languages_many([sentences], languages, threads)[0]


def assign_languages_many(
    documents: list[list[str]], languages: tuple[str, ...], threads: bool = True
) -> list[tuple[str | None, list[str | None]]]:
    """(document language, one language per sentence) for each document's sentences.

    A document's language is the majority by characters of its confidently detected
    sentences; short or undecided sentences inherit it, so a mixed report keeps its English
    quotes as English while names and figures follow the text around them. Sentences of all
    documents go to the detector in one call: per-call overhead dominates on short documents.
    """
    long_texts = [
        text for text in dict.fromkeys(t for sentences in documents for t in sentences) if not is_too_short(text)
    ]
    detected = dict(zip(long_texts, detect(long_texts, languages, threads), strict=True))
    majorities: list[str | None] = []
    for sentences in documents:
        weight: Counter[str] = Counter()
        for text in sentences:
            lang = detected.get(text)
            if lang:
                weight[lang] += len(text)
        majorities.append(weight.most_common(1)[0][0] if weight else None)
    # documents whose sentences are all short or undecided: judge each whole text at once
    undecided = [i for i, lang in enumerate(majorities) if lang is None and documents[i]]
    for i, lang in zip(undecided, detect([" ".join(documents[i]) for i in undecided], languages, threads), strict=True):
        majorities[i] = lang
    return [
        (document_lang, [detected.get(text) or document_lang for text in sentences])
        for sentences, document_lang in zip(documents, majorities, strict=True)
    ]
