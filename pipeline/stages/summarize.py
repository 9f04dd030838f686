"""Per-event extractive summaries: the most informative translated sentences, each citing
every source sentence that states it.

For each event the candidates are its translated sentence groups. Maximal marginal relevance
picks up to ``summarize.max_sentences`` of them (informative, and no two saying the same
thing), and the picks are put in the chronological order of what they report. A summary
sentence is the group's translation, whole, so attribution ("Kirby said ...") and quotes stay
with their speaker; its citations are every member of the group, with ``source_text`` taken
from the original document text at the member's span.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipeline.dates import YEAR, Period, infer_document_period, parse_period, resolve_times
from pipeline.features import content_words, tfidf
from pipeline.numbers import extract_numbers
from pipeline.records import (
    Citation,
    Document,
    DocumentDecision,
    Event,
    EventSummary,
    Sentence,
    SentenceGroup,
    SummarySentence,
    Translation,
)
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS, EVENTS, GROUPS, SENTENCES, SUMMARIES, TRANSLATIONS
from pipeline.stages.base import Stage, StageContext, StageOutput

VERSION = "1"

# Speech and reporting verbs: a sentence carrying one says who states what, which a reader
# needs in a digest built from claims by officials and outlets.
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|stated|states|declared|declares|announced|announces|added|explained|warned|"
    r"insisted|noted|claimed|claims|reported|reports|revealed|reveals|confirmed|concluded|condemned|indicated|"
    r"affirmed|affirm|acknowledged|according to|quoted|citing)\b",
    re.IGNORECASE,
)
# A sentence that opens with a quotation mark is speech; its speaker must be in it too.
_OPENING_QUOTE = re.compile("^\\s*[\"“”«»]")
# An attributed sentence counts this much more than an otherwise equal unattributed one.
_ATTRIBUTION_WEIGHT = 1.25
@dataclass(frozen=True)
class Candidate:
    """One translated sentence group that may go into an event's summary."""

    translation: Translation
    members: tuple[Sentence, ...]  # in document order
    vector: np.ndarray  # unit-length TF-IDF row over the event's own sentences
    relevance: float
    reported: date  # when what it reports happened, as near as the text tells
    position: tuple[int, int]  # (document index, sentence index) of the first member


def run(ctx: StageContext) -> StageOutput:
    documents = ctx.read(DOCUMENTS)
    sentences = {s.sentence_id: s for s in ctx.read(SENTENCES)}
    decisions = {d.doc_id: d for d in ctx.read(DECISIONS)}
    groups = {g.group_id: g for g in ctx.read(GROUPS)}
    translations = {t.group_id: t for t in ctx.read(TRANSLATIONS)}
    events = ctx.read(EVENTS)
    config = ctx.config.summarize

    summarizer = Summarizer(documents, sentences, decisions, groups, translations,
                            config.max_sentences, config.mmr_lambda, drop_flagged=config.flagged == "drop")
    summaries: list[EventSummary] = []
    notes: list[str] = []
    with ctx.progress("summarizing events", len(events)) as bar:
        for event in events:
            summary = summarizer.summarize(event)
            if summary.summary:
                summaries.append(summary)
            else:
                notes.append(f"event {event.event_id} ({event.title}) has no usable translated sentence; left out")
            bar.advance()
    counts = dict(summarizer.counts)
    counts.update(events=len(summaries), sentences=sum(len(s.summary) for s in summaries),
                  citations=sum(len(x.citations) for s in summaries for x in s.summary))
    if summarizer.counts["invalid_citations"]:
        notes.append(f"{summarizer.counts['invalid_citations']} citation(s) left out: no such sentence, "
                     "or a span outside its document")
    return StageOutput(artifacts={"summaries": summaries}, counts=dict(sorted(counts.items())), notes=notes)


class Summarizer:
    """Everything one run's events are summarized against: the records and the settings."""

    def __init__(
        self,
        documents: list[Document],
        sentences: dict[str, Sentence],
        decisions: dict[str, DocumentDecision],
        groups: dict[str, SentenceGroup],
        translations: dict[str, Translation],
        max_sentences: int = 4,
        mmr_lambda: float = 0.7,
        drop_flagged: bool = False,
    ):
        self.documents = {d.doc_id: d for d in documents}
        self.doc_index = {d.doc_id: i for i, d in enumerate(documents)}
        self.sentences = sentences
        self.duplicates = {doc_id for doc_id, d in decisions.items() if d.duplicate_of}
        self.groups = groups
        self.translations = translations
        self.max_sentences = max_sentences
        self.mmr_lambda = mmr_lambda
        self.drop_flagged = drop_flagged
        self.bases: dict[str, Period | None] = {}
        self.counts: Counter[str] = Counter(
            untranslated_skipped=0, flagged_dropped=0, flagged_marked=0, unattributed_quotes_skipped=0,
            invalid_citations=0,
        )

    def summarize(self, event: Event) -> EventSummary:
        candidates = self._candidates(event)
        chosen = mmr_select(candidates, self.max_sentences, self.mmr_lambda)
        chosen.sort(key=lambda c: (c.reported, c.position, c.translation.group_id))
        summary = [s for s in (self._summary_sentence(c) for c in chosen) if s.citations]
        self.counts["flagged_marked"] += sum(1 for s in summary if s.flags)
        doc_ids = sorted({c.doc_id for s in summary for c in s.citations}, key=self._doc_order)
        return EventSummary(event_id=event.event_id, title=event.title, date=event.date, summary=summary,
                            doc_ids=doc_ids, background=event.background)

    def _candidates(self, event: Event) -> list[Candidate]:
        usable: list[tuple[Translation, tuple[Sentence, ...]]] = []
        for group_id in sorted(set(event.group_ids)):
            translation = self.translations.get(group_id)
            if translation is None or not _usable(translation):
                self.counts["untranslated_skipped"] += 1
                continue
            if translation.flags and self.drop_flagged:
                self.counts["flagged_dropped"] += 1
                continue
            if _unattributed_quote(translation.translation):
                # a quote shown without its speaker would put words in nobody's mouth
                self.counts["unattributed_quotes_skipped"] += 1
                continue
            group = self.groups.get(group_id)
            member_ids = group.sentence_ids if group is not None else translation.sentence_ids
            members = tuple(sorted((self.sentences[i] for i in member_ids if i in self.sentences),
                                   key=lambda s: self._position(s.sentence_id)))
            self.counts["invalid_citations"] += len(member_ids) - len(members)  # ids with no sentence record
            if members:
                usable.append((translation, members))
        # weights from this event's sentences alone: an event's summary never changes because
        # a document it does not draw on was added or removed
        vectors = tfidf([_terms(t.translation) for t, _ in usable])
        centroid = np.array([self._support(m) for _, m in usable], dtype=float) @ vectors
        candidates = []
        for (translation, members), vector in zip(usable, vectors, strict=True):
            weight = _ATTRIBUTION_WEIGHT if _ATTRIBUTION.search(translation.translation) else 1.0
            # central to the event, stated by several independent sources, attributed
            relevance = _cosine(vector, centroid) * (1 + math.log(self._support(members))) * weight
            candidates.append(Candidate(translation, members, vector, relevance,
                                        self._reported(members, event), self._position(members[0].sentence_id)))
        return candidates

    def _support(self, members: tuple[Sentence, ...]) -> int:
        """Independent documents stating it: a duplicate document is a copy, not a confirmation."""
        return max(1, len({s.doc_id for s in members if s.doc_id not in self.duplicates}))

    def _reported(self, members: tuple[Sentence, ...], event: Event) -> date:
        """When what the sentence reports happened: the earliest date it names, else the event's date."""
        for sentence in members:
            document = self.documents.get(sentence.doc_id)
            lang = sentence.lang or (document.lang if document else None) or ""
            found = reported_date(sentence.text, lang, self._base(sentence.doc_id))
            if found is not None:
                return found
        period = parse_period(event.date)
        return _middle(period) if period else date.max

    def _base(self, doc_id: str) -> Period | None:
        """The document's date, which relative dates ("le mois dernier") are read against."""
        if doc_id not in self.bases:
            document = self.documents.get(doc_id)
            self.bases[doc_id] = None if document is None else (
                parse_period(document.date) or infer_document_period(document.text, document.lang or ""))
        return self.bases[doc_id]

    def _summary_sentence(self, candidate: Candidate) -> SummarySentence:
        citations = []
        for sentence in candidate.members:
            document = self.documents.get(sentence.doc_id)
            if document is None or not 0 <= sentence.start <= sentence.end <= len(document.text):
                self.counts["invalid_citations"] += 1
                continue
            citations.append(Citation(doc_id=sentence.doc_id, sentence_id=sentence.sentence_id,
                                      start=sentence.start, end=sentence.end,
                                      source_text=document.text[sentence.start:sentence.end],
                                      translation=candidate.translation.translation))
        return SummarySentence(text=candidate.translation.translation, citations=citations,
                               flags=list(candidate.translation.flags))

    def _position(self, sentence_id: str) -> tuple[int, int]:
        doc_id, _, number = sentence_id.rpartition(":")
        return self.doc_index.get(doc_id, len(self.doc_index)), int(number) if number.isdigit() else 0

    def _doc_order(self, doc_id: str) -> tuple[int, str]:
        return self.doc_index.get(doc_id, len(self.doc_index)), doc_id


def mmr_select(candidates: list[Candidate], limit: int, mmr_lambda: float) -> list[Candidate]:
    """Maximal marginal relevance: each pick trades relevance against similarity to earlier picks."""
    top = max((c.relevance for c in candidates), default=0.0) or 1.0
    remaining = sorted(candidates, key=lambda c: (c.position, c.translation.group_id))
    chosen: list[Candidate] = []
    while remaining and len(chosen) < limit:
        def score(c: Candidate) -> float:
            redundancy = max((float(c.vector @ s.vector) for s in chosen), default=0.0)
            return mmr_lambda * c.relevance / top - (1 - mmr_lambda) * redundancy

        best = max(remaining, key=score)  # ties go to the earliest sentence: `remaining` is in text order
        chosen.append(best)
        remaining.remove(best)
    return chosen


def reported_date(text: str, lang: str, base: Period | None) -> date | None:
    """The earliest date a sentence names (the middle of the period it gives), read against
    its document's date. Bare years are left out: as often deadlines ("d'ici 2019") as events."""
    periods = [m.period for m in resolve_times(text, lang, base) if m.period is not None and m.period.grain != YEAR]
    return min((_middle(p) for p in periods), default=None)


def _middle(period: Period) -> date:
    return period.start + (period.end - period.start) / 2


def _usable(translation: Translation) -> bool:
    """An untranslated group is never passed off as English."""
    return translation.origin != "untranslated" and bool(translation.translation.strip())


def _unattributed_quote(text: str) -> bool:
    return bool(_OPENING_QUOTE.match(text)) and not _ATTRIBUTION.search(text)


def _terms(text: str) -> list[str]:
    """Content words and the values of the numbers: "1,000 containers" and "1,000 troops" share a term."""
    return content_words(text, "en") + [f"#{m.value}" for m in extract_numbers(text, "en")]


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0


STAGE = Stage("summarize", VERSION, run, config_sections=("summarize",),
              reads=(DOCUMENTS, SENTENCES, DECISIONS, GROUPS, TRANSLATIONS, EVENTS), writes=(SUMMARIES,))
