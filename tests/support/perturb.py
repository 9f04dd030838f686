"""Known-bad copies of a digest's sentences, to measure how well a support checker catches them.

Each kind of perturbation breaks one summary sentence in one way (a number or date changed, an
actor swapped, a negation added or removed, a citation pointed elsewhere, removed or shifted,
the sentence replaced by an invented one) and names the problem codes that count as catching
it. Any ``SupportChecker`` can be measured this way, the transparent one or a model-based one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.faithfulness import claims
from pipeline.faithfulness.checker import (
    CITATION_IRRELEVANT,
    CITATION_UNRESOLVED,
    ENTITY_MISSING,
    LOW_COVERAGE,
    NEGATION_FLIP,
    NO_CITATION,
    NUMBER_MISMATCH,
)
from pipeline.numbers import extract_numbers

SentenceData = dict[str, Any]

# A citation is "unrelated" to a sentence when it shares at most this share of its content words.
UNRELATED_OVERLAP = 0.2
# Characters a shifted citation span moves by.
SPAN_SHIFT = 3

_AUXILIARY = re.compile(r"\b(is|are|was|were|has|have|had|will|would|could|can|should|may|might|must|did|does|do)\b")
_PAST_VERB = re.compile(r"(?<=\s)([a-z]{3,}ed|said|told|met|sent|took|gave|made|began|held|saw|found|paid)\b")
_NEGATIONS = (
    (re.compile(r"\bcannot\b"), "can"),
    (re.compile(r"\bwon['’]t\b"), "will"),
    (re.compile(r"n['’]t\b"), ""),
    (re.compile(r"\b(not|never)\s+"), ""),
    (re.compile(r"\bno\s+"), ""),
)


@dataclass(frozen=True)
class Perturbation:
    kind: str
    event_index: int
    sentence_index: int
    expected: frozenset[str]  # any of these problem codes counts as catching it
    sentence: SentenceData  # the broken sentence, to put in place of the original

    def apply(self, digest: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``digest`` with this one sentence broken."""
        broken = copy.deepcopy(digest)
        broken["events"][self.event_index]["summary"][self.sentence_index] = copy.deepcopy(self.sentence)
        return broken


@dataclass(frozen=True)
class _Context:
    digest: dict[str, Any]
    swaps: Sequence[tuple[str, str]]
    inventions: Sequence[str]
    event_index: int
    sentence_index: int
    ordinal: int  # the sentence's position in the whole digest, to vary choices


_Made = tuple[SentenceData, frozenset[str]] | None
_Maker = Callable[[SentenceData, "_Context"], _Made]


def perturbations(
    digest: dict[str, Any], swaps: Sequence[tuple[str, str]], inventions: Sequence[str]
) -> list[Perturbation]:
    """Every applicable kind of perturbation for every summary sentence of ``digest``.

    ``swaps``: (name, replacement) pairs, tried in order; ``inventions``: sentences that none of
    the digest's citations support.
    """
    found = []
    for ordinal, (event_index, sentence_index, sentence) in enumerate(_sentences(digest)):
        context = _Context(digest, swaps, inventions, event_index, sentence_index, ordinal)
        for kind, make in KINDS.items():
            made = make(copy.deepcopy(sentence), context)
            if made is not None:
                found.append(Perturbation(kind, event_index, sentence_index, made[1], made[0]))
    return found


def _sentences(digest: dict[str, Any]) -> Iterator[tuple[int, int, SentenceData]]:
    for event_index, event in enumerate(digest["events"]):
        for sentence_index, sentence in enumerate(event["summary"]):
            yield event_index, sentence_index, sentence


def _cited_words(sentence: SentenceData) -> list[list[str]]:
    return [claims.plain_words(c["translation"]) for c in sentence.get("citations", [])]


def _with_text(sentence: SentenceData, text: str | None, codes: set[str]) -> _Made:
    if text is None or text == sentence["text"]:
        return None
    return {**sentence, "text": text}, frozenset(codes)


def _change_number(sentence: SentenceData, context: _Context) -> _Made:
    """1,000 -> 10,000; 70 -> 700; 2019 -> 2017; "a thousand" -> "10,000"."""
    text = sentence["text"]
    for mention in extract_numbers(text, "en"):
        if mention.kind == "date":
            continue
        digits = re.search(r"\d+", mention.text)
        if digits is None:
            spelt_out = f"{int(float(mention.value)) * 10:,}"
            return _with_text(sentence, text.replace(mention.text, spelt_out, 1), {NUMBER_MISMATCH})
        changed = str(int(digits.group()) - 2) if mention.kind == "year" else digits.group() + "0"
        new_mention = mention.text[: digits.start()] + changed + mention.text[digits.end() :]
        return _with_text(sentence, text.replace(mention.text, new_mention, 1), {NUMBER_MISMATCH})
    return None


def _change_date(sentence: SentenceData, context: _Context) -> _Made:
    """5 October -> 15 October; 23 October -> 13 October."""
    text = sentence["text"]
    for mention in extract_numbers(text, "en"):
        day = re.search(r"\b\d{1,2}\b", mention.text) if mention.kind == "date" else None
        if day is None:
            continue
        number = int(day.group())
        changed = number + 10 if number + 10 <= 28 else number - 10
        new_mention = mention.text[: day.start()] + str(changed) + mention.text[day.end() :]
        return _with_text(sentence, text.replace(mention.text, new_mention, 1), {NUMBER_MISMATCH})
    return None


def _swap_actor(sentence: SentenceData, context: _Context) -> _Made:
    """Kirby -> Sullivan, Russia -> Iran: a name the citations do not hold."""
    cited = _cited_words(sentence)
    for name, replacement in context.swaps:
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        absent = not any(claims.contains_words(words, tuple(claims.plain_words(replacement))) for words in cited)
        if absent and pattern.search(sentence["text"]):
            return _with_text(sentence, pattern.sub(replacement, sentence["text"], count=1), {ENTITY_MISSING})
    return None


def _remove_negation(sentence: SentenceData, context: _Context) -> _Made:
    for pattern, replacement in _NEGATIONS:
        if pattern.search(sentence["text"]):
            return _with_text(sentence, pattern.sub(replacement, sentence["text"], count=1), {NEGATION_FLIP})
    return None


def _add_negation(sentence: SentenceData, context: _Context) -> _Made:
    """ "has begun" -> "has not begun"; without an auxiliary, "revealed" -> "never revealed"."""
    text = sentence["text"]
    if any(pattern.search(text) for pattern, _ in _NEGATIONS):
        return None  # already negated: the removal perturbation covers it
    auxiliary = _AUXILIARY.search(text)
    if auxiliary:
        return _with_text(sentence, f"{text[: auxiliary.end()]} not{text[auxiliary.end() :]}", {NEGATION_FLIP})
    verb = _PAST_VERB.search(text)
    if verb:
        return _with_text(sentence, f"{text[: verb.start()]}never {text[verb.start() :]}", {NEGATION_FLIP})
    return None


def _point_elsewhere(sentence: SentenceData, context: _Context) -> _Made:
    """The first citation replaced by one from another event that shares (almost) no words."""
    citations = sentence.get("citations", [])
    if not citations:
        return None
    own = set(claims.content_stems(sentence["text"]))
    others = [
        c
        for event_index, _, s in _sentences(context.digest)
        if event_index != context.event_index
        for c in s.get("citations", [])
    ]
    rotated = others[context.ordinal % len(others) :] + others[: context.ordinal % len(others)] if others else []
    for other in rotated:
        overlap = len(own & set(claims.content_stems(other["translation"]))) / max(len(own), 1)
        if overlap <= UNRELATED_OVERLAP:
            # with other citations left, either they carry the sentence (this one is then
            # irrelevant) or the sentence loses its support
            expected = {LOW_COVERAGE} if len(citations) == 1 else {LOW_COVERAGE, CITATION_IRRELEVANT}
            return {**sentence, "citations": [copy.deepcopy(other), *citations[1:]]}, frozenset(expected)
    return None


def _remove_citations(sentence: SentenceData, context: _Context) -> _Made:
    if not sentence.get("citations"):
        return None
    return {**sentence, "citations": []}, frozenset({NO_CITATION})


def _invent(sentence: SentenceData, context: _Context) -> _Made:
    """The text replaced by an invented sentence; the citations stay."""
    if not context.inventions or not sentence.get("citations"):
        return None
    invented = context.inventions[context.ordinal % len(context.inventions)]
    return _with_text(sentence, invented, {LOW_COVERAGE})


def _shift_span(sentence: SentenceData, context: _Context) -> _Made:
    citations = sentence.get("citations", [])
    if not citations:
        return None
    shift = SPAN_SHIFT if context.ordinal % 2 == 0 or citations[0]["start"] < SPAN_SHIFT else -SPAN_SHIFT
    moved = {**citations[0], "start": citations[0]["start"] + shift, "end": citations[0]["end"] + shift}
    return {**sentence, "citations": [moved, *citations[1:]]}, frozenset({CITATION_UNRESOLVED})


KINDS: dict[str, _Maker] = {
    "number-changed": _change_number,
    "date-changed": _change_date,
    "actor-swapped": _swap_actor,
    "negation-added": _add_negation,
    "negation-removed": _remove_negation,
    "citation-elsewhere": _point_elsewhere,
    "citation-removed": _remove_citations,
    "sentence-invented": _invent,
    "span-shifted": _shift_span,
}
