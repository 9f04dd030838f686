"""`pipeline evaluate` through the CLI: exit codes, --json, faithfulness.json, sources that
went missing or changed, bad digests, and the pipeline's own seed digest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from faithfulness_fixtures import build_digest, seed_digest_path
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.faithfulness.evaluate import REPORT_NAME

MIN_SEED_SUPPORT = 0.95
runner = CliRunner()


def record_inputs(run_dir: Path, paths: list[Path]) -> None:
    """The manifest a run writes beside its digest: the only files the evaluator may read."""
    inputs = [{"path": str(p.resolve()), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in paths]
    (run_dir / "manifest.json").write_text(json.dumps({"schema": 1, "inputs": inputs}), encoding="utf-8")


@pytest.fixture()
def digest_path(tmp_path: Path) -> Path:
    path = build_digest(tmp_path)
    record_inputs(tmp_path, sorted((tmp_path / "inputs").iterdir()))
    return path


def _digest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _rewrite(path: Path, digest: dict[str, Any]) -> None:
    path.write_text(json.dumps(digest, ensure_ascii=False), encoding="utf-8")


def _evaluate(*args: str) -> Any:
    return runner.invoke(app, ["evaluate", *args])


def _report(digest_path: Path) -> dict[str, Any]:
    return json.loads((digest_path.parent / REPORT_NAME).read_text(encoding="utf-8"))


@pytest.mark.parametrize("target", ["folder", "file"])
def test_a_faithful_digest_exits_0_prints_tables_and_writes_the_report(digest_path: Path, target: str) -> None:
    result = _evaluate(str(digest_path.parent if target == "folder" else digest_path), "--min-support", "0.95")
    assert result.exit_code == 0, result.output
    assert "support rate" in result.output and "citation precision" in result.output
    report = _report(digest_path)
    sentences = sum(len(e["summary"]) for e in _digest(digest_path)["events"])
    assert report["overall"]["sentences"] == len(report["sentences"]) == sentences
    assert report["overall"]["support_rate"] == report["overall"]["citation_recall"] == 1.0
    assert {"event_id", "index", "text", "supported", "score", "problems"} <= set(report["sentences"][0])


def test_json_output_is_the_written_report(digest_path: Path) -> None:
    result = _evaluate(str(digest_path), "--json")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == _report(digest_path)
    assert set(printed["overall"]) >= {
        "support_rate",
        "citation_recall",
        "citation_precision",
        "sentences",
        "unsupported",
    }


def _break_first_sentence(digest_path: Path) -> str:
    digest = _digest(digest_path)
    sentence = digest["events"][0]["summary"][0]
    sentence["text"] = sentence["text"].replace("Russia", "Iran")
    _rewrite(digest_path, digest)
    return sentence["text"]


@pytest.mark.parametrize(("min_support", "exit_code"), [(None, 0), ("0.5", 0), ("0.999", 3), ("1", 3)])
def test_min_support_sets_the_exit_code(digest_path: Path, min_support: str | None, exit_code: int) -> None:
    _break_first_sentence(digest_path)
    result = _evaluate(str(digest_path), *(["--min-support", min_support] if min_support else []))
    assert result.exit_code == exit_code, result.output
    report = _report(digest_path)
    assert report["overall"]["unsupported"] == 1
    first = report["sentences"][0]
    assert first["supported"] is False
    assert [p["code"] for p in first["problems"]] == ["entity-missing"]
    if exit_code == 3:
        assert "below --min-support" in result.output


def test_the_tables_show_the_written_report(digest_path: Path) -> None:
    _break_first_sentence(digest_path)
    result = runner.invoke(app, ["evaluate", str(digest_path)], env={"COLUMNS": "1000"})  # no wrapped cells
    report = _report(digest_path)
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in result.output.splitlines() if line.startswith("│")]
    overall = report["overall"]
    assert cells[:6] == [
        ["support rate", f"{overall['support_rate']:.3f}"],
        ["citation recall", f"{overall['citation_recall']:.3f}"],
        ["citation precision", f"{overall['citation_precision']:.3f}"],
        ["sentences", str(overall["sentences"])],
        ["unsupported", "1"],
        ["unresolved citations", "0"],
    ]
    rows = cells[6:]  # one line per sentence: none of these has two problems
    expected = [
        [
            s["event_id"],
            str(s["index"]),
            "yes" if s["supported"] else "NO",
            f"{s['score']:.2f}",
            "".join(f"{p['code']}{' (warning)' * (p['severity'] == 'warning')}: {p['detail']}" for p in s["problems"]),
            s["text"],
        ]
        for s in report["sentences"]
    ]
    assert rows == expected and rows[0][2] == "NO" and rows[0][4].startswith("entity-missing: ")
    assert any("(warning): " in row[4] for row in rows)  # a warning is marked as one


def test_a_missing_source_file_is_reported_not_crashed_on(digest_path: Path) -> None:
    digest = _digest(digest_path)
    gone = digest["documents"][1]
    Path(gone["path"]).unlink()
    result = _evaluate(str(digest_path), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    cites_gone = [
        s for s in report["sentences"] if any(c["sentence_id"].startswith(gone["doc_id"]) for c in s["citations"])
    ]
    assert cites_gone and all(not s["supported"] for s in cites_gone)
    assert all("source-missing" in {p["code"] for p in s["problems"]} for s in cites_gone)
    others = [s for s in report["sentences"] if s not in cites_gone]
    assert others and all(s["supported"] for s in others)
    assert report["overall"]["unresolved_citations"] == len(cites_gone)


def test_an_edited_source_file_is_not_read(digest_path: Path) -> None:
    """Its sha256 no longer matches the manifest: the run digested other bytes."""
    digest = _digest(digest_path)
    document = digest["documents"][2]
    path = Path(document["path"])
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2] + "Une phrase ajoutée. " + text[len(text) // 2 :], encoding="utf-8")
    result = _evaluate(str(digest_path), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    edited = [
        s
        for s in report["sentences"]
        if any(c["sentence_id"].startswith(document["doc_id"] + ":") for c in s["citations"])
    ]
    assert edited and all(not s["supported"] for s in edited)
    assert all(
        any(p["code"] == "source-missing" and "changed since the run" in p["detail"] for p in s["problems"])
        for s in edited
    )
    assert all(s["supported"] for s in report["sentences"] if s not in edited)


def test_a_sentence_without_citations_is_a_finding(digest_path: Path) -> None:
    digest = _digest(digest_path)
    digest["events"][0]["summary"][1]["citations"] = []
    _rewrite(digest_path, digest)
    result = _evaluate(str(digest_path), "--json")
    sentence = json.loads(result.stdout)["sentences"][1]
    assert [p["code"] for p in sentence["problems"]] == ["no-citation"]
    assert sentence["supported"] is False and sentence["score"] == 0.0


def test_a_jsonl_source_is_read_at_its_line(tmp_path: Path) -> None:
    french = "Les responsables iraniens ont nié avoir fourni des drones ou un autre soutien à la Russie."
    english = "Iranian officials have denied providing drones or any other support to Russia."
    lines = [{"id": "a", "text": "Première dépêche."}, {"id": "b", "text": f"Titre. {french}"}]
    (tmp_path / "in.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    citation = {
        "doc_id": "b",
        "sentence_id": "b:1",
        "start": 7,
        "end": 7 + len(french),
        "source_text": french,
        "translation": english,
    }
    digest = {
        "schema": 1,
        "model": {},
        "events": [{"event_id": "e", "summary": [{"text": english, "citations": [citation]}]}],
        "documents": [{"doc_id": "b", "path": "in.jsonl", "lang": "fr", "encoding": "utf-8", "line": 2}],
    }
    _rewrite(tmp_path / "digest.json", digest)
    record_inputs(tmp_path, [tmp_path / "in.jsonl"])
    result = _evaluate(str(tmp_path), "--json")
    assert json.loads(result.stdout)["sentences"][0]["supported"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no digest at"),
        ("{not json", "is not a JSON digest"),
        (json.dumps({"schema": 2, "documents": [], "events": []}), "schema"),
        (
            json.dumps(
                {
                    "schema": 1,
                    "documents": [],
                    "events": [{"event_id": "e", "summary": [{"text": "x", "citations": [{"doc_id": "d"}]}]}],
                }
            ),
            "events[0].summary[0].citations[0]",
        ),
    ],
)
def test_an_unusable_digest_is_an_error_with_exit_1(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "digest.json").write_text(content, encoding="utf-8")
    result = _evaluate(str(tmp_path))
    assert result.exit_code == 1
    assert "error:" in result.output and message in result.output
    assert not (tmp_path / REPORT_NAME).exists()


@pytest.fixture()
def seed_digest(request: pytest.FixtureRequest) -> Path:
    return seed_digest_path(request)


def test_the_seed_digest_is_supported(seed_digest: Path) -> None:
    result = _evaluate(str(seed_digest.parent), "--min-support", str(MIN_SEED_SUPPORT))
    report = _report(seed_digest)
    print(f"\nseed digest: {json.dumps(report['overall'])}")
    assert result.exit_code == 0, result.output
    assert report["overall"]["sentences"] > 0
    assert report["overall"]["support_rate"] >= MIN_SEED_SUPPORT
    assert report["overall"]["citation_recall"] >= MIN_SEED_SUPPORT
    assert report["overall"]["unresolved_citations"] == 0


def test_an_alias_file_accounts_for_a_name_with_no_shared_spelling(tmp_path: Path) -> None:
    """ "Earth" has no French spelling in "la Terre": an error without the user's alias file, fine with it."""
    source = (
        "Le satellite CSO-3 observera la Terre depuis une orbite basse, "
        "a annoncé le ministère des Armées jeudi 7 mars 2024."
    )
    english = (
        "The CSO-3 satellite will observe Earth from a low orbit, "
        "the Ministry of the Armed Forces announced on Thursday 7 March 2024."
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(f" date 2024-03\n{source}\n", encoding="utf-8")
    memory = tmp_path / "memory.jsonl"
    memory.write_text(json.dumps({"source": source, "translation": english}) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    result = runner.invoke(app, ["run", str(tmp_path / "in"), "--out", str(run), "--memory", str(memory), "-q"])
    assert result.exit_code == 0, result.output

    def problems(*extra: str) -> list[str]:
        outcome = runner.invoke(app, ["evaluate", str(run), "--json", *extra])
        assert outcome.exit_code == 0, outcome.output
        return [p["code"] for s in json.loads(outcome.output)["sentences"] for p in s["problems"]]

    assert problems() == ["entity-not-in-source"]
    names = tmp_path / "names.txt"
    names.write_text("Earth = Terre\n", encoding="utf-8")
    assert problems("--aliases", str(names)) == []
    names.write_text("Earth Terre\n", encoding="utf-8")
    broken = runner.invoke(app, ["evaluate", str(run), "--aliases", str(names)])
    assert broken.exit_code == 1 and "summarize.aliases" in broken.output
