"""Ingest: input files -> Documents and Sentences with exact spans in the original text.

Reading and decoding live in ``pipeline.sources`` (the evaluator re-reads files with the
same code), text rules in ``pipeline.text``, language identification in ``pipeline.langid``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.config import IngestConfig
from pipeline.langid import assign_languages_many, check_languages
from pipeline.records import Document, Sentence
from pipeline.sources import read_documents, sanitize_id
from pipeline.stages.artifacts import DOCUMENTS, SENTENCES
from pipeline.stages.base import Artifact, Stage, StageContext, StageOutput
from pipeline.text import (
    Span,
    complement,
    find_boilerplate,
    furniture,
    is_headline,
    normalize_date,
    parse_date_header,
    split_sentences,
)

VERSION = "1"
# Below this many documents a plain loop is faster than starting worker processes.
PARALLEL_MIN_DOCUMENTS = 1000
_BATCH_SIZE = 256  # documents per language-detection call and per worker task


def _segment(document: Document) -> tuple[Document, list[Span]]:
    """Date, boilerplate, title and sentence spans of one document (skipped if it has none).

    Page furniture among the sentences (labels, credits, embedded posts, a cut-off end) is
    left out like boilerplate and counted in ``removed``.
    """
    text = document.text
    header_date, body_start = parse_date_header(text)
    boilerplate = find_boilerplate(text, body_start)
    removed = dict(Counter(name for name, _ in boilerplate))
    regions = complement([Span(0, body_start), *(span for _, span in boilerplate)], 0, len(text))
    found = split_sentences(text, regions)
    spans = []
    for span, kind in zip(found, furniture(text, found), strict=True):
        if kind is None:
            spans.append(span)
        else:
            removed[kind] = removed.get(kind, 0) + 1
    date = (normalize_date(document.date) if document.date else None) or header_date
    if not spans:
        return dataclasses.replace(document, date=date, removed=removed, status="skipped", reason="no sentences"), []
    title = document.title
    if title is None and len(spans) > 1 and is_headline(text, spans[0]):
        title = text[spans[0].start : spans[0].end]  # kept as a sentence too: a headline states the news
    return dataclasses.replace(document, date=date, title=title, removed=removed), spans


def analyse_batch(
    documents: list[Document], languages: tuple[str, ...], threads: bool = True
) -> list[tuple[Document, list[Sentence]]]:
    """Date header, boilerplate, sentences, title and languages of decoded documents.

    ``threads`` lets language detection use threads (not inside worker processes).
    """
    segmented = [_segment(document) for document in documents]
    texts = [[document.text[s.start : s.end] for s in spans] for document, spans in segmented]
    detected = iter(assign_languages_many([t for t in texts if t], languages, threads))
    results: list[tuple[Document, list[Sentence]]] = []
    for (document, spans), sentence_texts in zip(segmented, texts, strict=True):
        if not spans:
            results.append((document, []))
            continue
        document_lang, sentence_langs = next(detected)
        sentences = [
            Sentence(
                sentence_id=f"{document.doc_id}:{n}",
                doc_id=document.doc_id,
                start=span.start,
                end=span.end,
                text=sentence_text,
                lang=lang,
            )
            for n, (span, sentence_text, lang) in enumerate(zip(spans, sentence_texts, sentence_langs, strict=True))
        ]
        results.append((dataclasses.replace(document, lang=document_lang), sentences))
    return results


def _analyse_rows(batch: dict[str, list[Any]], languages: tuple[str, ...]) -> dict[str, list[str]]:
    documents = [Document.from_dict(json.loads(row)) for row in batch["document"]]
    return {
        "result": [
            json.dumps({"document": document.to_dict(), "sentences": [s.to_dict() for s in sentences]})
            for document, sentences in analyse_batch(documents, languages, threads=False)
        ]
    }


def _analyse_in_processes(
    documents: list[Document], languages: tuple[str, ...]
) -> list[tuple[Document, list[Sentence]]]:
    """The same analysis mapped over a ``datasets.Dataset`` in worker processes.

    Rows travel as JSON strings: Documents hold dicts (``removed``) whose keys vary per row,
    which Arrow cannot type as one struct.
    """
    import datasets

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = min(cores, 8, -(-len(documents) // _BATCH_SIZE))
    bars_were_off = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()  # progress belongs to the CLI layer
    # datasets' worker pool leaves a copy in place of os.environ; later changes to the environment
    # in this process would then miss libraries that kept the original, so it is put back
    environ = os.environ
    try:
        table = datasets.Dataset.from_list([{"document": json.dumps(d.to_dict())} for d in documents])
        mapped = table.map(
            _analyse_rows,
            batched=True,
            batch_size=_BATCH_SIZE,
            num_proc=workers if workers > 1 else None,
            fn_kwargs={"languages": languages},
            remove_columns=["document"],
        )
        results = []
        for batch in mapped.iter(batch_size=_BATCH_SIZE):  # a batch at a time: never all rows as JSON at once
            for row in batch["result"]:
                found = json.loads(row)
                results.append(
                    (Document.from_dict(found["document"]), [Sentence.from_dict(s) for s in found["sentences"]])
                )
    finally:
        os.environ = environ  # noqa: B003 (restoring the very object, not clearing it)
        if not bars_were_off:
            datasets.enable_progress_bars()
    return results


def analyse_documents(
    documents: list[Document],
    languages: tuple[str, ...],
    advance: Callable[[int], None] = lambda n: None,
    parallel_min: int = PARALLEL_MIN_DOCUMENTS,
) -> list[tuple[Document, list[Sentence]]]:
    """``analyse_batch`` over many documents: batches in this process, or in worker processes
    (``datasets.Dataset.map``) from ``parallel_min`` documents on."""
    if len(documents) >= parallel_min:
        results = _analyse_in_processes(documents, languages)
        advance(len(documents))
        return results
    results = []
    for first in range(0, len(documents), _BATCH_SIZE):
        batch = documents[first : first + _BATCH_SIZE]
        results.extend(analyse_batch(batch, languages))
        advance(len(batch))
    return results


def _unique_ids(documents: list[Document]) -> None:
    """Make doc_ids unique in input order: the first keeps its id, later ones get -2, -3..."""
    taken: set[str] = set()
    for document in documents:
        base, candidate, n = document.doc_id, document.doc_id, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        document.doc_id = candidate


def read_inputs(
    paths: list[Path], settings: IngestConfig, advance: Callable[[int], None] = lambda n: None
) -> list[Document]:
    """Every document of every input, in sorted path order, with unique doc_ids."""
    documents: list[Document] = []
    for path in sorted(paths):
        stem = sanitize_id(path.stem) or "document"
        documents.extend(read_documents(path, stem, settings.max_file_mb, settings.max_document_chars))
        advance(1)
    _unique_ids(documents)
    return documents


def run(ctx: StageContext) -> StageOutput:
    settings = ctx.config.ingest
    languages = check_languages(settings.languages, ctx.config.source)
    with ctx.progress("ingest: reading", len(ctx.inputs)) as bar:
        documents = read_inputs(ctx.inputs, settings, bar.advance)
    readable = [d for d in documents if not d.skipped]
    with ctx.progress("ingest: sentences and languages", len(readable)) as bar:
        analysed = iter(analyse_documents(readable, languages, bar.advance))
    out_documents: list[Document] = []
    out_sentences: list[Sentence] = []
    for document in documents:
        if not document.skipped:
            document, sentences = next(analysed)
            out_sentences.extend(sentences)
        out_documents.append(document)
    return StageOutput(
        artifacts={"documents": out_documents, "sentences": out_sentences},
        counts=_counts(out_documents, out_sentences),
        notes=[f"{_where(d)}: skipped ({d.reason})" for d in out_documents if d.skipped],
    )


def _where(document: Document) -> str:
    return f"{document.path}:{document.line}" if document.line is not None else document.path


def _counts(documents: list[Document], sentences: list[Sentence]) -> dict[str, Any]:
    used = [d for d in documents if not d.skipped]
    counts: dict[str, Any] = {
        "documents": len(documents),
        "used": len(used),
        "skipped": len(documents) - len(used),
        "sentences": len(sentences),
        "boilerplate_removed": sum(sum(d.removed.values()) for d in documents),
    }
    encodings = Counter(d.encoding for d in used if d.encoding)
    if set(encodings) - {"utf-8", "utf-8-sig"}:
        counts["encodings"] = dict(sorted(encodings.items()))
    counts["languages"] = dict(sorted(Counter(d.lang or "unknown" for d in used).items()))
    return counts


def inspect_rows(rows: Callable[[Artifact[Any]], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per sentence, with what ``load_original`` needs to find it on disk (path, encoding, line)."""
    documents = {d["doc_id"]: d for d in rows(DOCUMENTS)}
    return [
        {
            "sentence_id": s["sentence_id"],
            "doc_id": s["doc_id"],
            "path": documents[s["doc_id"]]["path"],
            "encoding": documents[s["doc_id"]].get("encoding"),
            "line": documents[s["doc_id"]].get("line"),
            "start": s["start"],
            "end": s["end"],
            "text": s["text"],
            "lang": s["lang"],
        }
        for s in rows(SENTENCES)
    ]


STAGE = Stage(
    "ingest",
    VERSION,
    run,
    config_sections=("ingest",),
    writes=(DOCUMENTS, SENTENCES),
    extra_inputs=("inputs",),
    inspect=inspect_rows,
)
