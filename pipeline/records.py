"""Typed records that flow between stages.

Every stage reads and writes these, never another stage's internals. Each record
round-trips through a plain dict (``to_dict`` / ``from_dict``) so that artifacts are
JSON Lines a person can read and a cluster engine can ship.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Mixin: dict round-trip that ignores unknown keys (forward compatible artifacts).

    Records are slotted dataclasses: a large run holds a few records per sentence, and a
    per-instance ``__dict__`` would be most of their memory."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(slots=True)
class Document(Record):
    """One input document. ``text`` is the decoded ORIGINAL text; spans index into it."""

    doc_id: str
    path: str
    sha256: str
    text: str = ""
    title: str | None = None
    date: str | None = None  # as precise as the source gives: "2023-10" or "2023-10-13"
    url: str | None = None
    lang: str | None = None
    encoding: str | None = None  # codec used to decode the file; spans index the decoded text
    line: int | None = None  # 1-based line of a *.jsonl input holding this document
    status: str = "used"  # "used" or "skipped"
    reason: str | None = None  # why it was skipped
    removed: dict[str, int] = field(default_factory=dict)  # boilerplate rule -> count

    @property
    def skipped(self) -> bool:
        return self.status == "skipped"


@dataclass(slots=True)
class Sentence(Record):
    """A sentence with its exact span: ``document.text[start:end] == text``."""

    sentence_id: str  # "<doc_id>:<n>"
    doc_id: str
    start: int
    end: int
    text: str
    lang: str | None = None


@dataclass(slots=True)
class DocumentDecision(Record):
    """What dedup decided about one (non-skipped) document."""

    doc_id: str
    duplicate_of: str | None = None
    similarity: float | None = None  # Jaccard of word shingles with the canonical document
    method: str | None = None  # "exact", "minhash" (Jaccard) or "containment" (one reproduces the other)
    containment: float | None = None  # shared shingles / shingles of the smaller of the two


@dataclass(slots=True)
class SentenceGroup(Record):
    """Sentences (across documents) that state the same thing; translated once."""

    group_id: str
    representative: str  # sentence_id of the member that gets translated
    sentence_ids: list[str]
    text: str  # the representative's text
    lang: str | None = None
    similarity: float | None = None  # lowest similarity of a member to the representative


@dataclass(slots=True)
class Translation(Record):
    """The English text of one sentence group."""

    group_id: str
    sentence_ids: list[str]
    source: str
    translation: str
    lang: str | None = None
    origin: str = "model"  # "model", "memory", "cache", "passthrough", "untranslated"
    flags: list[str] = field(default_factory=list)  # e.g. "number-missing:1 000"
    model: str | None = None
    revision: str | None = None
    parts: int = 1  # >1 when an over-long sentence was split to fit the model window


@dataclass(slots=True)
class Event(Record):
    """A real-world happening: a cluster of sentence groups."""

    event_id: str
    title: str
    date: str | None
    group_ids: list[str]
    sentence_ids: list[str]
    doc_ids: list[str]
    background: bool = False  # the labelled section for sentences with no event of their own


@dataclass(slots=True)
class Citation(Record):
    doc_id: str
    sentence_id: str
    start: int
    end: int
    source_text: str
    translation: str


@dataclass(slots=True)
class FigureVariant(Record):
    """One value that some outlets give for a disputed figure, and the sentences that give it."""

    value: str  # as the English translation states it: "632", "1,037", "19 March"
    sentence_ids: list[str]


@dataclass(slots=True)
class Conflict(Record):
    """Outlets disagree on one figure of a claim (a toll of 632 vs 1,037; 19 vs 29 March)."""

    what: str  # what the figure measures or dates, in English: "death toll", "date"
    variants: list[FigureVariant]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conflict:
        return cls(what=data["what"], variants=[FigureVariant.from_dict(v) for v in data.get("variants", [])])


@dataclass(slots=True)
class SummarySentence(Record):
    text: str
    citations: list[Citation]
    flags: list[str] = field(default_factory=list)
    # Corroboration: independent outlets among the cited documents, where copies of one
    # wire story or one article count once; ``copies`` maps each cited doc_id that copies
    # another to the doc_id it copies.
    outlets: int = 0
    copies: dict[str, str] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummarySentence:
        return cls(
            text=data["text"],
            citations=[Citation.from_dict(c) for c in data.get("citations", [])],
            flags=list(data.get("flags", [])),
            outlets=int(data.get("outlets", 0)),
            copies=dict(data.get("copies", {})),
            conflicts=[Conflict.from_dict(c) for c in data.get("conflicts", [])],
        )


@dataclass(slots=True)
class EventSummary(Record):
    event_id: str
    title: str
    date: str | None
    summary: list[SummarySentence]
    doc_ids: list[str] = field(default_factory=list)
    background: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventSummary:
        return cls(
            event_id=data["event_id"],
            title=data["title"],
            date=data.get("date"),
            summary=[SummarySentence.from_dict(s) for s in data.get("summary", [])],
            doc_ids=list(data.get("doc_ids", [])),
            background=bool(data.get("background", False)),
        )


def document_status(document: Document, decision: DocumentDecision | None = None) -> str:
    """The digest's status string: ``used``, ``duplicate-of:<doc_id>`` or ``skipped:<reason>``."""
    if document.skipped:
        return f"skipped:{document.reason or 'unknown'}"
    if decision is not None and decision.duplicate_of:
        return f"duplicate-of:{decision.duplicate_of}"
    return "used"
