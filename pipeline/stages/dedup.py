"""Dedup: duplicate documents, and groups of sentences that say the same thing, before translation.

Documents: exact duplicates have the same normalised sentences (so headers and ad lines that
ingest removed do not matter); near-duplicates reproduce the bulk of another document: the
containment |A∩B| / min(|A|, |B|) of their word-shingle sets reaches ``doc_containment``.
Containment, not Jaccard, because a wire core inside a longer page (or a short page carrying
the first paragraphs of a dispatch) has a low Jaccard with it. Candidates come from MinHash +
LSH over the shingles (whole-document copies) and from sentences the documents share (a
sentence group spanning both), so no pair of documents is compared unless they share text;
each candidate is then verified on its exact shingle sets. Each cluster keeps its earliest
dated, then longest, document as canonical; the others are ``duplicate_of`` it.

Sentences: every sentence of every document (duplicates included, so every source can be
cited) joins one group: the same after normalisation, or near-identical (token similarity
>= ``sentence_threshold``) with no veto (numbers, names, negation). Each group is one
representative to translate. The stage is a batch function of its input records with no
state between calls; orderings come from content only, so shuffled input gives the same output.

Scale: per-document and per-sentence work (``analyse``, signatures) is a map over records;
the only all-to-all step is the LSH bucket sort in ``pipeline.matching.lsh_candidate_pairs``
(for documents in ``_decide_documents``, for sentences in ``_sentence_candidates``), which a
cluster would run as a shuffle on the band keys. Sentences are never compared all-pairs:
exact keys are dict buckets and near-identical ones come from LSH candidates. The map is not
run through ``datasets.Dataset.map(num_proc=2)``: analysing a sentence costs about 25 µs,
and sending the results back through Arrow cost the parent process more CPU than analysing
them serially (measured on 160,000 sentences: 5.7 s in the parent alone vs 4.8 s serial).
"""

from __future__ import annotations

import gc
import hashlib
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.config import DedupConfig
from pipeline.matching import (
    MatchText,
    SimilarityTo,
    analyse,
    block_key,
    estimated_jaccard,
    hash_tokens,
    lsh_candidate_pairs,
    minhash_signatures,
    number_values,
    shingle_hashes,
    veto,
)
from pipeline.records import Document, DocumentDecision, Sentence, SentenceGroup
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS, GROUPS, SENTENCES
from pipeline.stages.base import Artifact, Progress, ProgressFactory, Stage, StageContext, StageOutput, no_progress

VERSION = "1"

# Near-identical sentence candidates: 16 bands of 8 rows over the token set find a pair with
# Jaccard 0.8 with probability 0.95 (0.85: 0.994), a pair at 0.5 with probability 0.06 and
# one at 0.3 with 0.001. A pair whose token similarity reaches 0.85 has a Jaccard of about
# 0.7 or more, so candidates whose estimate is under SENTENCE_FLOOR are dropped unverified.
SENTENCE_BANDS = 16
SENTENCE_ROWS = 8
SENTENCE_FLOOR = 0.5
PAIR_CHUNK = 1 << 16  # candidate pairs whose signatures are compared at once
MAX_NOTES = 50  # one note per merged document, up to this many; `pipeline inspect` has them all
# A shared sentence makes two documents candidates only if it has this many words (short lines
# such as quotes of three words are repeated by independent reports) and appears in at most
# MAX_SHARED_DOCUMENTS documents (a line in many documents is a stock phrase, not a copy).
MIN_SHARED_TOKENS = 8
MAX_SHARED_DOCUMENTS = 30


@dataclass
class _Doc:
    document: Document
    sentences: list[Sentence]  # in document order
    features: list[MatchText]
    token_count: int = 0
    exact_key: str | None = None  # hash of the normalised sentences; None when it has no words

    def __post_init__(self) -> None:
        keys = [f.key for f in self.features if f.tokens]
        self.token_count = sum(len(f.tokens) for f in self.features)
        self.exact_key = hashlib.sha1("\n".join(keys).encode()).hexdigest() if keys else None


class _TokenHashes:
    """32-bit hashes of each distinct sentence's tokens, computed once for documents and sentences."""

    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}
        self._by_key: dict[str, np.ndarray] = {}

    def __call__(self, features: MatchText) -> np.ndarray:
        found = self._by_key.get(features.key)
        if found is None:
            found = np.array(hash_tokens(features.tokens, self._vocabulary), dtype=np.uint32)
            self._by_key[features.key] = found
        return found


def run(ctx: StageContext) -> StageOutput:
    documents = [d for d in ctx.read(DOCUMENTS) if not d.skipped]
    sentences = ctx.read(SENTENCES)
    return deduplicate(documents, sentences, ctx.config.dedup, ctx.progress)


def deduplicate(
    documents: list[Document], sentences: list[Sentence], config: DedupConfig, progress: ProgressFactory = no_progress
) -> StageOutput:
    """Document decisions and sentence groups for one batch of (non-skipped) documents."""
    with _cyclic_gc_paused():
        docs, orphans = _collect(documents, sentences, progress)
        token_hashes = _TokenHashes()
        keys, clusters = _cluster_sentences(docs, config, token_hashes, progress)
        decisions = _decide_documents(docs, config, token_hashes, _shared_sentence_pairs(keys, clusters))
        duplicates = {d.doc_id for d in decisions if d.duplicate_of}
        groups = sorted(
            (_make_group(docs, duplicates, [keys[m] for m in members], lowest) for members, lowest in clusters),
            key=lambda g: g.group_id,
        )
    counts: dict[str, Any] = {
        "documents": len(docs),
        "kept": len(docs) - len(duplicates),
        "duplicates": len(duplicates),
        "exact": sum(d.method == "exact" for d in decisions),
        "near": sum(d.method == "minhash" for d in decisions),
        "contained": sum(d.method == "containment" for d in decisions),
        "sentences": sum(len(d.sentences) for d in docs),
        "groups": len(groups),
    }
    notes = [_note(d) for d in decisions if d.duplicate_of]
    if len(notes) > MAX_NOTES:
        notes = [*notes[:MAX_NOTES], f"... and {len(notes) - MAX_NOTES} more duplicate documents"]
    if orphans:
        notes.append(f"{orphans} sentences name no usable document and were left out")
    return StageOutput(artifacts={"documents": decisions, "groups": groups}, counts=counts, notes=notes)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the batch runs, then restore it.

    The stage allocates millions of small objects that form no reference cycles (reference
    counting frees them); the cyclic collector would rescan all of them again and again,
    which made the stage's time grow faster than the corpus (measured: 2x the documents, 4x
    the time). Nothing else runs in the process meanwhile: stages run one at a time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def inspect_rows(rows: Callable[[Artifact[Any]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """`pipeline inspect RUN dedup`: documents first, then groups, each tagged with its kind."""
    documents = [{"kind": "document", **row} for row in rows(DECISIONS)]
    groups = [{"kind": "group", **row} for row in rows(GROUPS)]
    return documents + groups


def _note(decision: DocumentDecision) -> str:
    if decision.method == "exact":
        return f"{decision.doc_id} is an exact duplicate of {decision.duplicate_of}"
    return (
        f"{decision.doc_id} is a near-duplicate of {decision.duplicate_of} "
        f"(containment {decision.containment or 0:.2f}, Jaccard {decision.similarity or 0:.2f})"
    )


def _collect(documents: list[Document], sentences: list[Sentence], progress: ProgressFactory) -> tuple[list[_Doc], int]:
    """Documents in priority order (earliest dated, then longest, then doc_id) with their sentences."""
    by_doc: dict[str, list[Sentence]] = {d.doc_id: [] for d in documents}
    orphans = 0
    for sentence in sentences:
        if sentence.doc_id in by_doc:
            by_doc[sentence.doc_id].append(sentence)
        else:
            orphans += 1
    cache: dict[tuple[str, str | None], MatchText] = {}  # copies repeat sentences: analyse each text once
    docs = []
    with progress("dedup: reading sentences", len(sentences)) as bar:
        for document in documents:
            members = sorted(by_doc[document.doc_id], key=lambda s: (s.start, s.sentence_id))
            features = []
            for sentence in members:
                lang = sentence.lang or document.lang
                found = cache.get((sentence.text, lang))
                if found is None:
                    found = cache[(sentence.text, lang)] = analyse(sentence.text, lang)
                features.append(found)
            docs.append(_Doc(document, members, features))
            bar.advance(len(members))
    docs.sort(key=lambda d: (d.document.date is None, d.document.date or "", -d.token_count, d.document.doc_id))
    return docs, orphans


def _roots(count: int, edges: list[tuple[int, int]]) -> list[int]:
    """Connected components; each item maps to the smallest index of its component."""
    parent = list(range(count))

    def find(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for left, right in edges:
        a, b = find(left), find(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(count)]


def _decide_documents(
    docs: list[_Doc], config: DedupConfig, token_hashes: _TokenHashes, shared: set[tuple[int, int]]
) -> list[DocumentDecision]:
    """Exact copies by key; near-duplicates by verified shingle containment of candidate pairs.

    ``shared`` holds (rank, rank) pairs of documents that share a sentence group.
    """
    keys = [d.exact_key for d in docs]
    first_with_key: dict[str, int] = {}
    edges: list[tuple[int, int]] = []
    for index, key in enumerate(keys):
        if key is not None:
            first = first_with_key.setdefault(key, index)
            if first != index:
                edges.append((first, index))
    distinct = sorted(first_with_key.values())  # exact copies need no signature of their own
    shingles: dict[int, np.ndarray] = {
        i: shingle_hashes(np.concatenate([token_hashes(f) for f in docs[i].features if f.tokens]), config.shingle_size)
        for i in distinct
    }
    signatures = np.zeros((len(docs), config.bands * config.rows), dtype=np.uint32)
    candidates = {(a, b) for a, b in shared if a in shingles and b in shingles}
    if shingles:
        values = [shingles[i] for i in distinct]
        signatures[distinct] = minhash_signatures(
            np.concatenate(values), np.array([len(v) for v in values]), config.bands * config.rows, config.seed
        )
        pairs = np.array(distinct)[lsh_candidate_pairs(signatures[distinct], config.bands, config.rows)]
        candidates.update((int(a), int(b)) for a, b in pairs)
    sets = {i: np.unique(v) for i, v in shingles.items()}
    candidates.update(_shared_shingle_pairs(sets))
    overlap: dict[tuple[int, int], tuple[float, float]] = {}  # (containment, Jaccard) of verified pairs
    for pair in sorted(candidates):
        overlap[pair] = measured = _overlap(sets[pair[0]], sets[pair[1]])
        if measured[0] >= config.doc_containment or measured[1] >= config.doc_threshold:
            edges.append(pair)
    roots = _roots(len(docs), edges)  # transitive duplicates resolve to one canonical document
    decisions = []
    for index, doc in enumerate(docs):
        root = roots[index]
        if root == index:
            decisions.append(DocumentDecision(doc.document.doc_id))
        elif keys[index] == keys[root]:
            decisions.append(DocumentDecision(doc.document.doc_id, docs[root].document.doc_id, 1.0, "exact", 1.0))
        else:
            pair = (min(root, index), max(root, index))
            own_key = keys[index]
            base = first_with_key[own_key] if own_key is not None else index
            found = overlap.get(pair) or _overlap(sets[min(root, base)], sets[max(root, base)])
            containment, jaccard = found
            method = "minhash" if jaccard >= config.doc_threshold else "containment"
            decisions.append(
                DocumentDecision(
                    doc.document.doc_id, docs[root].document.doc_id, round(jaccard, 4), method, round(containment, 4)
                )
            )
    return sorted(decisions, key=lambda d: d.doc_id)


def _shared_shingle_pairs(sets: dict[int, np.ndarray], min_shared: int = 3) -> set[tuple[int, int]]:
    """Pairs of documents sharing ``min_shared`` shingles that are in at most MAX_SHARED_DOCUMENTS documents.

    An inverted index sorted by shingle: edited copies share few whole sentences but many 5-grams.
    """
    if len(sets) < 2:
        return set()
    owners = np.concatenate([np.full(len(v), i, dtype=np.int64) for i, v in sets.items()])
    values = np.concatenate(list(sets.values()))
    order = np.argsort(values, kind="stable")
    values, owners = values[order], owners[order]
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    keep = counts[inverse] <= MAX_SHARED_DOCUMENTS
    values, owners = values[keep], owners[keep]
    size = int(owners.max()) + 1 if len(owners) else 1
    # pairs are counted one distance in the sorted index at a time and folded into the running
    # counts: the co-occurrences of all distances at once (an archive of recombined reports
    # shares most shingles ten ways) took gigabytes on 50 MB
    codes, shared = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    for distance in range(1, MAX_SHARED_DOCUMENTS):
        same = values[distance:] == values[:-distance]
        if not same.any():
            break
        left, right = owners[:-distance][same], owners[distance:][same]
        found, counts = np.unique(np.minimum(left, right) * size + np.maximum(left, right), return_counts=True)
        codes, inverse = np.unique(np.concatenate([codes, found]), return_inverse=True)
        shared = np.bincount(inverse, weights=np.concatenate([shared, counts])).astype(np.int64)
    codes = codes[shared >= min_shared]
    return {(int(c // size), int(c % size)) for c in codes}


def _overlap(left: np.ndarray, right: np.ndarray) -> tuple[float, float]:
    """Containment (|A∩B| / min(|A|, |B|)) and Jaccard of two sorted sets of shingle hashes."""
    if len(left) == 0 or len(right) == 0:
        return 0.0, 0.0
    shared = len(np.intersect1d(left, right, assume_unique=True))
    return shared / min(len(left), len(right)), shared / (len(left) + len(right) - shared)


def _shared_sentence_pairs(keys: list[_Key], clusters: list[tuple[list[int], float]]) -> set[tuple[int, int]]:
    """Pairs of document ranks (low, high) that share a sentence group of a substantial sentence."""
    pairs: set[tuple[int, int]] = set()
    for members, _ in clusters:
        if len(keys[members[0]].features.tokens) < MIN_SHARED_TOKENS:
            continue
        ranks = sorted({rank for m in members for rank, _ in keys[m].members})
        if 1 < len(ranks) <= MAX_SHARED_DOCUMENTS:
            pairs.update(itertools.combinations(ranks, 2))
    return pairs


@dataclass
class _Key:
    """One distinct normalised sentence and the sentences that have it."""

    lang: str | None
    match_key: str  # the normalised tokens, or the stripped text of a sentence with no words
    features: MatchText
    text: str  # the text of its first member (in document priority order), for the number veto
    members: list[tuple[int, int]]  # (document rank, sentence index in that document)

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (-len(self.members), self.lang or "", self.match_key)


def _cluster_sentences(
    docs: list[_Doc], config: DedupConfig, token_hashes: _TokenHashes, progress: ProgressFactory
) -> tuple[list[_Key], list[tuple[list[int], float]]]:
    """Distinct sentence keys (priority order) and their clusters (key indices, lowest similarity)."""
    by_key: dict[tuple[str | None, str], _Key] = {}  # a sentence with no words matches on its exact text
    for rank, doc in enumerate(docs):
        for index, (sentence, features) in enumerate(zip(doc.sentences, doc.features, strict=True)):
            lang = sentence.lang or doc.document.lang
            bucket = (lang, features.key if features.tokens else sentence.text.strip())
            entry = by_key.get(bucket)
            if entry is None:
                entry = by_key[bucket] = _Key(lang, bucket[1], features, sentence.text, [])
            entry.members.append((rank, index))
    keys = sorted(by_key.values(), key=lambda k: k.sort_key)  # priority: most repeated first
    neighbours = _sentence_candidates(keys, token_hashes, config.seed)
    with progress("dedup: grouping sentences", len(keys)) as bar:
        clusters = _star_clusters(keys, neighbours, config.sentence_threshold, bar)
    return keys, clusters


def _star_clusters(
    keys: list[_Key], neighbours: dict[int, np.ndarray], threshold: float, bar: Progress
) -> list[tuple[list[int], float]]:
    """Clusters of keys (indices, the representative first) and each one's lowest similarity.

    In priority order, a key not yet taken becomes a representative and takes its candidates
    that are similar enough and pass the vetoes. Every member is verified against the
    representative itself, so similarity does not drift along a chain of small changes.
    """
    numbers: dict[int, frozenset[str]] = {}  # the number veto's parser is slow: only for candidates

    def numbers_of(index: int) -> frozenset[str]:
        if index not in numbers:
            numbers[index] = number_values(keys[index].text, keys[index].lang)
        return numbers[index]

    clusters = []
    taken = [False] * len(keys)
    for center, key in enumerate(keys):
        if center % 1000 == 999:
            bar.advance(1000)
        if taken[center]:
            continue
        taken[center] = True
        members, lowest = [center], 1.0
        candidates = [other for other in map(int, neighbours.get(center, ())) if not taken[other]]
        similarity_to_center = SimilarityTo(key.features.tokens) if candidates else None
        for other in candidates:
            similarity = similarity_to_center(keys[other].features.tokens, threshold)  # type: ignore[misc]
            if similarity < threshold:
                continue
            if veto(key.features, keys[other].features, numbers_of(center), numbers_of(other)):
                continue
            taken[other] = True
            members.append(other)
            lowest = min(lowest, similarity)
        clusters.append((members, lowest))
    bar.advance(len(keys) % 1000)
    return clusters


def _sentence_candidates(keys: list[_Key], token_hashes: _TokenHashes, seed: int) -> dict[int, np.ndarray]:
    """For each key, later keys (by priority) that LSH says may be near-identical to it."""
    hashed = [i for i, k in enumerate(keys) if k.features.tokens]
    if len(hashed) < 2:
        return {}
    sets = [token_hashes(keys[i].features) for i in hashed]
    signatures = minhash_signatures(
        np.concatenate(sets), np.array([len(hs) for hs in sets]), SENTENCE_BANDS * SENTENCE_ROWS, seed
    )
    # numbers and negation must be equal for a merge, so they are part of the bucket key
    blocks = np.array(
        [block_key(keys[i].lang, keys[i].features.digits, keys[i].features.negations) for i in hashed], dtype=np.uint64
    )
    pairs = lsh_candidate_pairs(signatures, SENTENCE_BANDS, SENTENCE_ROWS, blocks)
    # a slice of pairs at a time: both sides' signatures for every pair at once can be gigabytes
    close = np.zeros(len(pairs), dtype=bool)
    for lo in range(0, len(pairs), PAIR_CHUNK):
        part = pairs[lo : lo + PAIR_CHUNK]
        estimate = estimated_jaccard(signatures[part[:, 0]], signatures[part[:, 1]])
        close[lo : lo + PAIR_CHUNK] = estimate >= SENTENCE_FLOOR
    pairs = np.array(hashed)[pairs[close]]  # still sorted by (low, high)
    lows, starts = np.unique(pairs[:, 0], return_index=True)
    highs = np.split(pairs[:, 1], starts[1:]) if len(pairs) else []
    # arrays, not lists: millions of candidate pairs as Python ints are hundreds of megabytes
    return {int(low): later for low, later in zip(lows, highs, strict=True)}


def _make_group(docs: list[_Doc], duplicates: set[str], keys: list[_Key], similarity: float) -> SentenceGroup:
    center = keys[0]
    # the representative comes from a kept document when one has it, earliest first
    rank, index = min(center.members, key=lambda m: (docs[m[0]].document.doc_id in duplicates, m))
    representative = docs[rank].sentences[index]
    members = [docs[r].sentences[i] for key in keys for r, i in key.members]
    if len(members) > 1:
        members.sort(key=lambda s: (s.doc_id, s.start, s.sentence_id))
    identity = f"{center.lang or ''}\0{center.match_key}"
    return SentenceGroup(
        group_id="g" + hashlib.sha1(identity.encode()).hexdigest()[:16],
        representative=representative.sentence_id,
        sentence_ids=[s.sentence_id for s in members],
        text=representative.text,
        lang=center.lang,
        similarity=round(similarity, 4),
    )


STAGE = Stage(
    "dedup",
    VERSION,
    run,
    config_sections=("dedup",),
    reads=(DOCUMENTS, SENTENCES),
    writes=(DECISIONS, GROUPS),
    inspect=inspect_rows,
)
