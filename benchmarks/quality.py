"""Digest quality on the seeds and on the labelled dev corpus: one JSON line per corpus.

Runs the whole pipeline offline with a tiny random MarianMT model (built once, like the test
suite builds it, and kept in ``<out>/tiny-marian``) and a translation memory that supplies the
English: ``seeds/seeds_en.tmx`` for the seeds, ``<corpus>/memory_en.jsonl`` for the dev
corpus. Then it scores the digest:

- ``bcubed``: BCubed precision/recall/F1 of the cited sentences of every section against gold
  labels. Dev corpus: a sentence's gold label is its document's ``event``; a sentence placed in a
  section whose dominant label is one of its document's ``other_events`` counts as that event
  (the report also states facts of it). Seeds: the key phrases of tests/fixtures/seed_events.yaml.
  Cited sentences of the background section, and gold background sentences, are singletons.
- ``sections_per_event``: non-background sections / gold events; ``events_found``: gold events
  that are the dominant label of at least one section; ``single_document_share``: share of
  non-background sections built from one document.
- ``dates_right``: share of labelled sections whose date is the date of their dominant gold event
  (same day within 2 days; same month where the gold date is month-precise).
- ``near_duplicates``: recall of labels.json near_duplicate_pairs among the dedup stage's
  clusters (``DocumentDecision.duplicate_of``), false merges across events, and merges of two
  reports of one event that are not near-copies.
- ``furniture``: section titles and bullets citing page furniture (the hand-checked fragments in
  benchmarks/data/furniture_fr.txt, plus generic signals: links, credits, "read more").
- ``redundant_bullets``: pairs of bullets of one section that state the same claim: one is
  supported by the other's citations (the transparent checker), so it adds nothing, or their
  content words overlap strongly (Jaccard >= 0.6).
- ``evaluate``: support rate of ``pipeline evaluate`` on the digest and its false-flag rate: the
  share of bullets that are an exact copy of one of their cited translations yet are judged
  unsupported. Only copies of reference English (translation memory) count: the tiny model's
  output for a sentence the memory lacks is gibberish, rightly flagged.
- ``memory``: French sentences of the run and how many have no English in the memory. When the
  sentence splitter changed, dev sentences are re-aligned to memory entries (a sentence that is
  most of one entry takes its English; one made of consecutive entries takes theirs joined), and
  the re-aligned memory is written to ``<out>/dev/memory_aligned.jsonl`` and used.

Metrics that need labels are null where there are none.

Usage (from the repo root): ``.venv/bin/python benchmarks/quality.py [--corpus DIR] [--out DIR]
[--only seeds|dev]``. Reruns reuse the model and the translation cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import yaml  # noqa: E402
from filelock import FileLock  # noqa: E402

from pipeline.config import Config, with_overrides  # noqa: E402
from pipeline.faithfulness.checker import TransparentChecker  # noqa: E402
from pipeline.faithfulness.evaluate import evaluate_path  # noqa: E402
from pipeline.features import content_words  # noqa: E402
from pipeline.records import Citation, DocumentDecision, Sentence, Translation  # noqa: E402
from pipeline.runner import ArtifactStore, run_pipeline  # noqa: E402
from pipeline.translation.memory import TranslationMemory, normalise  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tiny test model is built by tests.support
SEEDS = ROOT / "seeds"
SEED_MEMORY = ROOT / "seeds" / "seeds_en.tmx"
SEED_GOLD = ROOT / "tests" / "fixtures" / "seed_events.yaml"
FURNITURE = Path(__file__).resolve().parent / "data" / "furniture_fr.txt"
DATE_TOLERANCE_DAYS = 2
REDUNDANT_JACCARD = 0.6
# Generic signs of page furniture in a French source sentence or its English.
_FURNITURE_SIGNALS = re.compile(
    r"https?://|pic\.twitter|©|\(\s*[A-Z]+\s*/|lire (la suite|aussi)|read (more|also)|cookies?\b"
    r"|abonn|newsletter|publicité|advertisement|^\s*date \d{4}-\d{2}\s*$|^\W*\d*\W*$",
    re.IGNORECASE,
)
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}


def tiny_model(out: Path) -> Path:
    """The tiny random MarianMT model of the test suite, built once per output folder."""
    model_dir = out / "tiny-marian"
    out.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out / "tiny-marian.lock")):
        if not (model_dir / "config.json").is_file():
            from tests.support.random_model import build_random_marian

            texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
            build_random_marian(model_dir, texts)
    return model_dir


def run(inputs: Path, run_dir: Path, model: Path, memory: Path, until: str | None = None) -> None:
    """Every stage is redone (a stage's code may have changed without its VERSION); the
    translation cache in the run folder keeps it quick."""
    config = with_overrides(Config(), models={"fr": str(model)}, memory=str(memory))
    config = dataclasses.replace(config, cache=str(run_dir / "translations.sqlite"))
    run_pipeline([inputs], run_dir, config, until=until, force=True)


# --- translation memory -------------------------------------------------------------------


def align_memory(sentences: list[Sentence], memory_path: Path, target: Path) -> dict[str, int]:
    """Write ``target``: the dev memory plus an entry for each French sentence whose text changed."""
    entries = [json.loads(line) for line in memory_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_source = {normalise(e["source"]): e["translation"] for e in entries}
    french = [s for s in sentences if s.lang == "fr"]
    added: dict[str, str] = {}
    exact = missing = 0
    for sentence in french:
        key = normalise(sentence.text)
        if key in by_source:
            exact += 1
            continue
        english = _realigned(key, entries)
        if english is None:
            missing += 1
        else:
            added[sentence.text] = english
    rows = entries + [{"source": s, "translation": t} for s, t in added.items()]
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"french_sentences": len(french), "exact": exact, "realigned": len(added), "missing": missing}


def _realigned(key: str, entries: list[dict[str, str]]) -> str | None:
    sources = [normalise(e["source"]) for e in entries]
    # a trimmed sentence: most of one entry
    for source, entry in zip(sources, entries, strict=True):
        if key in source and len(key) >= 0.8 * len(source):
            return entry["translation"]
    # a sentence the splitter no longer cuts: consecutive entries that make up most of it
    covered, parts = 0, []
    for source, entry in zip(sources, entries, strict=True):
        if len(source) > 10 and source in key:
            covered += len(source)
            parts.append((key.index(source), entry["translation"]))
    if parts and covered >= 0.8 * len(key):
        return " ".join(t for _, t in sorted(parts))
    return None


def memory_misses(sentences: list[Sentence], memory_path: Path) -> dict[str, int]:
    memory = TranslationMemory.load(memory_path)
    french = [s for s in sentences if s.lang == "fr"]
    missing = sum(1 for s in french if memory.lookup(s.text, "fr") is None)
    return {"french_sentences": len(french), "missing": missing}


# --- labels ---------------------------------------------------------------------------------


def gold_date(label: str) -> tuple[date, bool] | None:
    """The date an event label names and whether it is day-precise."""
    day = re.search(r"(\d{4})-(\d{2})-(\d{2})$", label)
    if day:
        return date(int(day[1]), int(day[2]), int(day[3])), True
    month = re.search(r"([a-z]{3})_(\d{4})$", label)
    if month and month[1] in _MONTHS:
        return date(int(month[2]), _MONTHS[month[1]], 1), False
    return None


def date_right(predicted: str | None, label: str) -> bool | None:
    gold = gold_date(label)
    if gold is None:
        return None
    if not predicted:
        return False
    when, day_precise = gold
    parts = [int(p) for p in predicted.split("-")]
    if not day_precise:
        return len(parts) >= 2 and (parts[0], parts[1]) == (when.year, when.month)
    if len(parts) < 3:
        return False
    return abs((date(*parts[:3]) - when).days) <= DATE_TOLERANCE_DAYS


def seed_labels(sentences: list[Sentence]) -> dict[str, set[str]]:
    """sentence_id -> its gold events (one), background sentences as their own singleton."""
    gold = yaml.safe_load(SEED_GOLD.read_text(encoding="utf-8"))
    phrases = [(name, p) for name, listed in gold["events"].items() for p in listed]
    phrases += [(None, p) for p in gold["background"]]
    labels: dict[str, set[str]] = {}
    for name, phrase in phrases:
        for sentence in sentences:
            if phrase in sentence.text:
                labels[sentence.sentence_id] = {name or f"background:{sentence.sentence_id}"}
    return labels


def dev_labels(sentences: list[Sentence], doc_files: dict[str, str], labels: dict[str, Any]) -> dict[str, set[str]]:
    """sentence_id -> {main event, other events} of its document; the main event listed first."""
    by_file = {d["file"]: d for d in labels["documents"]}
    out: dict[str, set[str]] = {}
    for sentence in sentences:
        doc = by_file.get(doc_files.get(sentence.doc_id, ""))
        if doc is not None:
            out[sentence.sentence_id] = {doc["event"], *doc["other_events"]}
    return out


def main_label(
    sentence_id: str,
    sentences: dict[str, Sentence],
    doc_files: dict[str, str],
    labels: dict[str, Any] | None,
    gold: dict[str, set[str]],
) -> str:
    if labels is None:
        return next(iter(gold[sentence_id]))
    by_file = {d["file"]: d["event"] for d in labels["documents"]}
    return by_file[doc_files[sentences[sentence_id].doc_id]]


# --- scores ---------------------------------------------------------------------------------


def bcubed(gold: dict[str, str], predicted: dict[str, str]) -> dict[str, float | None]:
    items = sorted(set(gold) & set(predicted))
    if not items:
        return {"precision": None, "recall": None, "f1": None, "sentences": 0}
    clusters: dict[str, list[str]] = defaultdict(list)
    classes: dict[str, list[str]] = defaultdict(list)
    for item in items:
        clusters[predicted[item]].append(item)
        classes[gold[item]].append(item)
    precision = recall = 0.0
    for item in items:
        both = sum(1 for other in clusters[predicted[item]] if gold[other] == gold[item])
        precision += both / len(clusters[predicted[item]])
        recall += both / len(classes[gold[item]])
    p, r = precision / len(items), recall / len(items)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4),
        "sentences": len(items),
    }


def score_sections(
    digest: dict[str, Any], gold: dict[str, set[str]], main: dict[str, str], gold_events: list[str]
) -> dict[str, Any]:
    """BCubed, sections per event, single-document share and dates of the digest's sections."""
    predicted: dict[str, str] = {}
    sections = [e for e in digest["events"] if not e["background"]]
    dominant: dict[str, str | None] = {}
    for event in digest["events"]:
        cited = list(dict.fromkeys(c["sentence_id"] for s in event["summary"] for c in s["citations"]))
        for sentence_id in cited:
            predicted.setdefault(sentence_id, f"background:{sentence_id}" if event["background"] else event["event_id"])
        votes = Counter(main[s] for s in cited if s in main and not main[s].startswith("background:"))
        dominant[event["event_id"]] = votes.most_common(1)[0][0] if votes and not event["background"] else None
    # a sentence whose document also reports the section's dominant event counts as that event
    resolved = {}
    for sentence_id, labels in gold.items():
        section = predicted.get(sentence_id)
        label = dominant.get(section) if section else None
        resolved[sentence_id] = label if label in labels else main[sentence_id]
    labelled = [(e, label) for e in sections if (label := dominant[e["event_id"]])]
    judged = [date_right(e["date"], label) for e, label in labelled]
    judged_dates = [j for j in judged if j is not None]
    doc_count = [len({c["doc_id"] for s in e["summary"] for c in s["citations"]}) for e in sections]
    return {
        "bcubed": bcubed(resolved, predicted),
        "sections": len(sections),
        "gold_events": len(gold_events),
        "sections_per_event": round(len(sections) / len(gold_events), 3) if gold_events else None,
        "events_found": len({d for d in dominant.values() if d}) if gold_events else None,
        "single_document_share": round(sum(1 for n in doc_count if n == 1) / len(sections), 3) if sections else None,
        "dates_right": round(sum(judged_dates) / len(judged_dates), 3) if judged_dates else None,
        "dates_judged": len(judged_dates),
        "dates_wrong": [
            f"{e['date']} for {label}" for (e, label), j in zip(labelled, judged, strict=True) if j is False
        ][:12],
    }


def score_dedup(decisions: list[DocumentDecision], doc_files: dict[str, str], labels: dict[str, Any]) -> dict[str, Any]:
    def root(doc_id: str) -> str:
        seen = set()
        while parent.get(doc_id) and doc_id not in seen:
            seen.add(doc_id)
            doc_id = parent[doc_id]  # type: ignore[assignment]
        return doc_id

    parent = {d.doc_id: d.duplicate_of for d in decisions}
    files = {doc_id: doc_files[doc_id] for doc_id in parent if doc_id in doc_files}
    cluster = {files[d]: root(d) for d in files}
    event = {d["file"]: d["event"] for d in labels["documents"]}
    gold_pairs = {frozenset((p["a"], p["b"])) for p in labels["near_duplicate_pairs"]}
    merged = {frozenset(pair) for pair in combinations(sorted(cluster), 2) if cluster[pair[0]] == cluster[pair[1]]}
    found = gold_pairs & merged
    across = sorted(" ".join(sorted(p)) for p in merged if len({event.get(f) for f in p}) > 1)
    within = sorted(" ".join(sorted(p)) for p in merged - gold_pairs if len({event.get(f) for f in p}) == 1)
    return {
        "pairs": len(gold_pairs),
        "recall": round(len(found) / len(gold_pairs), 3) if gold_pairs else None,
        "missed": sorted(" ".join(sorted(p)) for p in gold_pairs - merged),
        "false_merges_across_events": len(across),
        "across": across,
        "merged_not_near_duplicates": len(within),
        "within": within,
    }


def furniture_fragments() -> list[str]:
    lines = FURNITURE.read_text(encoding="utf-8").splitlines()
    return [normalise(line) for line in lines if line.strip() and not line.startswith("#")]


def is_furniture(citations: list[dict[str, Any]], english: str, fragments: list[str]) -> bool:
    sources = [normalise(c["source_text"]) for c in citations]
    if any(f in s for s in sources for f in fragments):
        return True
    return any(_FURNITURE_SIGNALS.search(text) for text in [english, *sources])


def score_furniture(digest: dict[str, Any]) -> dict[str, Any]:
    fragments = furniture_fragments()
    titles, bullets = [], []
    for event in digest["events"]:
        if event["background"] or not event["summary"]:
            continue
        first = event["summary"][0]
        if (
            event["title"]
            and is_furniture(first["citations"], event["title"], fragments)
            and first["text"].startswith(event["title"].rstrip("…."))
        ):
            titles.append(event["title"])
        bullets += [s["text"] for s in event["summary"] if is_furniture(s["citations"], s["text"], fragments)]
    return {"titles": len(titles), "bullets": len(bullets), "examples": (titles + bullets)[:8]}


def score_redundancy(digest: dict[str, Any], checker: TransparentChecker) -> dict[str, Any]:
    pairs = []
    for event in digest["events"]:
        for a, b in combinations(event["summary"], 2):
            words_a, words_b = set(content_words(a["text"], "en")), set(content_words(b["text"], "en"))
            overlap = len(words_a & words_b) / len(words_a | words_b) if words_a | words_b else 0.0
            cites_a = [Citation.from_dict(c) for c in a["citations"]]
            cites_b = [Citation.from_dict(c) for c in b["citations"]]
            covered = bool(cites_a and cites_b) and (
                checker.check(a["text"], cites_b).supported or checker.check(b["text"], cites_a).supported
            )
            if overlap >= REDUNDANT_JACCARD or covered:
                pairs.append([a["text"][:80], b["text"][:80]])
    return {"pairs": len(pairs), "examples": pairs[:5]}


def score_evaluate(run_dir: Path, digest: dict[str, Any]) -> dict[str, Any]:
    report = evaluate_path(run_dir).to_dict()
    verdicts = {(s["event_id"], s["index"]): s["supported"] for s in report["sentences"]}
    reference = {
        normalise(t.translation)
        for t in ArtifactStore(run_dir).load("translate", "translations", Translation)
        if t.origin in ("memory", "passthrough")
    }
    copies = flagged = 0
    examples = []
    for event in digest["events"]:
        for index, sentence in enumerate(event["summary"]):
            text = normalise(sentence["text"])
            if text in reference and any(text == normalise(c["translation"]) for c in sentence["citations"]):
                copies += 1
                if not verdicts.get((event["event_id"], index), True):
                    flagged += 1
                    examples.append(sentence["text"][:100])
    overall = report["overall"]
    return {
        "support_rate": overall["support_rate"],
        "citation_precision": overall["citation_precision"],
        "sentences": overall["sentences"],
        "exact_copies": copies,
        "false_flags": flagged,
        "false_flag_rate": round(flagged / copies, 4) if copies else None,
        "problems": overall["problems"],
        "false_flag_examples": examples[:6],
    }


def score(name: str, run_dir: Path, labels: dict[str, Any] | None, memory: dict[str, int]) -> dict[str, Any]:
    store = ArtifactStore(run_dir)
    digest = json.loads((run_dir / "digest.json").read_text(encoding="utf-8"))
    sentences = {s.sentence_id: s for s in store.load("ingest", "sentences", Sentence)}
    doc_files = {d["doc_id"]: Path(d["path"]).name for d in digest["documents"]}
    if labels is None:
        gold = seed_labels(list(sentences.values()))
        gold_events = list(yaml.safe_load(SEED_GOLD.read_text(encoding="utf-8"))["events"])
    else:
        gold = dev_labels(list(sentences.values()), doc_files, labels)
        gold_events = list(labels["events"])
    main = {s: main_label(s, sentences, doc_files, labels, gold) for s in gold}
    languages = {d["doc_id"]: d["lang"] for d in digest["documents"] if d.get("lang")}
    result: dict[str, Any] = {"corpus": name, "documents": len(digest["documents"])}
    result.update(score_sections(digest, gold, main, gold_events))
    decisions = store.load("dedup", "documents", DocumentDecision)
    result["near_duplicates"] = score_dedup(decisions, doc_files, labels) if labels is not None else None
    result["furniture"] = score_furniture(digest)
    result["redundant_bullets"] = score_redundancy(digest, TransparentChecker(source_langs=languages))
    result["evaluate"] = score_evaluate(run_dir, digest)
    result["memory"] = memory
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "dev-corpus")
    parser.add_argument("--out", type=Path, default=Path("/tmp/pipeline-quality"))
    parser.add_argument("--only", choices=("seeds", "dev"))
    args = parser.parse_args(argv)
    model = tiny_model(args.out)
    if args.only != "dev":
        started = time.perf_counter()
        run_dir = args.out / "seeds"
        run(SEEDS, run_dir, model, SEED_MEMORY)
        sentences = ArtifactStore(run_dir).load("ingest", "sentences", Sentence)
        result = score("seeds", run_dir, None, memory_misses(sentences, SEED_MEMORY))
        result["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.only != "seeds":
        started = time.perf_counter()
        corpus, run_dir = args.corpus.resolve(), args.out / "dev"
        if not (corpus / "labels.json").is_file():
            print(f"no labels.json in {corpus}; pass --corpus DIR", file=sys.stderr)
            return 1
        labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
        run(corpus / "docs", run_dir, model, corpus / "memory_en.jsonl", until="ingest")
        sentences = ArtifactStore(run_dir).load("ingest", "sentences", Sentence)
        aligned = run_dir / "memory_aligned.jsonl"
        memory = align_memory(sentences, corpus / "memory_en.jsonl", aligned)
        run(corpus / "docs", run_dir, model, aligned)
        result = score("dev", run_dir, labels, memory)
        result["seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
