"""Faithfulness of a digest to its sources, sentence by sentence.

``evaluate_path`` reads a digest.json, re-reads the input files it names, checks every
summary sentence with a ``SupportChecker`` (the transparent one by default) and writes
``faithfulness.json`` beside the digest.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema

from pipeline.atomic import write_atomic
from pipeline.errors import DigestError
from pipeline.faithfulness.checker import (
    CITATION_IRRELEVANT,
    WARNING,
    Problem,
    SupportChecker,
    TransparentChecker,
)
from pipeline.faithfulness.citations import SourceDocument, SourceTexts, resolution_problem, translation_problems
from pipeline.faithfulness.claims import Aliases, read_aliases
from pipeline.faithfulness.report import CitationVerdict, FaithfulnessReport, SentenceVerdict
from pipeline.html_digest import FAITHFULNESS_PAGE, faithfulness_page
from pipeline.records import Citation, SummarySentence

REPORT_NAME = "faithfulness.json"

# What the evaluator needs of a digest: looser than the published schema (see its description).
_DIGEST_SHAPE = Path(__file__).resolve().parent.parent / "schemas" / "evaluated-digest.schema.json"


def evaluate_path(
    target: Path, checker: SupportChecker | None = None, aliases: Path | None = None
) -> FaithfulnessReport:
    """Evaluate ``target`` (a run folder or a digest.json); write faithfulness.json beside it.

    ``aliases``: a name alias file; by default the one the run's summarize stage used, so the
    evaluator accepts the same names the summaries were built with."""
    digest_path = target / "digest.json" if target.is_dir() else target
    alias_file = aliases or _run_alias_file(digest_path.parent)
    names = read_aliases(str(alias_file)) if alias_file else None
    # only the files the run's manifest recorded are read (none without a manifest)
    report = evaluate_digest(
        load_digest(digest_path), digest_path, checker, recorded_inputs(digest_path.parent), aliases=names
    )
    target_path = digest_path.parent / REPORT_NAME
    try:
        write_atomic(target_path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
        write_atomic(target_path.with_name(FAITHFULNESS_PAGE), faithfulness_page(digest_path, report.to_dict()) + "\n")
    except OSError as err:
        raise DigestError(
            f"cannot write {target_path}: {err.strerror or err}; "
            "copy the run folder somewhere writable and evaluate the copy"
        ) from None
    return report


def load_digest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DigestError(
            f"no digest at {path}; run `pipeline run INPUT --out DIR` first, then pass DIR or DIR/digest.json"
        )
    try:
        digest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DigestError(f"{path} is not a JSON digest ({err}); rerun `pipeline run` to rewrite it") from None
    try:
        jsonschema.validate(digest, json.loads(_DIGEST_SHAPE.read_text(encoding="utf-8")))
    except jsonschema.ValidationError as err:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path) or "the top level"
        raise DigestError(f"{path}: {where}: {err.message}; rerun `pipeline run` to rewrite it") from None
    return digest


def evaluate_digest(
    digest: dict[str, Any],
    digest_path: Path,
    checker: SupportChecker | None = None,
    recorded: dict[str, str] | None = None,
    aliases: Aliases | None = None,
) -> FaithfulnessReport:
    """Every summary sentence of an already loaded digest, judged against its citations.

    ``recorded`` (path -> sha256, see ``recorded_inputs``) limits the files read; without it
    the digest's own document paths are trusted, so pass it for any digest from elsewhere.
    """
    judge = SentenceJudge(digest, digest_path, checker, recorded, aliases)
    report = FaithfulnessReport(str(digest_path), judge.checker.signature())
    for event in digest["events"]:
        report.sentences += [
            judge.judge(event["event_id"], index, sentence) for index, sentence in enumerate(event["summary"])
        ]
    return report


class SentenceJudge:
    """Judges summary sentences of one digest; sentences are judged independently of each other."""

    def __init__(
        self,
        digest: dict[str, Any],
        digest_path: Path,
        checker: SupportChecker | None = None,
        recorded: dict[str, str] | None = None,
        aliases: Aliases | None = None,
    ):
        documents = {
            d["doc_id"]: SourceDocument(d["doc_id"], d["path"], d.get("lang"), d.get("encoding"), d.get("line"))
            for d in digest["documents"]
        }
        self.langs = {doc_id: d.lang for doc_id, d in documents.items() if d.lang}
        self.checker: SupportChecker = checker or TransparentChecker(source_langs=self.langs, aliases=aliases or {})
        self.sources = SourceTexts(documents, digest_path.parent, recorded)

    def judge(self, event_id: str, index: int, sentence_data: dict[str, Any]) -> SentenceVerdict:
        sentence = SummarySentence.from_dict(sentence_data)
        text, citations, checker = sentence.text, sentence.citations, self.checker
        joint = checker.check(text, citations)
        resolution = [resolution_problem(c, self.sources) for c in citations]
        alone = [checker.check(text, [c]).supported if len(citations) > 1 else joint.supported for c in citations]
        precise = [
            joint.supported and (alone[i] or not _rest_supports(checker, text, citations, i))
            for i in range(len(citations))
        ]
        problems = [*dict.fromkeys(p for p in resolution if p is not None), *joint.problems]
        problems += [
            Problem(
                CITATION_IRRELEVANT,
                f"{c.sentence_id} does not support the sentence and the other citations do without it",
                WARNING,
            )
            for c, ok in zip(citations, precise, strict=True)
            if joint.supported and not ok
        ]
        for citation in citations:
            problems += translation_problems(citation, self.langs.get(citation.doc_id, "fr"))
        verdicts = tuple(
            CitationVerdict(c.sentence_id, r is None, a, p)
            for c, r, a, p in zip(citations, resolution, alone, precise, strict=True)
        )
        return SentenceVerdict(event_id, index, text, joint.supported, joint.score, tuple(problems), verdicts)


def _run_alias_file(run_dir: Path) -> Path | None:
    """The alias file the run's config named (``summarize.aliases``), if the manifest has one."""
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        value = manifest["config"]["summarize"]["aliases"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return None
    return Path(value) if isinstance(value, str) and value else None


def recorded_inputs(run_dir: Path) -> dict[str, str]:
    """Absolute path -> sha256 of the inputs the run's manifest.json records; empty without one.

    The evaluator reads only these files: a digest alone could name any path (/etc/passwd).
    """
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        inputs = manifest.get("inputs", []) if isinstance(manifest, dict) else []
        return {
            os.path.abspath(run_dir / i["path"]): i["sha256"]
            for i in inputs
            if isinstance(i, dict) and isinstance(i.get("path"), str) and isinstance(i.get("sha256"), str)
        }
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}


def _rest_supports(checker: SupportChecker, text: str, citations: Sequence[Citation], left_out: int) -> bool:
    rest = [c for i, c in enumerate(citations) if i != left_out]
    return checker.check(text, rest).supported
