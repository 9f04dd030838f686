"""Whether a summary sentence is supported by the sentences it cites.

``SupportChecker`` is the interface: ``check(sentence, citations) -> SupportResult``. The
transparent checker here needs no model: content-word and phrase coverage, plus hard checks
that every number, date, name and negation of the sentence appears, with the same value and
polarity, in the cited translations (numbers and names also in the original sources). A
model-based checker (NLI, MiniCheck-style) loaded from a local directory can implement the
same interface and be passed to the evaluator instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.faithfulness import claims
from pipeline.lang import PROFILES
from pipeline.numbers import NumberMention, extract_numbers, missing_numbers
from pipeline.records import Citation

# Problem codes. An "error" makes the sentence unsupported; a "warning" is reported only.
NO_CITATION = "no-citation"
CITATION_UNRESOLVED = "citation-unresolved"
SOURCE_MISSING = "source-missing"
SOURCE_UNREADABLE = "source-unreadable"
LOW_COVERAGE = "low-coverage"
NUMBER_MISMATCH = "number-mismatch"
NUMBER_NOT_IN_SOURCE = "number-not-in-source"
ENTITY_MISSING = "entity-missing"
ENTITY_NOT_IN_SOURCE = "entity-not-in-source"
NEGATION_FLIP = "negation-flip"
CITATION_IRRELEVANT = "citation-irrelevant"
TRANSLATION_NUMBER_MISSING = "translation-number-missing"
TRANSLATION_REPETITION = "translation-repetition"

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str
    severity: str = ERROR

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail, "severity": self.severity}


@dataclass(frozen=True)
class SupportResult:
    """``score``: how much of the sentence the citations cover (0..1); ``supported`` also needs
    every hard check to pass."""

    supported: bool
    score: float
    problems: tuple[Problem, ...] = ()


class SupportChecker(Protocol):
    @property
    def name(self) -> str: ...

    def check(self, sentence: str, citations: Sequence[Citation]) -> SupportResult: ...

    def signature(self) -> dict[str, object]:
        """Every setting that shapes the verdicts, recorded with the report."""
        ...


@dataclass(frozen=True)
class TransparentChecker:
    """Lexical support with hard checks on numbers, names and negation.

    ``source_langs``: doc_id -> language of the original, for reading its numbers.
    """

    source_langs: Mapping[str, str] = field(default_factory=dict)
    default_source_lang: str = "fr"
    min_coverage: float = 0.75  # share of the sentence's content words found in the citations
    min_phrase_coverage: float = 0.5  # share of its adjacent content-word pairs found there
    aliases: claims.Aliases = field(default_factory=dict)  # English name -> French forms, from an alias file
    name: str = "transparent"

    def signature(self) -> dict[str, object]:
        return {
            "checker": self.name,
            "version": 2,
            "min_coverage": self.min_coverage,
            "min_phrase_coverage": self.min_phrase_coverage,
            "aliases": len(self.aliases),
        }

    def covers(self, sentence: str, citations: Sequence[Citation]) -> bool:
        """Whether the citations' words cover the sentence's: ``check`` finds it unsupported
        otherwise, so this cheap half of it rules out most pairs of sentences on its own."""
        words, phrases = _coverage(sentence, [c.translation for c in citations])
        return bool(citations) and words >= self.min_coverage and phrases >= self.min_phrase_coverage

    def check(self, sentence: str, citations: Sequence[Citation]) -> SupportResult:
        if not citations:
            return SupportResult(False, 0.0, (Problem(NO_CITATION, "the sentence cites nothing"),))
        translations = [c.translation for c in citations]
        words, phrases = _coverage(sentence, translations)
        score = round((words + phrases) / 2, 3)
        problems: list[Problem] = []
        if words < self.min_coverage or phrases < self.min_phrase_coverage:
            problems.append(
                Problem(
                    LOW_COVERAGE, f"citations cover {words:.0%} of its content words and {phrases:.0%} of its phrases"
                )
            )
        sources = self._sources_by_lang(citations)
        problems += _number_problems(sentence, translations, sources)
        named_sources = [text for lang, texts in sources.items() if lang in claims.NAME_LANGUAGES for text in texts]
        problems += _entity_problems(sentence, translations, named_sources if named_sources else None, self.aliases)
        problems += _negation_problems(sentence, translations)
        return SupportResult(not any(p.severity == ERROR for p in problems), score, tuple(problems))

    def _sources_by_lang(self, citations: Sequence[Citation]) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for citation in citations:
            lang = self.source_langs.get(citation.doc_id) or self.default_source_lang
            grouped.setdefault(lang, []).append(citation.source_text)
        return grouped


def _coverage(sentence: str, translations: list[str]) -> tuple[float, float]:
    """Shares of the sentence's content stems, and of its adjacent stem pairs, in the translations."""
    stems = claims.content_stems(sentence)
    cited = [claims.content_stems(t) for t in translations]
    vocabulary = {s for stems_of in cited for s in stems_of}
    cited_pairs = set().union(*(claims.bigrams(s) for s in cited))
    unique = set(stems)
    words = len(unique & vocabulary) / len(unique) if unique else 1.0
    pairs = claims.bigrams(stems)
    phrases = len(pairs & cited_pairs) / len(pairs) if pairs else 1.0
    return words, phrases


def _describe(mention: NumberMention) -> str:
    return f"'{mention.text}' ({mention.kind} {mention.value})"


def _number_problems(sentence: str, translations: list[str], sources: dict[str, list[str]]) -> list[Problem]:
    joined = "\n".join(translations)
    not_translated = missing_numbers(sentence, "en", joined, "en")
    cited = sorted({m.value for m in extract_numbers(joined, "en")})
    problems = [
        Problem(
            NUMBER_MISMATCH,
            f"{_describe(m)} is not in the cited translations" + (f" (they give {', '.join(cited)})" if cited else ""),
        )
        for m in not_translated
    ]
    # A mention is in the sources when one language's cited originals hold it; originals in a
    # language the number reader does not know are not checked.
    per_language = [
        set(missing_numbers(sentence, "en", "\n".join(texts), lang))
        for lang, texts in sources.items()
        if lang in PROFILES
    ]
    not_in_source = set.intersection(*per_language) if per_language else set()
    problems += [
        Problem(NUMBER_NOT_IN_SOURCE, f"{_describe(m)} is in the translation but not in the original sentences")
        for m in extract_numbers(sentence, "en")
        if m in not_in_source and m not in not_translated
    ]
    return problems


def _entity_problems(
    sentence: str, translations: list[str], sources: list[str] | None, aliases: claims.Aliases | None = None
) -> list[Problem]:
    """``sources``: the originals to find names in; None when their language has no name rules."""
    cited_words = [claims.plain_words(t) for t in translations]
    named_in_citations = {e.words for t in translations for e in claims.entities(t) if not e.initial}
    problems, names = [], []
    for entity in claims.entities(sentence):
        if not any(claims.contains_words(words, entity.words) for words in cited_words):
            problems.append(Problem(ENTITY_MISSING, f"'{entity.text}' is not in the cited translations"))
        # a capitalised word opening the sentence is taken for a name only if the citations use it as one
        elif not entity.initial or entity.words in named_in_citations:
            names.append(entity)
    if sources is not None and names:
        problems += [
            Problem(ENTITY_NOT_IN_SOURCE, f"'{entity.text}' is in the translation but not in the original sentences")
            for entity in claims.SourceNames(sources, aliases).unexplained(names)
        ]
    return problems


def _negation_problems(sentence: str, translations: list[str]) -> list[Problem]:
    said = claims.polarity(sentence)
    cited = [claims.polarity(t) for t in translations]
    cited_negated = frozenset().union(*(p.negated for p in cited))
    cited_affirmed = frozenset().union(*(p.affirmed for p in cited))
    added = sorted((said.negated - cited_negated) & cited_affirmed)
    removed = sorted((said.affirmed & cited_negated) - cited_affirmed)
    problems = []
    if added:
        problems.append(Problem(NEGATION_FLIP, f"negates {', '.join(added)}, which the citations affirm"))
    if removed:
        problems.append(Problem(NEGATION_FLIP, f"affirms {', '.join(removed)}, which the citations negate"))
    return problems
