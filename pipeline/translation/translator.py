"""The translator backend seam.

A backend (transformers, CTranslate2) implements ``Translator``: its window, token counts and
one batch of generation, plus what identifies its output for the cache. Everything else is
here, shared by every backend: splitting a text over the window at clause boundaries (never
truncating), length-sorted batches within a token budget, the max_new_tokens rule, and the
cache key, which always names the backend.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar

from pipeline.lang import PROFILES

if TYPE_CHECKING:
    from pipeline.config import ModelConfig


@dataclass(frozen=True)
class Hypothesis:
    text: str
    tokens: int  # target tokens generated, the end token included


Token = TypeVar("Token")


def within_limit(tokens: list[Token], limit: int) -> tuple[list[Token], int]:
    """A hypothesis decoded under a longer limit (its batch's), as decoding under its own
    ``limit`` gives it, and its token count: at the limit transformers forces the end token into
    the last position, so the token there is dropped (an end token there changes no text)."""
    if len(tokens) >= limit:
        return tokens[: limit - 1], limit
    return tokens, len(tokens)


class Translator(Protocol):
    """One loaded model of one backend."""

    backend: ClassVar[str]
    window: int  # source tokens the model takes, eos included

    @staticmethod
    def identity(model: ModelConfig) -> str:
        """What decides the output besides the settings; read from files, without loading."""
        ...

    @staticmethod
    def cache_settings(model: ModelConfig) -> dict[str, object]:
        """The settings that change the output (batching does not), without loading."""
        ...

    @classmethod
    def load(cls, lang: str, model: ModelConfig) -> Translator: ...

    def token_counts(self, texts: list[str]) -> list[int]:
        """Source tokens per text, eos included, without truncation."""
        ...

    def generate(self, texts: list[str], limits: list[int]) -> list[Hypothesis]:
        """Translate one batch, the hypothesis of ``texts[i]`` at most ``limits[i]`` tokens long,
        end included: each text's own limit, so that its translation never depends on the
        longer texts it was batched with."""
        ...


def cache_identity(translator: type[Translator], model: ModelConfig) -> tuple[str, dict[str, object]]:
    """The model identity and settings a cache key is made of; the backend is always one of them."""
    return translator.identity(model), {"backend": translator.backend, **translator.cache_settings(model)}


def max_new_tokens(model: ModelConfig, window: int, source_tokens: int) -> int:
    """Bounded by the source length, so a repetition loop cannot run to the window."""
    wanted = math.ceil(source_tokens * model.max_length_ratio + model.max_length_extra)
    return max(1, min(wanted, window - 1))  # the decoder start token takes one position


def batches(lengths: list[int], batch_tokens: int) -> list[list[int]]:
    """Indices grouped into length-sorted batches whose padded size stays within batch_tokens."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    grouped: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # sorted longest first, so the batch's first member sets its padded width
        width = lengths[current[0]] if current else lengths[index]
        if current and (len(current) + 1) * width > batch_tokens:
            grouped.append(current)
            current = []
        current.append(index)
    if current:
        grouped.append(current)
    return grouped


# Every language's conjunctions: the split runs on source text of any language with a profile.
CLAUSE_CONJUNCTIONS = frozenset(word for language in PROFILES.values() for word in language.clause_conjunctions)
# Clause boundaries, tried in order: the split goes at the strongest boundary available, as
# near the middle as possible, so each part is a clause the model can translate on its own.
# Conjunctions stay with the clause they open; the last resort is any space.
_BOUNDARIES = (
    re.compile(r"(?<=;)\s+"),
    re.compile(r"(?<=:)\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(rf"\s+(?=(?:{'|'.join(sorted(CLAUSE_CONJUNCTIONS, key=len, reverse=True))})\s)", re.IGNORECASE),
    re.compile(r"\s+"),
)


def split_to_fit(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut ``text`` into parts that each ``fits``; joined with spaces they give back every word."""
    if fits(text):
        return [text]
    middle = len(text) / 2
    for boundary in _BOUNDARIES:
        cuts = [m for m in boundary.finditer(text) if m.start() > 0 and m.end() < len(text)]
        if cuts:
            cut = min(cuts, key=lambda m: abs(m.start() - middle))
            return split_to_fit(text[: cut.start()], fits) + split_to_fit(text[cut.end() :], fits)
    if len(text) <= 1:
        return [text]
    half = len(text) // 2  # one "word" longer than the window (a pasted URL, a table row)
    return split_to_fit(text[:half], fits) + split_to_fit(text[half:], fits)


@dataclass
class GenerationStats:
    split: int = 0  # texts over the window, translated in parts
    batches: int = 0
    generated_tokens: int = 0  # target tokens, end tokens included
    at_length_limit: int = 0  # hypotheses that used all their max_new_tokens


def translate_texts(
    translator: Translator,
    model: ModelConfig,
    texts: list[str],
    on_batch: Callable[[list[tuple[str, str, int]]], None],
) -> GenerationStats:
    """Translate ``texts`` in length-sorted batches.

    After each batch, ``on_batch`` gets the (source, translation, parts) of every text whose
    parts are now all translated, so they can be saved at once. Texts over the window are
    split at clause boundaries and their parts' translations joined, never truncated.
    """
    stats = GenerationStats()
    counts = translator.token_counts(texts)

    def fits(text: str) -> bool:
        return translator.token_counts([text])[0] <= translator.window

    split = {i: split_to_fit(t, fits) for i, t in enumerate(texts) if counts[i] > translator.window}
    pieces_of = [split.get(i, [text]) for i, text in enumerate(texts)]
    parts = [piece for pieces in pieces_of for piece in pieces]
    owner = [i for i, pieces in enumerate(pieces_of) for _ in pieces]  # the text each part belongs to
    first = [0] * len(texts)  # index of each text's first part
    for k in range(len(parts) - 1, -1, -1):
        first[owner[k]] = k
    lengths = [translator.token_counts([p])[0] if owner[k] in split else counts[owner[k]] for k, p in enumerate(parts)]
    translated: dict[int, str] = {}
    remaining = [len(pieces) for pieces in pieces_of]
    for batch in batches(lengths, model.batch_tokens):
        limits = [max_new_tokens(model, translator.window, lengths[k]) for k in batch]
        outputs = translator.generate([parts[k] for k in batch], limits)
        stats.batches += 1
        done: list[tuple[str, str, int]] = []
        for k, limit, output in zip(batch, limits, outputs, strict=True):
            stats.generated_tokens += output.tokens
            stats.at_length_limit += output.tokens >= limit
            translated[k] = output.text.strip()
            i = owner[k]
            remaining[i] -= 1
            if remaining[i] == 0:
                pieces = (translated[j] for j in range(first[i], first[i] + len(pieces_of[i])))
                done.append((texts[i], " ".join(p for p in pieces if p), len(pieces_of[i])))
        on_batch(done)
    stats.split = len(split)
    return stats
