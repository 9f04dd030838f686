"""Checks on each citation by itself: does it point at the text it quotes, and is its
translation faithful (numbers kept, no repetition loop)?"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.faithfulness.checker import (
    CITATION_UNRESOLVED,
    SOURCE_MISSING,
    SOURCE_UNREADABLE,
    TRANSLATION_NUMBER_MISSING,
    TRANSLATION_REPETITION,
    WARNING,
    Problem,
)
from pipeline.numbers import missing_numbers
from pipeline.records import Citation
from pipeline.sources import UnusableSourceError, load_original, original_text, read_bytes
from pipeline.translation.checks import has_repetition_loop

_EXCERPT = 60
_MAX_SOURCE_MB = 1024.0  # the run's own size limit already applied; this only bounds a read


@dataclass(frozen=True)
class SourceDocument:
    """What the digest says about one input document."""

    doc_id: str
    path: str
    lang: str | None = None
    encoding: str | None = None
    line: int | None = None


@dataclass
class SourceTexts:
    """The digest's input documents, each re-read from its file at most once.

    Relative paths are tried from the working directory, then from ``base_dir`` (the digest's
    folder), since a run may have been started from either.
    """

    documents: dict[str, SourceDocument]
    base_dir: Path
    # absolute path -> sha256 of the input files a run recorded (its manifest): when given, no
    # other file is read, whatever path the digest names, and a changed file is not read either
    recorded: dict[str, str] | None = None
    _texts: dict[str, str | Problem] = field(default_factory=dict)

    def text(self, doc_id: str) -> str | Problem:
        if doc_id not in self._texts:
            self._texts[doc_id] = self._load(doc_id)
        return self._texts[doc_id]

    def _load(self, doc_id: str) -> str | Problem:
        document = self.documents.get(doc_id)
        if document is None:
            return Problem(CITATION_UNRESOLVED, f"{doc_id} is not among the digest's documents")
        if self.recorded is not None:
            return self._load_recorded(document)
        path = self._locate(document.path)
        if path is None:
            return Problem(SOURCE_MISSING, f"{document.path} ({doc_id}) no longer exists")
        try:
            return load_original(path, document.encoding or "utf-8", document.line)
        except UnusableSourceError as err:
            return Problem(SOURCE_UNREADABLE, f"{document.path} ({doc_id}): {err.reason}")

    def _load_recorded(self, document: SourceDocument) -> str | Problem:
        recorded = self.recorded or {}
        given = Path(document.path)
        candidates = [given] if given.is_absolute() else [given, self.base_dir / given]
        path = next((os.path.abspath(p) for p in candidates if os.path.abspath(p) in recorded), None)
        if path is None:
            return Problem(
                SOURCE_MISSING,
                f"{document.doc_id}: its path is not an input recorded in the run's manifest.json, not read",
            )
        try:
            raw = read_bytes(Path(path), _MAX_SOURCE_MB)
        except UnusableSourceError as err:
            return Problem(SOURCE_MISSING, f"{path} ({document.doc_id}): {err.reason}")
        if hashlib.sha256(raw).hexdigest() != recorded[path]:
            return Problem(
                SOURCE_MISSING,
                f"{path} ({document.doc_id}) changed since the run (sha256 differs); "
                "rerun `pipeline run` to digest it again",
            )
        try:
            return original_text(raw, document.encoding or "utf-8", document.line)
        except UnusableSourceError as err:
            return Problem(SOURCE_UNREADABLE, f"{path} ({document.doc_id}): {err.reason}")

    def _locate(self, recorded: str) -> Path | None:
        path = Path(recorded)
        candidates = [path] if path.is_absolute() else [path, self.base_dir / path]
        return next((p for p in candidates if p.is_file()), None)


def resolution_problem(citation: Citation, sources: SourceTexts) -> Problem | None:
    """None when ``source_text`` is exactly the document's text at ``[start:end]``."""
    text = sources.text(citation.doc_id)
    if isinstance(text, Problem):
        return text
    if not 0 <= citation.start <= citation.end <= len(text):
        return Problem(
            CITATION_UNRESOLVED,
            f"{citation.sentence_id}: span {citation.start}-{citation.end} is "
            f"outside the document ({len(text)} characters)",
        )
    found = text[citation.start : citation.end]
    if found != citation.source_text:
        return Problem(
            CITATION_UNRESOLVED,
            f"{citation.sentence_id}: the document reads '{_excerpt(found)}' at "
            f"{citation.start}-{citation.end}, not '{_excerpt(citation.source_text)}'",
        )
    return None


def translation_problems(citation: Citation, source_lang: str) -> list[Problem]:
    """The translate stage's checks, re-run on what the digest holds."""
    problems = [
        Problem(
            TRANSLATION_NUMBER_MISSING, f"{citation.sentence_id}: '{m.text}' is missing from its translation", WARNING
        )
        for m in missing_numbers(citation.source_text, source_lang, citation.translation)
    ]
    if has_repetition_loop(citation.source_text, citation.translation):
        problems.append(
            Problem(
                TRANSLATION_REPETITION, f"{citation.sentence_id}: its translation repeats a phrase in a loop", WARNING
            )
        )
    return problems


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 1] + "…"
