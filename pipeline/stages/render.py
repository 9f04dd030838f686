"""The digest: ``digest.json`` for programs (the contract in DESIGN.md, described by
``pipeline/schemas/digest.schema.json``), ``digest.md`` and ``digest.html`` for people, both
rendered from the digest.json object so the three always agree.

Both are built from sorted records only, so the same inputs and config give the same bytes
except for the one ``generated_at`` timestamp (one field in the JSON, one line in the markdown).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape

from pipeline.html_digest import conflict_text, copies_text, count_noun, render_html, status_text
from pipeline.lang import unprofiled_notes
from pipeline.records import (
    Citation,
    Document,
    DocumentDecision,
    EventSummary,
    SummarySentence,
    Translation,
    document_status,
)
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS, SUMMARIES, TRANSLATIONS
from pipeline.stages.base import RenderedOnRead, Stage, StageContext, StageOutput

VERSION = "2"
SCHEMA_VERSION = 1
FLAG_MARKER = "⚠ unverified translation"
# Characters of the original document kept on each side of a citation, so a reader sees the
# cited sentence in its context without the digest carrying whole documents.
CONTEXT_CHARS = 280


def run(ctx: StageContext) -> StageOutput:
    documents = ctx.read(DOCUMENTS)
    decisions = {d.doc_id: d for d in ctx.read(DECISIONS)}
    summaries = ctx.read(SUMMARIES)
    translations = ctx.read(TRANSLATIONS)
    models = {lang: (m.id, m.revision) for lang, m in ctx.config.models.items()}
    generated_at = datetime.now(timezone.utc).isoformat(timespec="seconds")

    digest = build_digest(documents, decisions, summaries, translations, models, generated_at)
    files = RenderedOnRead(
        {
            "digest.json": lambda: json.dumps(digest, indent=2, ensure_ascii=False) + "\n",
            "digest.md": lambda: render_markdown(digest),
            "digest.html": lambda: render_html(digest),
        }
    )
    counts = {
        "events": sum(1 for e in digest["events"] if not e["background"]),
        "background": sum(1 for e in digest["events"] if e["background"]),
        "documents": len(digest["documents"]),
        "cited_documents": sum(1 for d in digest["documents"] if d["citations"]),
    }
    # a language translated without a profile: its sentences were deduplicated, dated and checked
    # without its negations, numbers and dates
    return StageOutput(counts=counts, files=files, notes=unprofiled_notes(ctx.config.models))


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
    texts = {d.doc_id: d.text for d in documents}
    dated = [e.date for e in events if e.date and not e.background] or [d.date for d in documents if d.date]
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": generated_at,
        "date_range": {"start": min(dated), "end": max(dated)} if dated else None,
        "model": _model_block(models, translations),
        "documents": [
            {
                "doc_id": d.doc_id,
                "path": d.path,
                "date": d.date,
                "lang": d.lang,
                "status": document_status(d, decisions.get(d.doc_id)),
                "title": d.title,
                "encoding": d.encoding,
                "line": d.line,
                "outlet": _outlet(d),
                "citations": cited.get(d.doc_id, 0),
            }
            for d in sorted(documents, key=lambda d: (d.path, d.line or 0, d.doc_id))
        ],
        "untranslated": _untranslated(translations),
        "events": [
            {
                "event_id": e.event_id,
                "title": e.title,
                "date": e.date,
                "background": e.background,
                "sources": len({c.doc_id for s in e.summary for c in s.citations}),
                "summary": [_summary_sentence(s, texts) for s in e.summary],
            }
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


def _outlet(document: Document) -> str | None:
    """The publisher's host name where the source gives a URL (``www.`` dropped)."""
    host = urlsplit(document.url).hostname if document.url else None
    return host.removeprefix("www.") if host else None


def _summary_sentence(sentence: SummarySentence, texts: dict[str, str]) -> dict[str, Any]:
    return {
        "text": sentence.text,
        "flags": sorted(sentence.flags),
        "outlets": sentence.outlets,
        "copies": dict(sorted(sentence.copies.items())),
        "conflicts": [c.to_dict() for c in sentence.conflicts],
        "citations": [
            _citation(c, texts.get(c.doc_id, "")) for c in sorted(sentence.citations, key=lambda c: (c.doc_id, c.start))
        ],
    }


def _citation(citation: Citation, text: str) -> dict[str, Any]:
    """The citation with the original text around its span, cut at word boundaries."""
    before = text[max(0, citation.start - CONTEXT_CHARS) : citation.start] if text else ""
    after = text[citation.end : citation.end + CONTEXT_CHARS] if text else ""
    if citation.start > CONTEXT_CHARS and " " in before:
        before = before[before.index(" ") + 1 :]
    if citation.end + CONTEXT_CHARS < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    return {**citation.to_dict(), "context": {"before": before, "after": after}}


def render_markdown(digest: dict[str, Any]) -> str:
    documents = {d["doc_id"]: d for d in digest["documents"]}
    span = digest["date_range"]
    lines = ["# Digest of the reports", ""]
    if span:
        covered = span["start"] if span["start"] == span["end"] else f"{span['start']} to {span['end']}"
        lines.append(
            f"Covering {covered}: {count_noun(len(digest['documents']), 'input document')}, "
            f"{count_noun(sum(not e['background'] for e in digest['events']), 'event')}."
        )
        lines.append("")
    lines += [f"Generated at {digest['generated_at']}.", ""]
    if digest["untranslated"]:
        missing = ", ".join(f"{count_noun(n, 'sentence')} in `{lang}`" for lang, n in digest["untranslated"].items())
        lines += [
            f"Not translated, so not summarised: {missing} (no model is configured for that language; "
            "add one under `models:` in models.yaml).",
            "",
        ]
    for event in digest["events"]:
        lines += _event_section(event, documents)
    lines += ["## Documents", "", "| document | file | date | lang | status | citations |", "|---|---|---|---|---|---|"]
    for doc in digest["documents"]:
        cells = [
            doc["doc_id"],
            Path(doc["path"]).name + (f" line {doc['line']}" if doc["line"] else ""),
            doc["date"] or "",
            doc["lang"] or "",
            status_text(doc["status"]),
            str(doc["citations"]),
        ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _event_section(event: dict[str, Any], documents: dict[str, dict[str, Any]]) -> list[str]:
    if event["background"]:
        heading = "## Background" + (f": {_md(event['title'])}" if event["title"].lower() != "background" else "")
    else:
        heading = f"## {_md(event['date'] or 'undated')}: {_md(event['title'])}"
    lines = [heading, ""]
    if event["background"]:
        lines += ["_Context reported alongside the events above, not an event of its own._", ""]
    sources: list[dict[str, Any]] = []
    for sentence in event["summary"]:
        markers = ""
        for citation in sentence["citations"]:
            sources.append(citation)
            markers += f"[{len(sources)}]"
        flag = f"{FLAG_MARKER}: {_md(', '.join(sentence['flags']))}: " if sentence["flags"] else ""
        outlets = f" ({count_noun(sentence['outlets'], 'outlet')})" if sentence.get("outlets") else ""
        lines.append(f"- {flag}{_md(sentence['text'])} {markers}{outlets}")
        if sentence.get("copies"):
            lines.append(f"  - counted once: {_md(copies_text(sentence['copies'], documents))}")
        lines += [f"  - sources disagree: {_md(conflict_text(c, documents))}" for c in sentence.get("conflicts", [])]
    lines += ["", f"Sources ({count_noun(event['sources'], 'document')}):", ""]
    for number, citation in enumerate(sources, 1):
        doc = documents.get(citation["doc_id"], {})
        where = f"{_md(Path(doc.get('path', citation['doc_id'])).name)}, {_md(doc.get('date') or 'undated')}"
        lines.append(
            f"{number}. {_md(citation['doc_id'])} ({where}), sentence {_md(citation['sentence_id'])}, "
            f"characters {citation['start']}-{citation['end']}"
        )
        lines.append(f"   - original: «{_md(citation['source_text'])}»")
        lines.append(f"   - translation: {_md(citation['translation'])}")
    lines.append("")
    return lines


# Markdown punctuation that can start a link, image, emphasis, code span, heading or table cell
# wherever it appears inline; an underscore only at a word's edge (inside a word, as in file
# names, it is literal). Line starts need nothing: every input text follows a fixed prefix.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*\[\]#|~]|(?<!\w)_|_(?!\w))")


def _md(text: str) -> str:
    """Input text as literal inline Markdown: one line (a file name or sentence may hold line
    breaks), HTML characters as entities so no tag or entity is live, Markdown punctuation
    backslash-escaped so no link (``[x](javascript:...)``), heading or cell break is."""
    flat = str(escape(" ".join(text.split()))).replace("&#39;", "'").replace("&#34;", '"')
    return _MARKDOWN_ACTIVE.sub(r"\\\1", flat)


STAGE = Stage(
    "render",
    VERSION,
    run,
    config_sections=("models",),
    reads=(DOCUMENTS, DECISIONS, SUMMARIES, TRANSLATIONS),
    files=("digest.json", "digest.md", "digest.html"),
)
