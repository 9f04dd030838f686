"""Runs the stages in order: artifacts, completion markers, resume, and the manifest.

A stage's artifacts live in ``RUN/<stage>/``: one ``<name>.jsonl`` per artifact and a
``_done.json`` marker holding the stage's fingerprint. They are written in a temporary
folder and renamed into place, so a crash or Ctrl-C never leaves a half-written stage that
a later run would trust. A stage is reused when its fingerprint (its version, its config
sections, its inputs and the fingerprints of the stages before it) is unchanged.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import platform
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import Config
from pipeline.errors import RunDirError, StageNotRunError, UsageError
from pipeline.records import Document, DocumentDecision, Record, document_status
from pipeline.sources import discover_inputs, file_sha256
from pipeline.stages.base import ProgressFactory, StageContext, StageOutput, no_progress


@dataclass(frozen=True)
class StageSpec:
    name: str
    module: str
    config_sections: tuple[str, ...]
    reads_inputs: bool = False  # its output depends on the input files' bytes
    reads_memory: bool = False  # its output depends on the translation memory file's bytes


STAGES: tuple[StageSpec, ...] = (
    StageSpec("ingest", "pipeline.stages.ingest", ("ingest",), reads_inputs=True),
    StageSpec("dedup", "pipeline.stages.dedup", ("dedup",)),
    StageSpec("translate", "pipeline.stages.translate", ("models", "memory"), reads_memory=True),
    StageSpec("events", "pipeline.stages.events", ("events",)),
    StageSpec("summarize", "pipeline.stages.summarize", ("summarize",)),
    StageSpec("render", "pipeline.stages.render", ("models",)),
)
STAGE_NAMES = tuple(s.name for s in STAGES)
DONE_MARKER = "_done.json"


@dataclass
class StageReport:
    name: str
    status: str  # "done", "reused", "not-available", "not-run"
    seconds: float = 0.0
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    detail: str | None = None


@dataclass
class RunResult:
    run_dir: Path
    stages: list[StageReport]
    documents: list[dict[str, Any]]  # doc_id, path, status, reason

    @property
    def partial(self) -> bool:
        """Some input was unusable while the rest went through (exit code 2)."""
        return any(d["status"].startswith("skipped") for d in self.documents)

    @property
    def digest_path(self) -> Path | None:
        path = self.run_dir / "digest.md"
        return path if path.exists() else None


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


class ArtifactStore:
    """Reads and writes stage folders inside one run directory."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir

    def marker(self, stage: str) -> dict[str, Any] | None:
        path = self.run_dir / stage / DONE_MARKER
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def rows(self, stage: str, name: str) -> list[dict[str, Any]]:
        if self.marker(stage) is None:
            raise StageNotRunError(str(self.run_dir), stage)
        path = self.run_dir / stage / f"{name}.jsonl"
        if not path.is_file():
            return []
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def load(self, stage: str, name: str, cls: type[Record]) -> list[Any]:
        return [cls.from_dict(row) for row in self.rows(stage, name)]

    def artifact_names(self, stage: str) -> list[str]:
        if self.marker(stage) is None:
            raise StageNotRunError(str(self.run_dir), stage)
        return sorted(p.stem for p in (self.run_dir / stage).glob("*.jsonl"))

    def commit(self, stage: str, output: StageOutput, marker: dict[str, Any]) -> None:
        """Write the stage into a temporary folder, then swap it in; the marker goes last."""
        final = self.run_dir / stage
        tmp = self.run_dir / f".{stage}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, records in output.artifacts.items():
            write_jsonl(tmp / f"{name}.jsonl", [r.to_dict() for r in records])
        (tmp / DONE_MARKER).write_text(json.dumps(marker, indent=2, ensure_ascii=False), encoding="utf-8")
        for name, text in output.files.items():
            write_atomic(self.run_dir / name, text)
        old = self.run_dir / f".{stage}.old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)

    def invalidate(self, stage: str) -> None:
        """Remove the marker first, so an interrupted removal still leaves nothing trusted."""
        marker = self.run_dir / stage / DONE_MARKER
        marker.unlink(missing_ok=True)


def _stage_available(spec: StageSpec) -> tuple[Any | None, str | None]:
    try:
        return importlib.import_module(spec.module), None
    except ModuleNotFoundError as err:
        if err.name == spec.module:
            return None, "not built yet"
        raise


def _fingerprint(spec: StageSpec, module: Any, config: Config, upstream: str, extra: str) -> str:
    payload = json.dumps(
        {"stage": spec.name, "version": getattr(module, "VERSION", "0"),
         "config": config.section_hash(*spec.config_sections), "upstream": upstream, "extra": extra},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _extra_identity(spec: StageSpec, config: Config, inputs: list[Path]) -> tuple[str, list[dict[str, Any]]]:
    """What besides config and upstream decides a stage's output: input files, the memory file."""
    if spec.reads_inputs:
        listing = [{"path": str(p), "sha256": file_sha256(p)} for p in inputs]
        return json.dumps(listing), listing
    if spec.reads_memory and config.memory:
        memory = Path(config.memory).expanduser()
        return (file_sha256(memory) if memory.is_file() else "missing"), []
    return "", []


def document_table(store: ArtifactStore) -> list[dict[str, Any]]:
    """Every input document and what happened to it, from ingest and (if run) dedup."""
    if store.marker("ingest") is None:
        return []
    documents = store.load("ingest", "documents", Document)
    decisions: dict[str, DocumentDecision] = {}
    if store.marker("dedup") is not None:
        decisions = {d.doc_id: d for d in store.load("dedup", "documents", DocumentDecision)}
    return [
        {"doc_id": d.doc_id, "path": d.path, "date": d.date, "lang": d.lang, "encoding": d.encoding,
         "status": document_status(d, decisions.get(d.doc_id)), "reason": d.reason}
        for d in documents
    ]


def _versions() -> dict[str, str]:
    versions = {"pipeline": __version__, "python": platform.python_version()}
    for package in ("torch", "transformers", "datasets", "sentencepiece", "typer"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _write_manifest(
    store: ArtifactStore, config: Config, inputs: list[dict[str, Any]], reports: list[StageReport]
) -> None:
    manifest = {
        "schema": 1,
        "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "config": config.to_dict(),
        "config_hash": config.hash,
        "config_source": config.source or None,
        "inputs": inputs,
        "stages": {r.name: {"status": r.status, "seconds": round(r.seconds, 3), "counts": r.counts,
                            "notes": r.notes, "fingerprint": r.fingerprint, "detail": r.detail} for r in reports},
        "documents": document_table(store),
    }
    write_atomic(store.run_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def run_pipeline(
    inputs: list[Path],
    run_dir: Path,
    config: Config,
    until: str | None = None,
    force: bool = False,
    progress: ProgressFactory = no_progress,
    on_stage: Any = None,
) -> RunResult:
    """Run (or reuse) every stage up to ``until``; ``on_stage(report)`` is told after each one."""
    if until is not None and until not in STAGE_NAMES:
        raise UsageError(f"unknown stage `{until}` for --until; choose one of {', '.join(STAGE_NAMES)}")
    files = discover_inputs(inputs)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunDirError(f"cannot create output folder {run_dir}: {err.strerror}; choose another --out") from None
    store = ArtifactStore(run_dir)
    reports: list[StageReport] = []
    input_listing: list[dict[str, Any]] = []
    upstream = ""
    last = STAGE_NAMES.index(until) if until else len(STAGES) - 1
    for spec in STAGES[: last + 1]:
        module, why = _stage_available(spec)
        if module is None:
            reports.append(StageReport(spec.name, "not-available", detail=why))
            # later stages depend on this one: report them as not run, never fake them
            for rest in STAGES[STAGES.index(spec) + 1 : last + 1]:
                reports.append(StageReport(rest.name, "not-run", detail=f"needs `{spec.name}`"))
            break
        extra, listing = _extra_identity(spec, config, files)
        if listing:
            input_listing = listing
        fingerprint = _fingerprint(spec, module, config, upstream, extra)
        marker = store.marker(spec.name)
        if not force and marker is not None and marker.get("fingerprint") == fingerprint:
            report = StageReport(spec.name, "reused", counts=marker.get("counts", {}),
                                 notes=marker.get("notes", []), fingerprint=fingerprint)
        else:
            store.invalidate(spec.name)
            ctx = StageContext(config=config, run_dir=run_dir, load=store.load, inputs=files, progress=progress)
            started = time.perf_counter()
            output: StageOutput = module.run(ctx)
            seconds = time.perf_counter() - started
            store.commit(spec.name, output, {"fingerprint": fingerprint, "version": getattr(module, "VERSION", "0"),
                                             "counts": output.counts, "notes": output.notes,
                                             "seconds": round(seconds, 3)})
            report = StageReport(spec.name, "done", seconds, output.counts, output.notes, fingerprint)
        reports.append(report)
        upstream = fingerprint
        _write_manifest(store, config, input_listing, reports)
        if on_stage is not None:
            on_stage(report)
    _write_manifest(store, config, input_listing, reports)
    return RunResult(run_dir, reports, document_table(store))


def inspect_stage(run_dir: Path, stage: str) -> list[dict[str, Any]]:
    """A finished stage's records, every artifact of it, each row tagged with its artifact."""
    if stage not in STAGE_NAMES:
        raise UsageError(f"unknown stage `{stage}`; choose one of {', '.join(STAGE_NAMES)}")
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir} is not a run folder; pass the --out folder of a `pipeline run`")
    store = ArtifactStore(run_dir)
    module = importlib.import_module(STAGES[STAGE_NAMES.index(stage)].module)
    rows = getattr(module, "inspect_rows", None)
    if rows is not None:  # a stage may choose its public view (e.g. ingest adds paths)
        return rows(store.rows, run_dir)
    return [row for name in store.artifact_names(stage) for row in store.rows(stage, name)]
