"""The faithfulness report: one verdict per summary sentence and the digest-wide rates.

Citation recall and precision follow the ALCE benchmark (Gao et al., 2023): recall is the
share of sentences their citations support together; a citation is precise when its sentence
is supported and the citation either supports it alone or is needed by the others (removing
it breaks the support).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pipeline.faithfulness.checker import ERROR, Problem


@dataclass(frozen=True)
class CitationVerdict:
    sentence_id: str
    resolved: bool  # source_text is the document's text at [start:end]
    supports_alone: bool
    precise: bool

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SentenceVerdict:
    event_id: str
    index: int  # position in the event's summary, from 0
    text: str
    entailed: bool  # the citations together support it (ALCE citation recall)
    score: float
    problems: tuple[Problem, ...]
    citations: tuple[CitationVerdict, ...]

    @property
    def supported(self) -> bool:
        """Entailed by its citations, and nothing else (an unresolved citation) is wrong."""
        return self.entailed and not any(p.severity == ERROR for p in self.problems)

    @property
    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "index": self.index,
            "text": self.text,
            "supported": self.supported,
            "score": self.score,
            "problems": [p.to_dict() for p in self.problems],
            "citations": [c.to_dict() for c in self.citations],
        }


def _rate(part: int, whole: int) -> float:
    """An empty digest has nothing a reader can trust: its rates are 0."""
    return round(part / whole, 4) if whole else 0.0


@dataclass
class FaithfulnessReport:
    digest: str
    checker: dict[str, object]
    sentences: list[SentenceVerdict] = field(default_factory=list)

    @property
    def overall(self) -> dict[str, Any]:
        total = len(self.sentences)
        supported = sum(s.supported for s in self.sentences)
        citations = [c for s in self.sentences for c in s.citations]
        problems = Counter(p.code for s in self.sentences for p in s.problems)
        return {
            "support_rate": _rate(supported, total),
            "citation_recall": _rate(sum(s.entailed for s in self.sentences), total),
            "citation_precision": _rate(sum(c.precise for c in citations), len(citations)),
            "sentences": total,
            "unsupported": total - supported,
            "citations": len(citations),
            "unresolved_citations": sum(not c.resolved for c in citations),
            "problems": dict(sorted(problems.items())),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "digest": self.digest,
            "checker": self.checker,
            "overall": self.overall,
            "sentences": [s.to_dict() for s in self.sentences],
        }
