"""The whole pipeline on the seed reports (tiny offline model, the seeds' translation memory):
the digest's files, its citations checked against the input bytes, its schema, coverage of
the seeds, reproducibility, and stability when one seed is left out."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, with_overrides
from pipeline.runner import run_pipeline
from pipeline.sources import load_original
from tests.support.paths import SEED_MEMORY, SEEDS

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "pipeline" / "schemas" / "digest.schema.json"
GENERATED_LINE = re.compile(r"^Generated at .*$", re.MULTILINE)
LEFT_OUT = "001_79c30380bc51d99a"  # the November 2022 report


def read_digest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "digest.json").read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def without_timestamp(run_dir: Path) -> tuple[dict[str, Any], str]:
    digest = read_digest(run_dir)
    assert digest.pop("generated_at")
    markdown = (run_dir / "digest.md").read_text(encoding="utf-8")
    assert len(GENERATED_LINE.findall(markdown)) == 1
    return digest, GENERATED_LINE.sub("", markdown)


def isolated(patch: pytest.MonkeyPatch, home: Path) -> None:
    """The autouse isolation, for module-scoped runs that happen before it applies."""
    for name, value in {
        "HOME": home,
        "XDG_CACHE_HOME": home / ".cache",
        "HF_HOME": home / ".cache" / "hf",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }.items():
        patch.setenv(name, str(value))


@pytest.fixture(scope="module")
def cli_run(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """The same run as `seed_run`, fresh, through the command line."""
    out = tmp_path_factory.mktemp("cli-run")
    with pytest.MonkeyPatch.context() as patch:
        isolated(patch, tmp_path_factory.mktemp("cli-home"))
        result = CliRunner().invoke(
            app, ["run", str(SEEDS), "--out", str(out), "--model", f"fr={tiny_model_dir}", "--memory", str(SEED_MEMORY)]
        )
    return result, out


@pytest.fixture(scope="module")
def run_without_one_seed(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run-without-one")
    config = with_overrides(Config(), models={"fr": str(tiny_model_dir)}, memory=str(SEED_MEMORY))
    config = dataclasses.replace(config, cache=str(out.parent / "run-without-one-cache.sqlite"))
    inputs = [p for p in sorted(SEEDS.glob("*.txt")) if p.stem != LEFT_OUT]
    with pytest.MonkeyPatch.context() as patch:
        isolated(patch, tmp_path_factory.mktemp("without-home"))
        run_pipeline(inputs, out, config)
    return out


@pytest.fixture(scope="module")
def digest(seed_run) -> dict[str, Any]:
    return read_digest(seed_run.run_dir)


def citations(digest: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for e in digest["events"] for s in e["summary"] for c in s["citations"]]


def test_both_files_are_written(seed_run):
    assert seed_run.digest_path == seed_run.run_dir / "digest.md"
    assert (seed_run.run_dir / "digest.json").is_file()
    assert [s.status for s in seed_run.stages] == ["done"] * 6


def test_digest_validates_against_the_schema_file(digest):
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))).validate(digest)


def test_every_citation_is_the_input_files_text_at_its_span(digest):
    documents = {d["doc_id"]: d for d in digest["documents"]}
    originals: dict[str, str] = {}
    for citation in citations(digest):
        doc = documents[citation["doc_id"]]
        if doc["doc_id"] not in originals:  # re-read the bytes, decode as ingest did
            originals[doc["doc_id"]] = load_original(doc["path"], doc["encoding"], doc.get("line"))
        assert originals[doc["doc_id"]][citation["start"] : citation["end"]] == citation["source_text"], citation
        assert citation["source_text"].strip() and citation["translation"].strip()
    assert len(originals) >= 5


def test_every_seed_is_used_and_cited(digest):
    seeds = {p.stem for p in SEEDS.glob("*.txt")}
    assert {d["doc_id"] for d in digest["documents"]} == seeds
    used = {d["doc_id"] for d in digest["documents"] if d["status"] == "used"}
    cited = {c["doc_id"] for c in citations(digest)}
    assert used == seeds  # five distinct reports: none is a duplicate, none unusable
    assert used <= cited


def test_at_least_four_events_and_background_last(digest):
    assert sum(1 for e in digest["events"] if not e.get("background")) >= 4
    flags = [bool(e.get("background")) for e in digest["events"]]
    assert flags == sorted(flags)  # the background section, if any, comes last


def test_summary_sentences_are_translations_citing_their_whole_group(seed_run, digest):
    groups = {frozenset(g["sentence_ids"]) for g in read_jsonl(seed_run.run_dir / "dedup" / "groups.jsonl")}
    translations = {t["translation"]: t for t in read_jsonl(seed_run.run_dir / "translate" / "translations.jsonl")}
    for event in digest["events"]:
        assert 1 <= len(event["summary"]) <= Config().summarize.max_sentences
        for sentence in event["summary"]:
            cited = frozenset(c["sentence_id"] for c in sentence["citations"])
            # whole groups: its own, and those of other outlets stating the same claim
            assert cited == frozenset().union(*(g for g in groups if g & cited))
            translation = translations[sentence["text"]]
            assert translation["origin"] != "untranslated"
            assert set(translation["sentence_ids"]) <= cited
            assert sentence.get("flags", []) == sorted(translation["flags"])


def test_markdown_shows_every_event_flag_and_document(seed_run, digest):
    markdown = (seed_run.run_dir / "digest.md").read_text(encoding="utf-8")
    for event in digest["events"]:
        assert event["title"] in markdown
    flagged = sum(1 for e in digest["events"] for s in e["summary"] if s.get("flags"))
    assert markdown.count("⚠ unverified translation") == flagged
    table = markdown[markdown.index("## Documents") :]
    for doc in digest["documents"]:
        assert f"| {doc['doc_id']} | {Path(doc['path']).name} |" in table


def test_cli_run_exits_0_and_prints_the_digest_path(cli_run):
    result, out = cli_run
    assert result.exit_code == 0, result.output
    assert f"digest: {out / 'digest.md'}" in " ".join(result.output.split())


def test_the_same_inputs_give_the_same_digest(seed_run, cli_run):
    _, out = cli_run
    assert without_timestamp(out) == without_timestamp(seed_run.run_dir)


def events_by_id(run_dir: Path) -> dict[str, dict[str, Any]]:
    return {e["event_id"]: e for e in read_jsonl(run_dir / "events" / "events.jsonl")}


def test_leaving_one_seed_out_changes_only_the_events_that_drew_on_it(seed_run, digest, run_without_one_seed):
    """An event that neither cites the seed nor holds any of its sentences must come out the same.
    (One that holds a sentence of it without citing it legitimately changes: its members do.)"""
    reduced = read_digest(run_without_one_seed)
    assert LEFT_OUT not in {d["doc_id"] for d in reduced["documents"]}
    assert LEFT_OUT not in {c["doc_id"] for c in citations(reduced)}
    clustered_before, clustered_after = events_by_id(seed_run.run_dir), events_by_id(run_without_one_seed)
    untouched = {
        e["event_id"]: e
        for e in digest["events"]
        if LEFT_OUT not in {c["doc_id"] for s in e["summary"] for c in s["citations"]}
        and LEFT_OUT not in clustered_before[e["event_id"]]["doc_ids"]
    }
    assert untouched, "every event drew on the left-out seed: the check would prove nothing"
    after = {e["event_id"]: e for e in reduced["events"]}
    changed = {
        event_id: "gone" if event_id not in after else "changed"
        for event_id, event in untouched.items()
        if after.get(event_id) != event
    }
    regrouped = sorted(e for e in changed if clustered_after.get(e) != clustered_before[e])
    assert not changed, f"events not drawing on {LEFT_OUT} changed: {changed}; regrouped by events: {regrouped}"


def test_an_unchanged_event_keeps_its_summary(seed_run, digest, run_without_one_seed):
    """Whatever the clustering does, an event with the same sentence groups gets the same summary."""
    before, after = events_by_id(seed_run.run_dir), events_by_id(run_without_one_seed)
    summaries_before = {e["event_id"]: e for e in digest["events"]}
    summaries_after = {e["event_id"]: e for e in read_digest(run_without_one_seed)["events"]}
    same = [e for e, event in before.items() if after.get(e) == event and e in summaries_before]
    assert len(same) >= 2
    for event_id in same:
        assert summaries_after[event_id] == summaries_before[event_id]
