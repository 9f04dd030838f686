"""Events: sentence groups clustered into real-world happenings, not topics.

An event is one happening with a date or period, an actor and an action ("13 October 2023:
the White House says North Korea delivered over 1,000 containers"). Two groups belong to the
same event when they name the same actors, use the same words (in the English translation
and in the French source), give the same quantities, and sit next to each other in a report;
they never do when the times they mention cannot be the same (5 October against 13 October),
or when one reports something dated after the other's report was published.

Clustering is average-linkage agglomerative on that similarity, with the time constraint
holding between every pair of members, and stops at ``events.similarity_threshold``. A cluster
in which no sentence says when (a reminder, a warning that runs through the whole period, a
headline) is not an event of its own: it goes to one background section.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from pipeline.config import EventsConfig
from pipeline.dates import DAY, Period, TimeMention, document_period, parse_period, resolve_times
from pipeline.features import actors, content_words, normalise_rows, quantities, set_vectors, tfidf
from pipeline.lang import anaphoric_opening
from pipeline.records import Document, Event, Sentence, SentenceGroup, Translation
from pipeline.stages.artifacts import DOCUMENTS, EVENTS, GROUPS, SENTENCES, TRANSLATIONS
from pipeline.stages.base import Stage, StageContext, StageOutput

VERSION = "1"

# Weights of the evidence that two groups report the same happening (they sum to 1).
_WEIGHT_ENGLISH_WORDS = 0.25
_WEIGHT_SOURCE_WORDS = 0.25
_WEIGHT_ACTORS = 0.35
_WEIGHT_QUANTITIES = 0.15
# Reports tell one happening in consecutive sentences: neighbours (one or two sentences
# apart, at the same time) get this much more, and a sentence that opens by pointing back
# ("He added", "Cette révélation", "Moreover") more again to the one before it.
_NEIGHBOUR_BONUS = {1: 0.3, 2: 0.1}
_CONTINUATION_BONUS = 0.2
# An actor named in more than this share of the groups (North Korea, Russia) is no evidence
# that two groups report one happening; a rarer actor, a quantity or a day is.
_ANCHOR_MAX_SHARE = 0.2
_BACKGROUND_TITLE = "Background"
# A quotation opening a sentence names its speaker only at the end: a poor title.
_QUOTE_OPENING = re.compile(r"^\s*[\"“”«»]")
# "..., the Reuters news agency reported": who reported it is no part of a title.
_REPORTED_BY = re.compile(r",\s*(?:the\s+|a\s+)?[^,]{1,50}?\s+(?:reported|said|says|reports)$")
_TITLE_CHARACTERS = 90


@dataclass(frozen=True)
class GroupFacts:
    """One sentence group, as the clustering sees it."""

    group: SentenceGroup
    sources: tuple[str, ...]  # every member sentence, in the source language
    translation: str
    positions: tuple[tuple[str, int], ...]  # (doc_id, index of the sentence in its document)
    mentions: tuple[TimeMention, ...]  # time expressions in the source and the translation
    published_by: date | None  # the latest publication day of its documents, when all are dated
    base: Period | None = None  # when its representative's document was published (given or inferred)

    @property
    def periods(self) -> list[Period]:
        return [m.period for m in self.mentions if m.period is not None]

    @property
    def doc_ids(self) -> list[str]:
        return sorted({doc_id for doc_id, _ in self.positions})


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
    index: dict[str, int] = {}
    for doc_id in {s.doc_id for s in sentences}:
        in_doc = sorted((s for s in sentences if s.doc_id == doc_id), key=lambda s: (s.start, s.end))
        index.update({s.sentence_id: n for n, s in enumerate(in_doc)})
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
                positions=tuple(sorted((m.doc_id, index[m.sentence_id]) for m in members)),
                mentions=tuple(mentions),
                published_by=max(published) if published and len(published) == len(doc_ids) else None,
                base=bases.get(representative.doc_id) if representative else None,
            )
        )
    return facts


def _could_be_same_time(a: GroupFacts, b: GroupFacts, window: timedelta) -> bool:
    """False when the two groups' times rule out one happening."""
    a_periods, b_periods = a.periods, b.periods
    if a_periods and b_periods:
        return any(p.gap_days(q) <= window.days for p in a_periods for q in b_periods)
    # a report cannot tell what happened after it was published
    if a_periods and b.published_by is not None:
        return min(p.start for p in a_periods) <= b.published_by + window
    if b_periods and a.published_by is not None:
        return min(p.start for p in b_periods) <= a.published_by + window
    return True


def compatibility(facts: list[GroupFacts], window_days: int) -> np.ndarray:
    window = timedelta(days=window_days)
    size = len(facts)
    allowed = np.ones((size, size), dtype=bool)
    for i in range(size):
        for j in range(i + 1, size):
            allowed[i, j] = allowed[j, i] = _could_be_same_time(facts[i], facts[j], window)
    return allowed


@dataclass(frozen=True)
class Evidence:
    """Per group: feature rows in each space (L2-normalised) with their weights; per pair,
    the bonus for standing together in a report; per group, its anchors (rare actors,
    quantities, days), of which two clusters must share one unless they are neighbours."""

    spaces: tuple[tuple[float, np.ndarray], ...]
    pair_bonus: np.ndarray
    anchors: tuple[frozenset[str], ...]


def gather_evidence(facts: list[GroupFacts]) -> Evidence:
    english = tfidf([content_words(f.translation, "en") for f in facts])
    source = tfidf([[w for s in f.sources for w in content_words(s, f.group.lang or "fr")] for f in facts])
    named = [actors(f.translation, f.sources) for f in facts]
    numbers = [
        quantities(f.translation, "en").union(*(quantities(s, f.group.lang or "fr") for s in f.sources)) for f in facts
    ]
    spaces = (
        (_WEIGHT_ENGLISH_WORDS, english),
        (_WEIGHT_SOURCE_WORDS, source),
        (_WEIGHT_ACTORS, set_vectors(named)),
        (_WEIGHT_QUANTITIES, set_vectors(numbers)),
    )
    naming = Counter(actor for group_actors in named for actor in group_actors)
    common = {actor for actor, count in naming.items() if count > _ANCHOR_MAX_SHARE * len(facts)}
    anchors = tuple(
        frozenset(group_actors - common)
        | {f"#{n}" for n in group_numbers}
        | {f"@{p.start.isoformat()}" for p in f.periods if p.days == 1}
        for f, group_actors, group_numbers in zip(facts, named, numbers, strict=True)
    )
    size = len(facts)
    bonus = np.zeros((size, size))
    for i, a in enumerate(facts):
        for j in range(i + 1, size):
            bonus[i, j] = bonus[j, i] = _neighbour_bonus(a, facts[j])
    return Evidence(spaces, bonus, anchors)


def _opens_anaphorically(facts: GroupFacts) -> bool:
    texts = [("en", facts.translation)] + [(facts.group.lang or "fr", s) for s in facts.sources]
    return any(_leans_on_previous(lang, text) for lang, text in texts)


def _leans_on_previous(lang: str, text: str) -> bool:
    """The sentence opens with words that lean on the sentence before it (and make a poor title)."""
    opening = anaphoric_opening(lang)
    return opening is not None and opening.match(text) is not None


def _neighbour_bonus(a: GroupFacts, b: GroupFacts) -> float:
    """Neighbours in one report, unless the times they give differ."""
    pairs = [(j - i) for doc_a, i in a.positions for doc_b, j in b.positions if doc_a == doc_b]
    if not pairs or not _same_time(a, b):
        return 0.0
    step = min(pairs, key=abs)
    bonus = _NEIGHBOUR_BONUS.get(abs(step), 0.0)
    later = b if step > 0 else a
    if abs(step) == 1 and _opens_anaphorically(later):
        bonus += _CONTINUATION_BONUS
    return bonus


def _same_time(a: GroupFacts, b: GroupFacts) -> bool:
    """No times to compare, or two that overlap over at least half of the shorter one:
    "last month" after "yesterday" moves the story to another time."""
    if not a.periods or not b.periods:
        return True
    for p in a.periods:
        for q in b.periods:
            overlap = (min(p.end, q.end) - max(p.start, q.start)).days + 1
            if overlap > 0 and 2 * overlap >= min(p.days, q.days):
                return True
    return False


def _centroid_similarity(sums: list[np.ndarray], row: int, weights: list[float]) -> np.ndarray:
    """Weighted cosine between cluster ``row``'s centroid and every cluster's centroid."""
    total = np.zeros(len(sums[0]))
    for weight, summed in zip(weights, sums, strict=True):
        centroids = normalise_rows(summed)
        total += weight * (centroids @ centroids[row])
    return total


def cluster(evidence: Evidence, facts: list[GroupFacts], allowed: np.ndarray, threshold: float) -> list[list[int]]:
    """Agglomerative clustering on centroids, plus the mean bonus between members.

    Centroids, unlike pair averages, let a cluster's shared vocabulary build up as it grows.
    A merge needs every member pair allowed by time, a shared anchor or two neighbours, and,
    between clusters with no report in common, times on both sides: two reports are only
    taken to tell one happening when both say when. Deterministic: equal scores merge
    lowest indices first.
    """
    weights = [weight for weight, _ in evidence.spaces]
    sums = [matrix.copy() for _, matrix in evidence.spaces]
    pairwise = sum(weight * (matrix @ matrix.T) for weight, matrix in evidence.spaces) + evidence.pair_bonus
    size = len(pairwise)
    linkage = pairwise.copy()
    bonus_sum = evidence.pair_bonus.copy()
    can_merge = allowed.copy()
    np.fill_diagonal(can_merge, False)
    neighbours = evidence.pair_bonus > 0
    anchors = list(evidence.anchors)
    documents = [set(f.doc_ids) for f in facts]
    dated = [bool(f.periods) for f in facts]
    members: dict[int, list[int]] = {i: [i] for i in range(size)}

    def acceptable(i: int, j: int) -> bool:
        if not documents[i] & documents[j] and not (dated[i] and dated[j]):
            return False
        return bool(anchors[i] & anchors[j]) or bool(neighbours[i, j])

    while True:
        candidates = np.where(can_merge, linkage, -np.inf)
        pair = None
        for flat in np.argsort(-candidates, axis=None, kind="stable"):
            i, j = divmod(int(flat), size)
            if candidates[i, j] < threshold:
                break
            if acceptable(i, j):
                pair = (min(i, j), max(i, j))
                break
        if pair is None:
            break
        i, j = pair
        for summed in sums:
            summed[i] += summed[j]
            summed[j] = 0.0
        bonus_sum[i, :] += bonus_sum[j, :]
        bonus_sum[:, i] = bonus_sum[i, :]
        can_merge[i, :] &= can_merge[j, :]
        can_merge[:, i] = can_merge[i, :]
        can_merge[j, :] = can_merge[:, j] = False
        can_merge[i, i] = False
        neighbours[i, :] |= neighbours[j, :]
        neighbours[:, i] = neighbours[i, :]
        anchors[i] |= anchors[j]
        documents[i] |= documents[j]
        dated[i] = dated[i] or dated[j]
        members[i] += members.pop(j)
        sizes = np.array([len(members.get(k, ())) or 1 for k in range(size)])
        linkage[i, :] = _centroid_similarity(sums, i, weights) + bonus_sum[i, :] / (len(members[i]) * sizes)
        linkage[:, i] = linkage[i, :]
    return [sorted(m) for m in members.values()]


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


def build_event(cluster_facts: list[GroupFacts]) -> Event:
    centrality = local_centrality(cluster_facts)
    chosen = _title_choice(cluster_facts, centrality)
    period = best_date(cluster_facts, centrality)
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


def cluster_events(facts: list[GroupFacts], config: EventsConfig) -> list[Event]:
    """Events in chronological order (undated ones after dated ones), the background last."""
    if not facts:
        return []
    clusters = cluster(
        gather_evidence(facts), facts, compatibility(facts, config.date_window_days), config.similarity_threshold
    )
    events: list[Event] = []
    background: list[GroupFacts] = []
    for indices in clusters:
        members = [facts[i] for i in indices]
        if is_background(members, config.min_sentences):
            background.extend(members)
        else:
            events.append(build_event(members))
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
        facts = describe_groups(groups, translations, sentences, documents)
        events = cluster_events(facts, ctx.config.events)
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
