"""The digest: ``digest.json`` for programs (the contract in DESIGN.md, described by
``pipeline/schemas/digest.schema.json``) and ``digest.md`` for people.

Both are built from sorted records only, so the same inputs and config give the same bytes
except for the one ``generated_at`` timestamp (one field in the JSON, one line in the markdown).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.records import Document, DocumentDecision, EventSummary, SummarySentence, Translation, document_status
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS, SUMMARIES, TRANSLATIONS
from pipeline.stages.base import Stage, StageContext, StageOutput

VERSION = "1"
SCHEMA_VERSION = 1
FLAG_MARKER = "⚠ unverified translation"


def run(ctx: StageContext) -> StageOutput:
    documents = ctx.read(DOCUMENTS)
    decisions = {d.doc_id: d for d in ctx.read(DECISIONS)}
    summaries = ctx.read(SUMMARIES)
    translations = ctx.read(TRANSLATIONS)
    models = {lang: (m.id, m.revision) for lang, m in ctx.config.models.items()}
    generated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")

    digest = build_digest(documents, decisions, summaries, translations, models, generated_at)
    files = {"digest.json": json.dumps(digest, indent=2, ensure_ascii=False) + "\n",
             "digest.md": render_markdown(digest)}
    counts = {"events": sum(1 for e in digest["events"] if not e["background"]),
              "background": sum(1 for e in digest["events"] if e["background"]),
              "documents": len(digest["documents"]),
              "cited_documents": sum(1 for d in digest["documents"] if d["citations"])}
    return StageOutput(counts=counts, files=files)


def build_digest(
    documents: list[Document],
    decisions: dict[str, DocumentDecision],
    summaries: list[EventSummary],
    translations: list[Translation],
    models: dict[str, tuple[str, str]],
    generated_at: str,
) -> dict[str, Any]:
    """The digest.json object. ``models``: language -> (configured id, configured revision)."""
    events = sorted((s for s in summaries if s.summary), key=_event_order)
    cited = _citation_counts(events)
    dated = [e.date for e in events if e.date and not e.background] or [d.date for d in documents if d.date]
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": generated_at,
        "date_range": {"start": min(dated), "end": max(dated)} if dated else None,
        "model": _model_block(models, translations),
        "documents": [
            {"doc_id": d.doc_id, "path": d.path, "date": d.date, "lang": d.lang,
             "status": document_status(d, decisions.get(d.doc_id)), "title": d.title, "encoding": d.encoding,
             "line": d.line, "citations": cited.get(d.doc_id, 0)}
            for d in sorted(documents, key=lambda d: (d.path, d.line or 0, d.doc_id))
        ],
        "untranslated": _untranslated(translations),
        "events": [
            {"event_id": e.event_id, "title": e.title, "date": e.date, "background": e.background,
             "sources": len({c.doc_id for s in e.summary for c in s.citations}),
             "summary": [_summary_sentence(s) for s in e.summary]}
            for e in events
        ],
    }


def _event_order(summary: EventSummary) -> tuple[bool, str, str]:
    """Chronological, undated events after dated ones, the background section last."""
    return summary.background, summary.date or "\uffff", summary.event_id


def _citation_counts(events: list[EventSummary]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in events:
        for sentence in event.summary:
            for citation in sentence.citations:
                counts[citation.doc_id] = counts.get(citation.doc_id, 0) + 1
    return counts


def _model_block(models: dict[str, tuple[str, str]], translations: list[Translation]) -> dict[str, dict[str, str]]:
    """Per language, the model and the revision the translations were really made with
    (a resolved commit where the translate stage recorded one), else the configured ones."""
    used: dict[str, set[tuple[str, str]]] = {}
    for t in translations:
        if t.lang and t.model and t.origin in ("model", "cache"):
            used.setdefault(t.lang, set()).add((t.model, t.revision or ""))
    block = {}
    for lang in sorted(set(models) | set(used)):
        model_id, revision = models.get(lang, ("", ""))
        recorded = sorted(used.get(lang, ()))
        if recorded:
            model_id, revision = recorded[0][0], recorded[0][1] or revision
        block[lang] = {"id": model_id, "revision": revision}
    return block


def _untranslated(translations: list[Translation]) -> dict[str, int]:
    """Sentences per language that had no translation model, so a reader knows what the digest lacks."""
    counts: dict[str, int] = {}
    for t in translations:
        if t.origin == "untranslated":
            lang = t.lang or "unknown"
            counts[lang] = counts.get(lang, 0) + len(t.sentence_ids)
    return dict(sorted(counts.items()))


def _summary_sentence(sentence: SummarySentence) -> dict[str, Any]:
    return {"text": sentence.text, "flags": sorted(sentence.flags),
            "citations": [c.to_dict() for c in sorted(sentence.citations, key=lambda c: (c.doc_id, c.start))]}


def render_markdown(digest: dict[str, Any]) -> str:
    documents = {d["doc_id"]: d for d in digest["documents"]}
    span = digest["date_range"]
    lines = ["# Digest of the reports", ""]
    if span:
        covered = span["start"] if span["start"] == span["end"] else f"{span['start']} to {span['end']}"
        lines.append(f"Covering {covered}: {_count(len(digest['documents']), 'input document')}, "
                     f"{_count(sum(not e['background'] for e in digest['events']), 'event')}.")
        lines.append("")
    lines += [f"Generated at {digest['generated_at']}.", ""]
    if digest["untranslated"]:
        missing = ", ".join(f"{_count(n, 'sentence')} in `{lang}`" for lang, n in digest["untranslated"].items())
        lines += [f"Not translated, so not summarised: {missing} (no model is configured for that language; "
                  "add one under `models:` in models.yaml).", ""]
    for event in digest["events"]:
        lines += _event_section(event, documents)
    lines += ["## Documents", "", "| document | file | date | lang | status | citations |", "|---|---|---|---|---|---|"]
    for doc in digest["documents"]:
        cells = [doc["doc_id"], Path(doc["path"]).name + (f" line {doc['line']}" if doc["line"] else ""),
                 doc["date"] or "", doc["lang"] or "", _status_text(doc["status"]), str(doc["citations"])]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _event_section(event: dict[str, Any], documents: dict[str, dict[str, Any]]) -> list[str]:
    if event["background"]:
        heading = "## Background" + (f": {event['title']}" if event["title"].lower() != "background" else "")
    else:
        heading = f"## {event['date'] or 'undated'}: {event['title']}"
    lines = [heading, ""]
    if event["background"]:
        lines += ["_Context reported alongside the events above, not an event of its own._", ""]
    sources: list[dict[str, Any]] = []
    for sentence in event["summary"]:
        markers = ""
        for citation in sentence["citations"]:
            sources.append(citation)
            markers += f"[{len(sources)}]"
        flag = f"{FLAG_MARKER}: {', '.join(sentence['flags'])}: " if sentence["flags"] else ""
        lines.append(f"- {flag}{_inline(sentence['text'])} {markers}")
    lines += ["", f"Sources ({_count(event['sources'], 'document')}):", ""]
    for number, citation in enumerate(sources, 1):
        doc = documents.get(citation["doc_id"], {})
        where = f"{Path(doc.get('path', citation['doc_id'])).name}, {doc.get('date') or 'undated'}"
        lines.append(f"{number}. {citation['doc_id']} ({where}), sentence {citation['sentence_id']}, "
                     f"characters {citation['start']}-{citation['end']}")
        lines.append(f"   - original: «{_inline(citation['source_text'])}»")
        lines.append(f"   - translation: {_inline(citation['translation'])}")
    lines.append("")
    return lines


def _status_text(status: str) -> str:
    kind, _, detail = status.partition(":")
    return {"duplicate-of": f"duplicate of {detail}", "skipped": f"skipped: {detail}"}.get(kind, status)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _inline(text: str) -> str:
    """One markdown line: a source sentence may hold line breaks."""
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")


STAGE = Stage("render", VERSION, run, config_sections=("models",),
              reads=(DOCUMENTS, DECISIONS, SUMMARIES, TRANSLATIONS), files=("digest.json", "digest.md"))
