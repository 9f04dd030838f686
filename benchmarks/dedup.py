"""Dedup at scale: a synthetic corpus of 10,000 and 20,000 documents made from the seed sentences.

Every original document samples 10-30 seed sentences and mutates each one (about 40% of its
words swapped for other seed words, clauses rotated, numbers redrawn), so originals are
genuinely distinct. One document in ten is a planted near-copy of an original: another
header, doubled spaces, other quote marks, one sentence reworded and one word changed.
The stage runs through its ``run(ctx)`` with its inputs in memory (``StageContext.in_memory``);
wall-clock and CPU seconds are both reported, since on a shared machine the wall clock also
measures the others. Precision and recall
are pairwise over clusters: a pair of documents is "found" when dedup puts them in the same
cluster (one ``duplicate_of`` the other, or both of the same canonical document).

Usage: ``.venv/bin/python benchmarks/dedup.py [--sizes 10000 20000]``. The last line printed
is a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import resource
import time
from itertools import combinations
from pathlib import Path

import numpy as np

from pipeline.config import Config
from pipeline.matching import analyse, hash_tokens, shingle_hashes
from pipeline.records import Document, DocumentDecision, Sentence
from pipeline.stages import dedup
from pipeline.stages.artifacts import DOCUMENTS, SENTENCES
from pipeline.stages.base import StageContext

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_SENTENCE = re.compile(r"\S.*?(?:[.!?][»\"”]?(?=\s|$|[A-ZÉ])|(?=\n)|$)", re.S)
_DIGIT = re.compile(r"\d")
COPY_SHARE = 0.1
WORD_SWAP = 0.4


def seed_material() -> tuple[list[list[str]], list[str]]:
    """Seed sentences (as word lists, five words or more) and the seed vocabulary."""
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        for match in _SENTENCE.finditer(path.read_text(encoding="utf-8")):
            words = match.group(0).split()
            if len(words) >= 5:
                sentences.append(words)
    vocabulary = sorted({w for words in sentences for w in words if w.isalpha()})
    return sentences, vocabulary


def mutate(words: list[str], rng: random.Random, vocabulary: list[str]) -> list[str]:
    out = [rng.choice(vocabulary) if rng.random() < WORD_SWAP else w for w in words]
    out = [str(rng.randrange(2, 5000)) if _DIGIT.search(w) else w for w in out]
    if len(out) > 6 and rng.random() < 0.5:  # clause reordering
        cut = rng.randrange(2, len(out) - 2)
        out = out[cut:] + out[:cut]
    return out


def assemble(doc_id: str, header: str, sentences: list[str], date: str) -> tuple[Document, list[Sentence]]:
    text, records = header + "\n\n", []
    for n, sentence in enumerate(sentences):
        start = len(text)
        text += sentence
        records.append(Sentence(f"{doc_id}:{n}", doc_id, start, len(text), sentence, "fr"))
        text += "\n" if n % 4 == 3 else " "
    document = Document(
        doc_id, f"{doc_id}.txt", hashlib.sha256(text.encode()).hexdigest(), text=text, date=date, lang="fr"
    )
    return document, records


def near_copy(sentences: list[str], rng: random.Random, seeds: list[list[str]], vocabulary: list[str]) -> list[str]:
    """A re-post: one sentence reworded, one word changed, other spaces and quote marks."""
    out = list(sentences)
    out[rng.randrange(len(out))] = " ".join(mutate(rng.choice(seeds), rng, vocabulary)) + "."
    index = rng.randrange(len(out))
    words = out[index].split()
    words[rng.randrange(len(words))] = rng.choice(vocabulary)
    out[index] = " ".join(words)
    return [s.replace("’", "'").replace(" ", "  ") if rng.random() < 0.3 else s for s in out]


def build_corpus(size: int, seed: int) -> tuple[list[Document], list[Sentence], list[list[str]]]:
    """Documents, sentences, and the planted clusters (an original and its copies)."""
    rng = random.Random(seed)
    seeds, vocabulary = seed_material()
    copies = int(size * COPY_SHARE)
    documents, sentences, texts, clusters = [], [], [], {}
    for n in range(size):
        doc_id = hashlib.sha1(f"{seed}:{n}".encode()).hexdigest()[:12]
        date = f"2023-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        if n < size - copies:
            body = [" ".join(mutate(rng.choice(seeds), rng, vocabulary)) + "." for _ in range(rng.randrange(10, 31))]
            header = f" date {date[:7]} Publicité"
            clusters[n] = [doc_id]
        else:
            source = rng.randrange(size - copies)
            body = near_copy(texts[source], rng, seeds, vocabulary)
            header = f" date {date[:7]} Photo : AFP"
            clusters[source].append(doc_id)
        texts.append(body)
        document, found = assemble(doc_id, header, body, date)
        documents.append(document)
        sentences.extend(found)
    order = list(range(size))
    rng.shuffle(order)  # copies are not at the end of the input
    return [documents[i] for i in order], sentences, [c for c in clusters.values() if len(c) > 1]


def planted_jaccard(documents: list[Document], sentences: list[Sentence], clusters: list[list[str]]) -> float:
    """Mean true Jaccard of the 5-gram shingle sets of planted pairs: how hard the pairs are."""
    by_doc: dict[str, list[str]] = {}
    for sentence in sentences:
        by_doc.setdefault(sentence.doc_id, []).append(sentence.text)
    vocabulary: dict[str, int] = {}

    def shingles(doc_id: str) -> set[int]:
        tokens = tuple(t for text in by_doc[doc_id] for t in analyse(text, "fr").tokens)
        return set(shingle_hashes(np.array(hash_tokens(tokens, vocabulary), dtype=np.uint32), 5).tolist())

    values = []
    for cluster in clusters[:300]:
        left, right = shingles(cluster[0]), shingles(cluster[1])
        values.append(len(left & right) / len(left | right))
    return sum(values) / len(values)


def cluster_pairs(clusters: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for cluster in clusters for pair in combinations(sorted(cluster), 2)}


def run_once(size: int, seed: int) -> dict[str, float]:
    documents, sentences, planted = build_corpus(size, seed)
    ctx = StageContext.in_memory(Config(), {DOCUMENTS: documents, SENTENCES: sentences})
    started, cpu_started = time.perf_counter(), time.process_time()
    output = dedup.run(ctx)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    decisions: list[DocumentDecision] = output.artifacts["documents"]  # type: ignore[assignment]
    found: dict[str, list[str]] = {}
    for decision in decisions:
        found.setdefault(decision.duplicate_of or decision.doc_id, []).append(decision.doc_id)
    predicted = cluster_pairs([c for c in found.values() if len(c) > 1])
    expected = cluster_pairs(planted)
    hits = len(predicted & expected)
    result = {
        "documents": size,
        "sentences": len(sentences),
        "seconds": round(seconds, 2),
        "docs_per_s": round(size / seconds, 1),
        "cpu_seconds": round(cpu_seconds, 2),  # the stage's own CPU time: less affected by a shared machine
        "groups": output.counts["groups"],
        "planted_pairs": len(expected),
        "predicted_pairs": len(predicted),
        "precision": round(hits / len(predicted), 4) if predicted else 1.0,
        "recall": round(hits / len(expected), 4) if expected else 1.0,
        "planted_mean_jaccard": round(planted_jaccard(documents, sentences, planted), 3),
    }
    print(json.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 20_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    small, large = (run_once(size, args.seed) for size in args.sizes)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(
        f"{small['docs_per_s']} docs/s at {small['documents']}, {large['docs_per_s']} docs/s at "
        f"{large['documents']}; precision {large['precision']}, recall {large['recall']}; peak RSS {peak_mb:.0f} MB"
    )
    print(
        json.dumps(
            {
                "docs_per_s_10k": small["docs_per_s"],
                "docs_per_s_20k": large["docs_per_s"],
                "time_ratio_20k_10k": round(large["seconds"] / small["seconds"], 3),
                "cpu_docs_per_s_10k": round(small["documents"] / small["cpu_seconds"], 1),
                "cpu_docs_per_s_20k": round(large["documents"] / large["cpu_seconds"], 1),
                "cpu_time_ratio_20k_10k": round(large["cpu_seconds"] / small["cpu_seconds"], 3),
                "precision": min(small["precision"], large["precision"]),
                "recall": min(small["recall"], large["recall"]),
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
