"""Checks on one machine translation; each problem becomes a flag stored with it."""

from __future__ import annotations

import re

from pipeline.numbers import missing_numbers

# Below this many source characters a length ratio says little ("Non." -> "No.").
MIN_CHARS_FOR_RATIO = 20
LENGTH_RATIO_RANGE = (0.5, 2.2)  # English/French character ratios outside it mean dropped or invented text
REPEATS_FOR_LOOP = 3  # the same 1-4 word phrase this many times in a row, when the source has no such run


def _repeats(words: list[str], size: int) -> bool:
    """The phrase starting at each position repeated ``REPEATS_FOR_LOOP`` times back to back."""
    span = size * REPEATS_FOR_LOOP
    return any(
        all(
            words[start + k * size : start + (k + 1) * size] == words[start : start + size]
            for k in range(1, REPEATS_FOR_LOOP)
        )
        for start in range(len(words) - span + 1)
    )


def has_repetition_loop(source: str, translation: str) -> bool:
    """A phrase repeated back to back in the translation that the source does not repeat."""
    target_words = re.findall(r"\w+", translation.lower())
    source_words = re.findall(r"\w+", source.lower())
    return any(_repeats(target_words, size) and not _repeats(source_words, size) for size in range(1, 5))


def check_translation(source: str, translation: str, source_lang: str) -> list[str]:
    """Flags: ``number-missing:<as written>``, ``repetition``, ``length-ratio:<x>``."""
    flags = [f"number-missing:{m.text}" for m in missing_numbers(source, source_lang, translation)]
    if has_repetition_loop(source, translation):
        flags.append("repetition")
    if len(source.strip()) >= MIN_CHARS_FOR_RATIO:
        ratio = len(translation.strip()) / len(source.strip())
        low, high = LENGTH_RATIO_RANGE
        if not low <= ratio <= high:
            flags.append(f"length-ratio:{ratio:.2f}")
    return flags
