"""Per-event extractive summaries: the most informative translated sentences, each citing
every source sentence that states it.

For each event the candidates are its translated sentence groups. Groups that state the same
claim (each supported by the other's sentence, or the same content words and numbers) are one
claim: one summary sentence citing every source sentence of the event that states it, each with
its own translation. Maximal marginal relevance picks up to ``summarize.max_sentences`` claims
(informative, and no two saying the same thing), and the picks are put in the chronological
order of what they report. A summary sentence is the translation of the claim's most relevant
group, whole, so attribution ("Kirby said ...") and quotes stay with their speaker; citations
take ``source_text`` from the original document text at the member's span.

Corroboration: ``outlets`` counts the independent documents among the citations: a document
that dedup marked as a copy, or that carries the very sentence (one sentence group) of an
earlier cited document, is a copy of it, listed in ``copies``. A figure of the sentence that
other sentences of the event give differently for the same measure ("632 dead" vs "1,037
dead") is shown as a ``Conflict`` with every value and the sentences giving it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from pipeline.dates import YEAR, Period, document_period, parse_period, resolve_times
from pipeline.faithfulness.checker import TransparentChecker
from pipeline.faithfulness.claims import Aliases, read_aliases
from pipeline.features import content_words, tfidf
from pipeline.lang import TARGET_PROFILE
from pipeline.numbers import NumberMention, extract_numbers
from pipeline.records import (
    Citation,
    Conflict,
    Document,
    DocumentDecision,
    Event,
    EventSummary,
    FigureVariant,
    Sentence,
    SentenceGroup,
    SummarySentence,
    Translation,
)
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS, EVENTS, GROUPS, SENTENCES, SUMMARIES, TRANSLATIONS
from pipeline.stages.base import Stage, StageContext, StageOutput

VERSION = "2"

# Speech and reporting verbs: a sentence carrying one says who states what, which a reader
# needs in a digest built from claims by officials and outlets.
_ATTRIBUTION = re.compile(rf"\b(?:{TARGET_PROFILE.reporting_verbs})\b", re.IGNORECASE)
# A sentence that opens with a quotation mark is speech; its speaker must be in it too.
_OPENING_QUOTE = re.compile('^\\s*["“”«»]')
# An attributed sentence counts this much more than an otherwise equal unattributed one.
_ATTRIBUTION_WEIGHT = 1.25
# Two sentences with this share of content words in common, and no contradicting numbers, state one claim.
SAME_CLAIM_OVERLAP = 0.6
# Sentences less similar than this (TF-IDF cosine) are not compared claim by claim: it keeps the
# pairwise checks to the few candidates that could state the same thing.
CLAIM_PREFILTER = 0.1
_WORDINGS_WEIGHED = 8
# Figures of one measure conflict only between sentences sharing this many other content words.
CONFLICT_CONTEXT = 2


@dataclass(frozen=True)
class Candidate:
    """One claim that may go into an event's summary: a translated sentence group, and the
    groups of the event that state the same thing (``translations``: one per member)."""

    translation: Translation
    members: tuple[Sentence, ...]  # in document order
    vector: np.ndarray  # unit-length TF-IDF row over the event's own sentences
    relevance: float
    reported: date  # when what it reports happened, as near as the text tells
    position: tuple[int, int]  # (document index, sentence index) of the first member
    translations: tuple[str, ...] = ()  # each member's own English, when groups were merged
    group_of: tuple[str, ...] = ()  # each member's sentence group


def run(ctx: StageContext) -> StageOutput:
    documents = ctx.read(DOCUMENTS)
    sentences = {s.sentence_id: s for s in ctx.read(SENTENCES)}
    decisions = {d.doc_id: d for d in ctx.read(DECISIONS)}
    groups = {g.group_id: g for g in ctx.read(GROUPS)}
    translations = {t.group_id: t for t in ctx.read(TRANSLATIONS)}
    events = ctx.read(EVENTS)
    config = ctx.config.summarize

    summarizer = Summarizer(
        documents,
        sentences,
        decisions,
        groups,
        translations,
        config.max_sentences,
        config.mmr_lambda,
        drop_flagged=config.flagged == "drop",
        aliases=read_aliases(config.aliases),
    )
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
    counts.update(
        events=len(summaries),
        sentences=sum(len(s.summary) for s in summaries),
        citations=sum(len(x.citations) for s in summaries for x in s.summary),
    )
    if summarizer.counts["invalid_citations"]:
        notes.append(
            f"{summarizer.counts['invalid_citations']} citation(s) left out: no such sentence, "
            "or a span outside its document"
        )
    return StageOutput(artifacts={"summaries": [*summaries]}, counts=dict(sorted(counts.items())), notes=notes)


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
        aliases: Aliases | None = None,
    ):
        self.documents = {d.doc_id: d for d in documents}
        self.doc_index = {d.doc_id: i for i, d in enumerate(documents)}
        self.sentences = sentences
        self.duplicates = {doc_id for doc_id, d in decisions.items() if d.duplicate_of}
        self.copy_of = {doc_id: d.duplicate_of for doc_id, d in decisions.items() if d.duplicate_of}
        self.checker = TransparentChecker(
            source_langs={d.doc_id: d.lang for d in documents if d.lang}, aliases=aliases or {}
        )
        self.groups = groups
        self.translations = translations
        self.max_sentences = max_sentences
        self.mmr_lambda = mmr_lambda
        self.drop_flagged = drop_flagged
        self.bases: dict[str, Period | None] = {}
        self._backing: dict[tuple[str, tuple[tuple[str, str], ...]], bool] = {}
        self.counts: Counter[str] = Counter(
            untranslated_skipped=0,
            too_short_skipped=0,
            flagged_dropped=0,
            flagged_marked=0,
            unattributed_quotes_skipped=0,
            invalid_citations=0,
        )

    def summarize(self, event: Event) -> EventSummary:
        self._backing.clear()  # no pair of sentences is compared again in another event
        candidates = self._candidates(event)
        claims = self._claims(candidates)
        rivals = self._rivals(claims)
        pool = [c for c in claims if not any(c in others for others in rivals.values())]
        chosen = mmr_select(pool, self.max_sentences, self.mmr_lambda)
        chosen.sort(key=lambda c: (c.reported, c.position, c.translation.group_id))
        summary = [s for s in (self._summary_sentence(c, claims, rivals.get(id(c), [])) for c in chosen) if s.citations]
        self.counts["flagged_marked"] += sum(1 for s in summary if s.flags)
        doc_ids = sorted({c.doc_id for s in summary for c in s.citations}, key=self._doc_order)
        return EventSummary(
            event_id=event.event_id,
            title=event.title,
            date=event.date,
            summary=summary,
            doc_ids=doc_ids,
            background=event.background,
        )

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
            members = tuple(
                sorted(
                    (self.sentences[i] for i in member_ids if i in self.sentences),
                    key=lambda s: self._position(s.sentence_id),
                )
            )
            self.counts["invalid_citations"] += len(member_ids) - len(members)  # ids with no sentence record
            if members:
                usable.append((translation, members))
        # "Amrane is weeping.", "There is nothing more to be done.": colour, not a fact, unless
        # the event has nothing else to say
        facts = [(t, m) for t, m in usable if len(set(_terms(t.translation))) >= _MIN_FACT_TERMS]
        self.counts["too_short_skipped"] += len(usable) - len(facts) if facts else 0
        usable = facts or usable
        # weights from this event's sentences alone: an event's summary never changes because
        # a document it does not draw on was added or removed
        vectors = tfidf([_terms(t.translation) for t, _ in usable])
        centroid = np.array([self._support(m) for _, m in usable], dtype=float) @ vectors
        candidates = []
        for (translation, members), vector in zip(usable, vectors, strict=True):
            weight = _ATTRIBUTION_WEIGHT if _ATTRIBUTION.search(translation.translation) else 1.0
            # central to the event, stated by several independent sources, attributed
            relevance = _cosine(vector, centroid) * (1 + math.log(self._support(members))) * weight
            candidates.append(
                Candidate(
                    translation,
                    members,
                    vector,
                    relevance,
                    self._reported(members, event),
                    self._position(members[0].sentence_id),
                )
            )
        return candidates

    def _claims(self, candidates: list[Candidate]) -> list[Candidate]:
        """Candidates merged into claims, until no two claims state the same thing: a merged claim
        cites more sentences, which may now support another claim."""
        claims = [self._merge([c]) for c in candidates]
        while True:
            merged = self._merge_pass(claims)
            if len(merged) == len(claims):
                return merged
            claims = merged

    def _merge_pass(self, candidates: list[Candidate]) -> list[Candidate]:
        """Connected groups of candidates stating the same thing, each merged into one."""
        parent = list(range(len(candidates)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        if candidates:
            similarity = np.stack([c.vector for c in candidates]) @ np.stack([c.vector for c in candidates]).T
            for i, j in zip(*np.nonzero(np.triu(similarity >= CLAIM_PREFILTER, k=1)), strict=True):
                if root(i) != root(j) and self._same_claim(candidates[i], candidates[j]):
                    parent[root(j)] = root(i)
        merged: dict[int, list[Candidate]] = {}
        for i, candidate in enumerate(candidates):
            merged.setdefault(root(i), []).append(candidate)
        return [self._merge(group) if len(group) > 1 else group[0] for group in merged.values()]

    def _rivals(self, claims: list[Candidate]) -> dict[int, list[Candidate]]:
        """Claims in the same words with other figures ("reopened at 19:20" / "at 19:21"): one
        statement whose outlets disagree. The most relevant is kept (keyed by id), the others
        become its conflicts rather than bullets of their own."""
        rivals: dict[int, list[Candidate]] = {}
        ranked = sorted(claims, key=lambda c: (-c.relevance, c.position))
        placed: set[int] = set()
        for n, kept in enumerate(ranked):
            if id(kept) in placed:
                continue
            for other in ranked[n + 1 :]:
                if id(other) not in placed and _same_words(kept, other) and not _compatible_values(kept, other):
                    rivals.setdefault(id(kept), []).append(other)
                    placed.add(id(other))
        return rivals

    def _same_claim(self, a: Candidate, b: Candidate) -> bool:
        # the same words, and no number of one that the other contradicts ("at 19:20 (18:20 GMT)")
        if _same_words(a, b) and _compatible_values(a, b):
            return True
        # one states no more than the other's sentences do: a bullet for it would repeat the other
        return self._backs(b, a.translation.translation) or self._backs(a, b.translation.translation)

    def _backs(self, candidate: Candidate, text: str) -> bool:
        """Whether ``candidate``'s sentences support ``text``. Remembered: the merge passes ask
        again of every pair that did not merge, and the checker is most of summarizing's time."""
        key = (text, tuple(zip((m.sentence_id for m in candidate.members), candidate.translations, strict=True)))
        known = self._backing.get(key)
        if known is None:
            citations = self._citations(candidate)
            supported = self.checker.covers(text, citations) and self.checker.check(text, citations).supported
            known = self._backing[key] = supported
        return known

    def _citations(self, candidate: Candidate) -> list[Citation]:
        return [self._citation(m, t) for m, t in zip(candidate.members, candidate.translations, strict=True)]

    def _merge(self, group: list[Candidate]) -> Candidate:
        if len(group) == 1:
            best = group[0]
        else:
            # the wording every merged sentence backs: a claim stated by several outlets is what
            # they all say, so each citation supports the bullet; relevance breaks ties. Only the
            # most relevant wordings are weighed, or a claim of fifty outlets takes 2,500 checks.
            options = sorted(group, key=lambda c: (-c.relevance, c.position))[:_WORDINGS_WEIGHED]
            backing = {id(c): sum(self._backs(other, c.translation.translation) for other in group) for c in options}
            best = max(options, key=lambda c: (backing[id(c)], c.relevance, [-p for p in c.position]))
        if len(group) == 1 and not best.translations:
            return dataclasses.replace(
                best,
                translations=tuple(best.translation.translation for _ in best.members),
                group_of=tuple(best.translation.group_id for _ in best.members),
            )
        triples = sorted(
            ((m, t, g) for c in group for m, t, g in zip(c.members, c.translations, c.group_of, strict=True)),
            key=lambda triple: self._position(triple[0].sentence_id),
        )
        members = tuple(m for m, _, _ in triples)
        # stated by more independent documents than the best sentence alone: more relevant
        gain = (1 + math.log(self._support(members))) / (1 + math.log(self._support(best.members)))
        return dataclasses.replace(
            best,
            members=members,
            relevance=best.relevance * gain,
            reported=min(c.reported for c in group),
            position=self._position(members[0].sentence_id),
            translations=tuple(t for _, t, _ in triples),
            group_of=tuple(g for _, _, g in triples),
        )

    def _citation(self, sentence: Sentence, english: str) -> Citation:
        document = self.documents.get(sentence.doc_id)
        source = document.text[sentence.start : sentence.end] if document is not None else sentence.text
        return Citation(sentence.doc_id, sentence.sentence_id, sentence.start, sentence.end, source, english)

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
            self.bases[doc_id] = (
                None if document is None else document_period(document.date, document.text, document.lang)
            )
        return self.bases[doc_id]

    def _summary_sentence(
        self, candidate: Candidate, claims: list[Candidate], rivals: list[Candidate]
    ) -> SummarySentence:
        citations = []
        groups: dict[str, str] = {}
        for sentence, english, group_id in zip(
            candidate.members, candidate.translations, candidate.group_of, strict=True
        ):
            document = self.documents.get(sentence.doc_id)
            if document is None or not 0 <= sentence.start <= sentence.end <= len(document.text):
                self.counts["invalid_citations"] += 1
                continue
            citations.append(self._citation(sentence, english))
            groups[sentence.sentence_id] = group_id
        copies = self._copies(citations, groups)
        return SummarySentence(
            text=candidate.translation.translation,
            citations=citations,
            flags=list(candidate.translation.flags),
            outlets=len({c.doc_id for c in citations} - set(copies)),
            copies=copies,
            conflicts=self._conflicts(candidate, claims) + self._rival_figures(candidate, rivals),
        )

    def _copies(self, citations: list[Citation], groups: dict[str, str]) -> dict[str, str]:
        """Cited documents that copy another cited one: dedup's duplicates, and documents whose
        every cited sentence is one (same sentence group) an earlier cited document carries,
        such as the same wire story."""
        cited = {c.doc_id for c in citations}
        first_in_group: dict[str, str] = {}
        for citation in sorted(citations, key=lambda c: self._position(c.sentence_id)):
            first_in_group.setdefault(groups[citation.sentence_id], citation.doc_id)
        copies: dict[str, str] = {}

        def original_of(doc_id: str) -> str:
            seen = {doc_id}
            while doc_id in copies and copies[doc_id] not in seen:
                doc_id = copies[doc_id]
                seen.add(doc_id)
            return doc_id

        for doc_id in sorted(cited, key=self._doc_order):
            original = self.copy_of.get(doc_id)
            firsts = [first_in_group[groups[c.sentence_id]] for c in citations if c.doc_id == doc_id]
            if original not in cited and doc_id not in firsts:
                original = firsts[0]
            # an original of its own original (two documents carrying each other's sentences) stays one
            if original in cited and original_of(original) != doc_id:
                copies[doc_id] = original_of(original)
        return copies

    def _conflicts(self, candidate: Candidate, claims: list[Candidate]) -> list[Conflict]:
        """Figures of this claim that other claims of the event give differently for the same measure."""
        text = candidate.translation.translation
        words = set(content_words(text, "en"))
        conflicts = []
        for mention, measure in _measured(text):
            variants: dict[str, list[str]] = {mention.value: [m.sentence_id for m in candidate.members]}
            shown = {mention.value: mention.text}
            for other in claims:
                if other is candidate:
                    continue
                other_text = other.translation.translation
                if len(words & set(content_words(other_text, "en")) - {measure[1]}) < CONFLICT_CONTEXT:
                    continue
                for other_mention, other_measure in _measured(other_text):
                    if other_measure[1] == measure[1] and other_mention.kind == mention.kind:
                        variants.setdefault(other_mention.value, []).extend(m.sentence_id for m in other.members)
                        shown.setdefault(other_mention.value, other_mention.text)
            if len(variants) > 1:
                conflicts.append(
                    Conflict(
                        what=measure[0],
                        variants=[
                            FigureVariant(value=shown[value], sentence_ids=sorted(set(ids), key=self._position))
                            for value, ids in variants.items()
                        ],
                    )
                )
        return conflicts

    def _rival_figures(self, candidate: Candidate, rivals: list[Candidate]) -> list[Conflict]:
        """The figures rival claims give instead of this one's, kind by kind (time, date, number)."""
        own = extract_numbers(candidate.translation.translation, "en")
        own_values = {m.value for m in own}
        conflicts = []
        for kind in dict.fromkeys(m.kind for m in own):
            variants = [
                FigureVariant(value=m.text, sentence_ids=[s.sentence_id for s in candidate.members])
                for m in own
                if m.kind == kind
            ]
            mine = [m for m in own if m.kind == kind]
            for rival in rivals:
                theirs = [m for m in extract_numbers(rival.translation.translation, "en") if m.kind == kind]
                # the n-th figure of a kind answers the n-th: "19:20" / "19:21 (18:21 GMT)" differ in the first only
                variants += [
                    FigureVariant(value=other.text, sentence_ids=[s.sentence_id for s in rival.members])
                    for other, counterpart in zip(theirs, mine, strict=False)
                    if other.value != counterpart.value and other.value not in own_values
                ]
            if len(variants) > len([m for m in own if m.kind == kind]):
                measure = next(
                    (word for m, (word, _) in _measured(candidate.translation.translation) if m.kind == kind), kind
                )
                conflicts.append(Conflict(what=measure, variants=variants))
        return conflicts

    def _position(self, sentence_id: str) -> tuple[int, int]:
        doc_id, _, number = sentence_id.rpartition(":")
        return self.doc_index.get(doc_id, len(self.doc_index)), int(number) if number.isdigit() else 0

    def _doc_order(self, doc_id: str) -> tuple[int, str]:
        return self.doc_index.get(doc_id, len(self.doc_index)), doc_id


# A bullet states who did what: fewer content words than this is a fragment of colour.
_MIN_FACT_TERMS = 4
# An event told by several reports draws on each of them before a second sentence of one, as
# far as its bullets go: a report merged into an event is not silently left uncited.
_UNHEARD_BONUS = 0.2


def mmr_select(candidates: list[Candidate], limit: int, mmr_lambda: float) -> list[Candidate]:
    """Maximal marginal relevance: each pick trades relevance against similarity to earlier picks,
    and favours a report that no earlier pick cites."""
    top = max((c.relevance for c in candidates), default=0.0) or 1.0
    remaining = sorted(candidates, key=lambda c: (c.position, c.translation.group_id))
    chosen: list[Candidate] = []
    cited: set[str] = set()
    while remaining and len(chosen) < limit:

        def score(c: Candidate, cited: frozenset[str] = frozenset(cited)) -> float:
            redundancy = max((float(c.vector @ s.vector) for s in chosen), default=0.0)
            unheard = bool({m.doc_id for m in c.members} - cited)
            return mmr_lambda * c.relevance / top - (1 - mmr_lambda) * redundancy + _UNHEARD_BONUS * unheard

        best = max(remaining, key=score)  # ties go to the earliest sentence: `remaining` is in text order
        chosen.append(best)
        remaining.remove(best)
        cited |= {m.doc_id for m in best.members}
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


def _values(text: str) -> set[str]:
    return {m.value for m in extract_numbers(text, "en")}


def _same_words(a: Candidate, b: Candidate) -> bool:
    words_a = set(content_words(a.translation.translation, "en"))
    words_b = set(content_words(b.translation.translation, "en"))
    union = words_a | words_b
    return bool(union) and len(words_a & words_b) / len(union) >= SAME_CLAIM_OVERLAP


def _compatible_values(a: Candidate, b: Candidate) -> bool:
    """No number of one contradicts the other: one's numbers are all in the other."""
    values_a, values_b = _values(a.translation.translation), _values(b.translation.translation)
    return values_a <= values_b or values_b <= values_a


def _measured(text: str) -> list[tuple[NumberMention, tuple[str, str]]]:
    """Counts and percentages with what they measure: the next content word ("632 dead")."""
    found = []
    for mention in extract_numbers(text, "en"):
        if mention.kind not in ("number", "percent"):
            continue
        after = text[text.find(mention.text) + len(mention.text) :]
        word = re.match(r"\s+(?:of\s+)?([^\W\d_]{3,})", after)
        if word and content_words(word.group(1), "en"):
            found.append((mention, (word.group(1), content_words(word.group(1), "en")[0])))
    return found


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0


STAGE = Stage(
    "summarize",
    VERSION,
    run,
    config_sections=("summarize",),
    reads=(DOCUMENTS, SENTENCES, DECISIONS, GROUPS, TRANSLATIONS, EVENTS),
    writes=(SUMMARIES,),
)
