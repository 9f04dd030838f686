"""Events: reports cut into the happenings they tell, linked across reports.

An event is one happening with a date or period, an actor and an action ("13 October 2023:
the White House says North Korea delivered over 1,000 containers"). A report is cut into
segments only where the time it tells moves away from what its lead is about; segments of
different reports belong to one event when they use the same words (in the English
translation and in the French source), name the same people and places and give the same
quantities, and never when their times cannot be one happening (5 October against 13
October). Linking is a blocked sparse average linkage (``pipeline.linkage``) that stops at
``events.similarity_threshold``. Reports without a date header are dated from their own text
and from the dated reports they link to. A cluster in which no sentence says when (a
reminder, a warning that runs through the whole period) is not an event of its own: it goes
to one background section.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import sparse

from pipeline import linkage
from pipeline.config import EventsConfig
from pipeline.dates import (
    DAY,
    Period,
    TimeMention,
    document_period,
    month_period,
    parse_period,
    resolve_times,
    weekday_dated,
)
from pipeline.features import SparseTfidf, content_words, names, quantities, tfidf
from pipeline.lang import TARGET_PROFILE, anaphoric_opening, profile
from pipeline.linkage import Span
from pipeline.nlp import Entities, french_entities_of
from pipeline.records import Document, Event, Sentence, SentenceGroup, Translation
from pipeline.stages.artifacts import DOCUMENTS, EVENTS, GROUPS, SENTENCES, TRANSLATIONS
from pipeline.stages.base import Stage, StageContext, StageOutput

VERSION = "1"

_BACKGROUND_TITLE = "Background"
# A quotation opening a sentence names its speaker only at the end: a poor title.
_QUOTE_OPENING = re.compile(r"^\s*[\"“”«»]")
# "..., the Reuters news agency reported": who reported it is no part of a title.
_REPORTED_BY = re.compile(TARGET_PROFILE.trailing_attribution)
_TITLE_CHARACTERS = 90


@dataclass(frozen=True, slots=True)
class GroupFacts:
    """One sentence group, as the clustering sees it."""

    group: SentenceGroup
    sources: tuple[str, ...]  # every member sentence, in the source language
    translation: str
    doc_ids: tuple[str, ...]  # the documents of its member sentences, sorted
    mentions: tuple[TimeMention, ...]  # time expressions in the source and the translation
    published_by: date | None  # the latest publication day of its documents, when all are dated
    base: Period | None = None  # when its representative's document was published (given or inferred)

    @property
    def periods(self) -> list[Period]:
        return [m.period for m in self.mentions if m.period is not None]


def document_bases(documents: list[Document]) -> tuple[dict[str, Period], dict[str, Period]]:
    """Per document: the period its time expressions resolve against, and its given date.

    An undated document resolves against the latest full date it mentions; only a given date
    bounds what the document can report.
    """
    bases: dict[str, Period] = {}
    given: dict[str, Period] = {}
    for document in documents:
        period = parse_period(document.date)
        if period is not None:
            given[document.doc_id] = period
        period = document_period(document.date, document.text, document.lang)
        if period is not None:
            bases[document.doc_id] = period
    return bases, given


def describe_groups(
    groups: list[SentenceGroup],
    translations: list[Translation],
    sentences: list[Sentence],
    documents: list[Document],
) -> list[GroupFacts]:
    by_group = {t.group_id: t for t in translations}
    by_sentence = {s.sentence_id: s for s in sentences}
    bases, given = document_bases(documents)
    facts = []
    for group in groups:
        members = [by_sentence[i] for i in group.sentence_ids if i in by_sentence]
        translation = by_group.get(group.group_id)
        english = translation.translation if translation and translation.origin != "untranslated" else ""
        mentions: list[TimeMention] = []
        for member in members:
            mentions += resolve_times(member.text, member.lang or group.lang or "fr", bases.get(member.doc_id))
        representative = by_sentence.get(group.representative)
        if english:
            base = bases.get(representative.doc_id) if representative else None
            mentions += resolve_times(english, "en", base)
        doc_ids = {m.doc_id for m in members}
        published = [given[d].end for d in doc_ids if d in given]
        facts.append(
            GroupFacts(
                group=group,
                sources=tuple(m.text for m in members) or (group.text,),
                translation=english,
                doc_ids=tuple(sorted(doc_ids)),
                mentions=tuple(mentions),
                published_by=max(published) if published and len(published) == len(doc_ids) else None,
                base=bases.get(representative.doc_id) if representative else None,
            )
        )
    return facts


# --- segments: a report cut where the happening it tells changes ------------------------------

# Reports of one story (a coup, a cyclone) link at this share of the event threshold.
_STORY_SHARE = 0.5
# Two day-precise times further apart than this are two happenings within one report
# ("samedi" the landfall, "jeudi" the visit); a month or a multi-day span overlaps its days.
_SPLIT_GAP_DAYS = 1
# A time vaguer than a month ("vendredi" in a report dated only by its month, "ces dernières
# semaines") agrees with every happening of the month: it dates a sentence for no one.
_PRECISE_DAYS = 31
_VAGUE_DAYS = 92
# Up to this many days, a period is a day or a few ("10 to 11 September"), not a month.
_DAY_SPAN = 3
# The lead of a report (headline and first sentences) states the happening it is about.
_LEAD_SENTENCES = 3
# Date rules that count back from the report's time to what it follows up ("il y a trois jours").
_ANCHOR_RULES = frozenset({"days-after", "days-ago"})
# Date rules that name a day by its number, not by its weekday or by counting from another day.
_NUMBERED_DAY_RULES = frozenset({"day-month-year", "month-day-year", "day-month", "month-day"})


@dataclass(frozen=True, slots=True)
class SentenceFacts:
    """One sentence as segmenting sees it: its group and the current times it gives."""

    sentence: Sentence
    group: int  # index into the GroupFacts list
    periods: tuple[Period, ...]  # current periods of a month or less (see ``is_current``)
    vague: tuple[Period, ...]  # current periods of up to a season: a weekday in a month-dated report
    leans_back: bool  # opens by pointing back to the sentence before ("He added", "Cette révélation")
    entities: Entities = ()  # what spaCy's French model names in it
    # when what it counts from was ("neuf jours après le passage de la tempête"): what a lead
    # is about, never a happening of its own to cut the report at
    anchors: tuple[Period, ...] = ()
    base: Period | None = None  # its report's base


@dataclass(frozen=True, slots=True)
class Segment:
    """Consecutive-in-spirit sentences of one report about one happening, and when it was."""

    doc_id: str
    sentences: tuple[SentenceFacts, ...]
    period: Period | None
    main: bool = True  # the report's main happening, not one it dates apart

    @property
    def groups(self) -> list[int]:
        return [s.group for s in self.sentences]

    @property
    def bound(self) -> Period | None:
        """When it can have happened: its own period, else when its report was published."""
        return self.period or self.sentences[0].base


def sentence_facts(
    facts: list[GroupFacts],
    sentences: list[Sentence],
    bases: dict[str, Period],
    known_days: dict[str, list[list[Period]]] | None = None,
    entities: Mapping[str, Entities] | None = None,
) -> list[SentenceFacts]:
    """Per grouped sentence, in document order: its current times, in the source and in the
    English translation of its group, resolved against its document's base; a bare weekday
    ("dimanche" in a report dated by its month) is the one such day its neighbours name."""
    group_of = {sid: n for n, f in enumerate(facts) for sid in f.group.sentence_ids}
    result = []
    for sentence in sorted(sentences, key=lambda s: (s.doc_id, s.start, s.end)):
        if sentence.sentence_id not in group_of:
            continue
        group = facts[group_of[sentence.sentence_id]]
        base = bases.get(sentence.doc_id)
        lang = sentence.lang or group.group.lang or "fr"
        days = (known_days or {}).get(sentence.doc_id, [])
        mentions = [(m, lang) for m in resolve_times(sentence.text, lang, base)]
        if group.translation:
            mentions += [(m, "en") for m in resolve_times(group.translation, "en", base)]
        told = [(m.rule in _ANCHOR_RULES, _named_day(m, days, lang)) for m, lang in mentions]
        current = sorted({(anchor, p) for anchor, p in told if p is not None and is_current(p, base)})
        periods = tuple(p for anchor, p in current if p.days <= _PRECISE_DAYS and not anchor)
        vague = tuple(p for anchor, p in current if _PRECISE_DAYS < p.days <= _VAGUE_DAYS and not anchor)
        anchors = tuple(p for anchor, p in current if p.days <= _PRECISE_DAYS and anchor)
        leans_back = _opens_anaphorically(sentence.text, lang, group.translation)
        result.append(
            SentenceFacts(
                sentence,
                group_of[sentence.sentence_id],
                periods,
                vague,
                leans_back,
                (entities or {}).get(sentence.text, ()),
                anchors,
                base,
            )
        )
    return result


def _named_day(mention: TimeMention, tiers: list[list[Period]], lang: str) -> Period | None:
    """A weekday read against a month is any of four or five days; when the reports around it
    name exactly one such day in that span ("dimanche 30 juillet"), it is that one. The reports
    of its own happening are asked first, then those of its story: a story may name two
    Mondays (the flood, the protest a week later) where the flood's reports name one."""
    period = mention.period
    if mention.rule != "weekday" or period is None or period.days <= _DAY_SPAN:
        return period
    language = profile(lang) or profile("en")
    weekdays = language.weekdays if language is not None else ()
    name = mention.text.lower()
    if name not in weekdays:
        return period
    for days in tiers:
        named = {d for d in days if d.start.weekday() == weekdays.index(name) and d.gap_days(period) == 0}
        if len(named) == 1:
            return named.pop()
    return period


def _opens_anaphorically(source: str, lang: str, english: str) -> bool:
    return _leans_on_previous(lang, source) or bool(english and _leans_on_previous("en", english))


def _agrees(periods: tuple[Period, ...], period: Period) -> bool:
    return any(p.gap_days(period) <= _SPLIT_GAP_DAYS for p in periods)


def _alike(a: Period, b: Period) -> bool:
    """One happening's time told twice: close, and known to the same grain. "En octobre" and
    "le 16 octobre" may be two happenings of one month."""
    return a.gap_days(b) <= _SPLIT_GAP_DAYS and (a.days <= _DAY_SPAN) == (b.days <= _DAY_SPAN)


def _latest(period: Period) -> tuple[date, int]:
    """A report tells the newest happening it dates; older dates are what it refers back to."""
    return (period.end, -period.days)


def main_period(sentences: list[SentenceFacts]) -> Period | None:
    """The time a report is about: what its lead says, however vaguely ("vendredi" in a report
    dated by its month); else the period most of its dated sentences agree with; among those,
    the most precise, then the earliest mentioned."""
    lead = sentences[:_LEAD_SENTENCES]
    told = [p for s in lead for p in (*s.periods, *s.anchors)] or [p for s in lead for p in s.vague]
    if told:
        return max(told, key=_latest)
    candidates = [(p, n) for n, s in enumerate(sentences) for p in s.periods]
    if not candidates:
        return None

    def rank(candidate: tuple[Period, int]) -> tuple[int, int, int]:
        period, position = candidate
        support = sum(1 for s in sentences if _agrees(s.periods, period))
        return (-support, period.days, position)

    return min(candidates, key=rank)[0]


def segment_document(sentences: list[SentenceFacts]) -> list[Segment]:
    """The report's main happening, and one segment per other happening it dates apart; a
    sentence with no time of its own stays with the one before it only when it leans back."""
    main = main_period(sentences)
    parts: dict[Period | None, list[SentenceFacts]] = {main: []}
    current: Period | None = main
    for facts in sentences:
        if facts.periods:
            if main is None or not _agrees(facts.periods, main):
                told = max(facts.periods, key=_latest)
                current = next((key for key in parts if key is not None and _alike(key, told)), told)
            else:
                current = main
        elif not facts.leans_back:
            current = main
        parts.setdefault(current, []).append(facts)
    doc_id = sentences[0].sentence.doc_id
    return [
        Segment(doc_id, tuple(members), period, main=period == main) for period, members in parts.items() if members
    ]


def segments(sentences: list[SentenceFacts]) -> list[Segment]:
    by_document = _by_document(sentences)
    return [segment for doc_id in sorted(by_document) for segment in segment_document(by_document[doc_id])]


# --- linking segments across reports --------------------------------------------------------

# Weights of the evidence that two segments tell one happening (they sum to 1).
_WEIGHT_ENGLISH_WORDS = 0.3
_WEIGHT_SOURCE_WORDS = 0.3
_WEIGHT_NAMES = 0.3
_WEIGHT_QUANTITIES = 0.1
# Blocking: two segments are compared only when they share a term that at most this many
# segments use. A term every report of a year uses ("Macron", "gouvernement") says nothing
# about which happening two reports tell, and comparing all their pairs is what costs n².
_BLOCKING_MAX_POSTINGS = 100


def segment_vectors(parts: list[Segment], facts: list[GroupFacts]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Per segment, the weighted feature row (dot products are similarities) and the row of
    terms used for blocking."""
    english_words, source_words, named, numbers = SparseTfidf(), SparseTfidf(), SparseTfidf(), SparseTfidf()
    for part in parts:
        groups = sorted(set(part.groups))
        english = [facts[g].translation for g in groups]
        sources = [(s.sentence.text, s.sentence.lang or "fr") for s in part.sentences]
        english_words.add(w for text in english for w in content_words(text, "en"))
        source_words.add(w for text, lang in sources for w in content_words(text, lang))
        named.add(
            name
            for g, text in zip(groups, english, strict=True)
            for name in names(text, (e for s in part.sentences if s.group == g for e in s.entities))
        )
        numbers.add(
            [q for text in english for q in quantities(text, "en")]
            + [q for text, lang in sources for q in quantities(text, lang)]
        )
    blocks = [
        (_WEIGHT_ENGLISH_WORDS, english_words.matrix()),
        (_WEIGHT_SOURCE_WORDS, source_words.matrix()),
        (_WEIGHT_NAMES, named.matrix()),
        (_WEIGHT_QUANTITIES, numbers.matrix()),
    ]
    weighted = sparse.hstack([math.sqrt(w) * m for w, m in blocks], format="csr")
    terms = sparse.hstack([blocks[1][1], blocks[2][1], blocks[3][1]], format="csr")
    return weighted, terms


def candidate_pairs(terms: sparse.csr_matrix, spans: list[Span | None], window: int) -> sparse.coo_matrix:
    """Pairs of segments that share a distinctive term and whose times may be one happening."""
    present = (terms > 0).astype(np.float64).tocsc()
    postings = np.diff(present.indptr)
    distinctive = present[:, np.flatnonzero((postings >= 2) & (postings <= _BLOCKING_MAX_POSTINGS))]
    shared = sparse.triu(distinctive @ distinctive.T, k=1).tocoo()
    # ``Span.joined(...).fits(window)`` over all pairs at once: a Python loop per pair is what
    # dominates once pairs number in the millions.
    dated = np.array([span is not None for span in spans], dtype=bool)
    latest_start = np.array([span.latest_start if span else 0 for span in spans], dtype=np.int64)
    earliest_end = np.array([span.earliest_end if span else 0 for span in spans], dtype=np.int64)
    i, j = shared.row, shared.col
    apart = np.maximum(latest_start[i], latest_start[j]) - np.minimum(earliest_end[i], earliest_end[j])
    keep = ~(dated[i] & dated[j]) | (apart <= window)
    return sparse.coo_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=shared.shape, dtype=np.float64)


def segment_edges(
    parts: list[Segment], facts: list[GroupFacts], window: int
) -> tuple[dict[tuple[int, int], float], list[Span | None]]:
    """The similarity of every candidate pair of segments, and each segment's time span."""
    weighted, terms = segment_vectors(parts, facts)
    spans = [_span(part.bound) for part in parts]
    pairs = candidate_pairs(terms, spans, window)
    similarity = pair_similarities(weighted, pairs.row, pairs.col)
    edges = {(int(i), int(j)): float(s) for i, j, s in zip(pairs.row, pairs.col, similarity, strict=True)}
    return edges, spans


def link_segments(parts: list[Segment], facts: list[GroupFacts], config: EventsConfig) -> list[list[int]]:
    """Clusters of segments (indices), each one happening."""
    if not parts:
        return []
    edges, spans = segment_edges(parts, facts, config.date_window_days)
    clusters = linkage.cluster(len(parts), edges, config.similarity_threshold, spans, config.date_window_days)
    return _adopt_undated(clusters, parts, edges, config.similarity_threshold * _STORY_SHARE)


def _adopt_undated(
    clusters: list[list[int]], parts: list[Segment], edges: Mapping[tuple[int, int], float], floor: float
) -> list[list[int]]:
    """A report that never says when is no happening of its own: it joins the dated happening
    it links to best (average linkage), when it links to it at least as a report of its story
    does. Left alone, it would be background, however plainly it tells one event."""
    cluster_of = {i: c for c, members in enumerate(clusters) for i in members}
    dated = {c for c, members in enumerate(clusters) if any(parts[i].period for i in members)}
    totals: dict[int, dict[int, float]] = {}
    for (a, b), similarity in edges.items():
        for undated, other in ((a, b), (b, a)):
            if cluster_of[undated] not in dated and cluster_of[other] in dated:
                links = totals.setdefault(cluster_of[undated], {})
                links[cluster_of[other]] = links.get(cluster_of[other], 0.0) + similarity
    target = list(range(len(clusters)))
    for c, links in totals.items():
        averages = {d: total / (len(clusters[c]) * len(clusters[d])) for d, total in links.items()}
        best = min(averages, key=lambda d: (-averages[d], d))
        if averages[best] >= floor:
            target[c] = best
    adopted: dict[int, list[int]] = {}
    for c, members in enumerate(clusters):
        adopted.setdefault(target[c], []).extend(members)
    return [sorted(members) for _, members in sorted(adopted.items())]


def _leans_on_previous(lang: str, text: str) -> bool:
    """The sentence opens with words that lean on the sentence before it (and make a poor title)."""
    opening = anaphoric_opening(lang)
    return opening is not None and opening.match(text) is not None


# Pairs whose row products are held in memory at once: the products of millions of pairs of
# sparse rows, built whole, take gigabytes.
_PAIRS_PER_CHUNK = 50_000


def pair_similarities(weighted: sparse.csr_matrix, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Dot products of the given pairs of rows, a chunk of pairs at a time."""
    chunks = [
        np.asarray(
            weighted[rows[k : k + _PAIRS_PER_CHUNK]].multiply(weighted[columns[k : k + _PAIRS_PER_CHUNK]]).sum(axis=1)
        ).ravel()
        for k in range(0, len(rows), _PAIRS_PER_CHUNK)
    ]
    return np.concatenate(chunks) if chunks else np.zeros(0)


def _span(period: Period | None) -> Span | None:
    return Span(period.start.toordinal(), period.end.toordinal()) if period is not None else None


def dated_by_neighbours(
    facts: list[GroupFacts],
    sentences: list[Sentence],
    documents: list[Document],
    config: EventsConfig,
    entities: Mapping[str, Entities] | None = None,
) -> tuple[dict[str, Period], dict[str, list[list[Period]]]]:
    """Per document, the period its time expressions resolve against: when it was published.

    A date header says so; a day the report gives with its weekday ("ce lundi 4 septembre")
    pins it further, and dates a report without a header in the year in which that day is that
    weekday, nearest the corpus's given dates. A report with neither is dated by the dated
    reports it links to, whole, on words and names alone (wire copies and follow-ups of one
    happening are published within days). Its own latest full date is only a lower bound of
    when it was written ("the fire of 15 April 2019" in a 2024 report), used last.

    Also per document: the days that the reports of its story (linked more loosely) give with
    their weekday, which say what a bare "dimanche" of that story was.
    """
    inferred, given = document_bases(documents)
    years = sorted(p.start.year for p in given.values())
    own = dict(given)
    named: dict[str, list[Period]] = {}
    for document in documents:
        if not years:
            break
        lang = document.lang or "fr"
        days = weekday_dated(document.text, lang, years[len(years) // 2])
        header = given.get(document.doc_id)
        if header is not None:
            days = [d for d in days if is_current(d, header)]
        if days:
            own[document.doc_id] = max(days)
        # and the days it names by their number ("le 19 décembre 2024" in a photo caption)
        base = own.get(document.doc_id)
        days += [
            m.period
            for m in resolve_times(document.text, lang, base)
            if m.rule in _NUMBERED_DAY_RULES and m.period is not None and is_current(m.period, base)
        ]
        if days:
            named[document.doc_id] = sorted(set(days))
    whole = [
        Segment(doc_id, tuple(members), _month_of(own.get(doc_id)))
        for doc_id, members in _by_document(sentence_facts(facts, sentences, {}, entities=entities)).items()
    ]
    # one set of similarities, linked twice: as happenings, then more loosely as stories
    edges, spans = segment_edges(whole, facts, config.date_window_days) if whole else ({}, [])
    happenings = linkage.cluster(len(whole), edges, config.similarity_threshold, spans, config.date_window_days)
    stories = linkage.cluster(
        len(whole), edges, config.similarity_threshold * _STORY_SHARE, spans, config.date_window_days
    )
    bases = dict(own)
    # a report that no dated report of its own happening links to takes its story's date
    for members in happenings + stories:
        dated = Counter(period for m in members if (period := whole[m].period) is not None)
        if dated:
            neighbour = min(dated, key=lambda p: (-dated[p], p.start))
            for m in members:
                bases.setdefault(whole[m].doc_id, neighbour)
    # the days a happening's and a story's reports name, for the bare weekdays of the others
    known_days: dict[str, list[list[Period]]] = {}
    for clusters in (happenings, stories):
        for members in clusters:
            days = sorted({d for m in members for d in named.get(whole[m].doc_id, [])})
            for m in members:
                known_days.setdefault(whole[m].doc_id, []).append(days)
    for doc_id, period in inferred.items():
        bases.setdefault(doc_id, period)
    return bases, known_days


def _month_of(period: Period | None) -> Period | None:
    return month_period(period.start.year, period.start.month) if period is not None else None


def _by_document(sentences: list[SentenceFacts]) -> dict[str, list[SentenceFacts]]:
    by_document: dict[str, list[SentenceFacts]] = {}
    for facts in sentences:
        by_document.setdefault(facts.sentence.doc_id, []).append(facts)
    return by_document


def cluster_groups(
    facts: list[GroupFacts], parts: list[Segment], config: EventsConfig
) -> list[tuple[list[int], list[Segment]]]:
    """Groups (indices) per happening, with the segments that tell it: a group that several
    segments share goes where most of its sentences are, the earliest such cluster on a tie."""
    clusters = _fold_back(link_segments(parts, facts, config), parts)
    votes: dict[int, Counter[int]] = {}
    for c, members in enumerate(clusters):
        for part in members:
            for group in parts[part].groups:
                votes.setdefault(group, Counter())[c] += 1
    placed: dict[int, list[int]] = {}
    for group in range(len(facts)):
        ballot = votes.get(group)
        home = min(ballot, key=lambda c: (-ballot[c], c)) if ballot else len(clusters) + group
        placed.setdefault(home, []).append(group)
    return [
        (sorted(groups), [parts[p] for p in clusters[home]] if home < len(clusters) else [])
        for home, groups in sorted(placed.items())
    ]


def _fold_back(clusters: list[list[int]], parts: list[Segment]) -> list[list[int]]:
    """Parts of reports dated apart that no report tells as its main happening go back to the
    happening those reports are about: a passing mention of another day, in one report or in
    copies of it, is not an event of its own."""
    home = {parts[i].doc_id: c for c, members in enumerate(clusters) for i in members if parts[i].main}
    target = list(range(len(clusters)))
    for c, members in enumerate(clusters):
        homes = {home.get(parts[i].doc_id) for i in members}
        if len(homes) == 1 and None not in homes and not any(parts[i].main for i in members):
            target[c] = homes.pop()  # type: ignore[assignment]
    # the same reports, all of them telling two days (the visit, then the mourning it set), and
    # no other report telling either: one story they tell, not two happenings
    told_by: dict[frozenset[str], int] = {}
    for c, members in enumerate(clusters):
        reports = frozenset(parts[i].doc_id for i in members)
        if target[c] == c and len(reports) >= 2:
            target[c] = told_by.setdefault(reports, c)
    folded: dict[int, list[int]] = {}
    for c, members in enumerate(clusters):
        folded.setdefault(target[c], []).extend(members)
    return [sorted(members) for _, members in sorted(folded.items())]


def happening_period(told: list[Segment]) -> Period | None:
    """When the happening was: the period that the most reports telling it agree with; then one
    a report is mainly about over one it mentions in passing; then the most precise, the earliest."""
    dated = [part for part in told if part.period is not None]
    if not dated:
        return None

    def rank(part: Segment) -> tuple[int, bool, int, date]:
        assert part.period is not None
        agreeing = {
            other.doc_id for other in dated if other.period and other.period.gap_days(part.period) <= _SPLIT_GAP_DAYS
        }
        return (-len(agreeing), not part.main, part.period.days, part.period.start)

    return min(dated, key=rank).period


def is_background(cluster_facts: list[GroupFacts], min_sentences: int) -> bool:
    """An event has a date or period: a cluster in which no member says when, or one too
    small to report, has no event of its own."""
    sentence_count = sum(len(f.group.sentence_ids) for f in cluster_facts)
    return not any(f.mentions for f in cluster_facts) or sentence_count < min_sentences


# A report tells what happened shortly before it was published; a date further back is
# recalled context ("the 1953 armistice"), never the date of the happening it reports.
_RECENT_DAYS = 120


def is_current(period: Period, base: Period | None) -> bool:
    """Whether a mentioned period can be the happening a report published in ``base`` tells."""
    if base is None:
        return True
    return period.end >= base.start - timedelta(days=_RECENT_DAYS) and period.start <= base.end + timedelta(days=7)


def best_date(cluster_facts: list[GroupFacts], centrality: list[float]) -> Period | None:
    """The most precise current period its members give (see ``is_current``); among equally
    precise ones, the most supported by the cluster's other mentions, then the one in the most
    central group. Without a current mention, the publication period its reports share most."""
    # A report without a date header is dated from its own latest full date, which may be a
    # recalled one; the given publication dates of the cluster's other reports bound it too.
    given = [f.published_by for f in cluster_facts if f.published_by is not None]
    anchor = Period(max(given), max(given), DAY) if given else None
    candidates = [
        (p, c)
        for f, c in zip(cluster_facts, centrality, strict=True)
        for p in f.periods
        if is_current(p, f.base) and is_current(p, anchor)
    ]
    if not candidates:
        bases = Counter(f.base for f in cluster_facts if f.base is not None)
        return min(bases, key=lambda b: (-bases[b], b.days, b.start)) if bases else None

    def support(period: Period) -> int:
        return sum(1 for other, _ in candidates if other.gap_days(period) == 0)

    return min(candidates, key=lambda pc: (pc[0].days, -support(pc[0]), -pc[1], pc[0].start))[0]


def make_title(translation: str, mentions: tuple[TimeMention, ...], limit: int = _TITLE_CHARACTERS) -> str:
    """A short English title from one translated sentence: time phrases (the date is shown
    beside it), quote marks and a closing "..., X reported" removed, cut at a word boundary."""
    text = translation
    for mention in sorted({m.text for m in mentions}, key=len, reverse=True):
        text = re.sub(
            rf"\s*\b(?:on|in|at|since|by|from|until|over)?\s*{re.escape(mention)}\b", " ", text, flags=re.IGNORECASE
        )
    text = re.sub(r"[\"“”«»]", "", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", text))
    text = re.sub(r",(?:\s*,)+", ",", text)
    text = re.sub(r"\b(that|until),", r"\1", text).strip(" ,;:.")
    text = _REPORTED_BY.sub("", text)
    if len(text) > limit:
        cut = text[: limit + 1]
        clause = max(cut.rfind(", "), cut.rfind("; "), cut.rfind(": "))
        # a whole clause reads as a title; a cut inside one is shown as a cut
        text = cut[:clause].rstrip(" ,;:") if clause > limit // 2 else cut[: cut.rfind(" ")].rstrip(" ,;:") + "…"
    return text[:1].upper() + text[1:] if text else "Untitled event"


def _title_choice(cluster_facts: list[GroupFacts], centrality: list[float]) -> GroupFacts:
    def rank(pair: tuple[GroupFacts, float]) -> tuple[bool, bool, float, str]:
        facts, central = pair
        leans_on_context = bool(_leans_on_previous("en", facts.translation) or _QUOTE_OPENING.match(facts.translation))
        return (not facts.translation, leans_on_context, -central, facts.group.group_id)

    return min(zip(cluster_facts, centrality, strict=True), key=rank)[0]


def event_id(group_ids: list[str]) -> str:
    """Stable across reruns: the same member groups give the same id."""
    return "e" + hashlib.sha256("\n".join(sorted(group_ids)).encode()).hexdigest()[:16]


def local_centrality(cluster_facts: list[GroupFacts]) -> list[float]:
    """How central each member is among its own event's members, with word weights from the
    event alone: its title and date then cannot change when an unrelated report comes or goes."""
    vectors = tfidf(
        [
            content_words(f.translation or " ".join(f.sources), "en" if f.translation else f.group.lang or "fr")
            for f in cluster_facts
        ]
    )
    block = vectors @ vectors.T
    return [float(row.sum() - row[k]) for k, row in enumerate(block)]


def build_event(cluster_facts: list[GroupFacts], told: list[Segment] | None = None) -> Event:
    centrality = local_centrality(cluster_facts)
    chosen = _title_choice(cluster_facts, centrality)
    period = happening_period(told or []) or best_date(cluster_facts, centrality)
    group_ids = sorted(f.group.group_id for f in cluster_facts)
    return Event(
        event_id=event_id(group_ids),
        title=make_title(chosen.translation, chosen.mentions),
        date=period.label if period else None,
        group_ids=group_ids,
        sentence_ids=sorted(s for f in cluster_facts for s in f.group.sentence_ids),
        doc_ids=sorted({d for f in cluster_facts for d in f.doc_ids}),
    )


def background_event(cluster_facts: list[GroupFacts]) -> Event:
    return Event(
        event_id="background",
        title=_BACKGROUND_TITLE,
        date=None,
        group_ids=sorted(f.group.group_id for f in cluster_facts),
        sentence_ids=sorted(s for f in cluster_facts for s in f.group.sentence_ids),
        doc_ids=sorted({d for f in cluster_facts for d in f.doc_ids}),
        background=True,
    )


def find_events(
    groups: list[SentenceGroup],
    translations: list[Translation],
    sentences: list[Sentence],
    documents: list[Document],
    config: EventsConfig,
) -> tuple[list[Event], list[GroupFacts]]:
    """The events the reports tell, and the groups as clustering saw them."""
    facts = describe_groups(groups, translations, sentences, documents)
    # named entities once per distinct sentence: every linking pass reads them
    texts = sorted({s.text for s in sentences})
    entities = dict(zip(texts, french_entities_of(texts), strict=True))
    bases, known_days = dated_by_neighbours(facts, sentences, documents, config, entities)
    return cluster_events(facts, config, sentence_facts(facts, sentences, bases, known_days, entities)), facts


def cluster_events(facts: list[GroupFacts], config: EventsConfig, sentences: list[SentenceFacts]) -> list[Event]:
    """Events in chronological order (undated ones after dated ones), the background last."""
    if not facts:
        return []
    parts = segments(sentences)
    events: list[Event] = []
    background: list[GroupFacts] = []
    for indices, periods in cluster_groups(facts, parts, config):
        members = [facts[i] for i in indices]
        if is_background(members, config.min_sentences):
            background.extend(members)
        else:
            events.append(build_event(members, periods))
    events.sort(key=_chronological)
    if background:
        events.append(background_event(background))
    return events


def _chronological(event: Event) -> tuple[bool, date, str, str]:
    period = parse_period(event.date)
    return (period is None, period.start if period else date.max, event.title, event.event_id)


def run(ctx: StageContext) -> StageOutput:
    documents = ctx.read(DOCUMENTS)
    sentences = ctx.read(SENTENCES)
    groups = ctx.read(GROUPS)
    translations = ctx.read(TRANSLATIONS)
    with ctx.progress("Clustering events", len(groups)) as bar:
        events, facts = find_events(groups, translations, sentences, documents, ctx.config.events)
        bar.advance(len(groups))
    notes = []
    untranslated = sum(1 for f in facts if not f.translation)
    if untranslated:
        notes.append(f"{untranslated} sentence groups have no English translation; clustered on the source text")
    background = [e for e in events if e.background]
    return StageOutput(
        artifacts={"events": list(events)},
        counts={
            "events": len(events) - len(background),
            "background_sentences": sum(len(e.sentence_ids) for e in background),
            "sentences_clustered": sum(len(e.sentence_ids) for e in events if not e.background),
        },
        notes=notes,
    )


STAGE = Stage(
    "events",
    VERSION,
    run,
    config_sections=("events",),
    reads=(DOCUMENTS, SENTENCES, GROUPS, TRANSLATIONS),
    writes=(EVENTS,),
)
