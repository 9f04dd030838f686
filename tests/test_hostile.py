"""Hostile input through the real CLI: crafted digests, links, special files, odd encodings and
names, a damaged cache, interrupted runs. Every input file must end up used or skipped with a
reason; no case may hang, print a traceback or show a file the run did not read."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
runner = CliRunner()
FRENCH = "Le gouvernement a annoncé une réforme des retraites. Les syndicats appellent à la grève jeudi.\n"
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and symbolic links as POSIX has them")


def _run(*args: str) -> Any:
    return runner.invoke(app, ["run", *args])


def _documents(run_dir: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return {Path(d["path"]).name: d for d in manifest["documents"]}


def _no_traceback(result: Any) -> None:
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


# --- 1. evaluate reads only what the run recorded ---------------------------------------------


def _crafted_digest(folder: Path, path: str, text: str) -> None:
    citation = {
        "doc_id": "d",
        "sentence_id": "d:0",
        "start": 0,
        "end": len(text),
        "source_text": text,
        "translation": text,
    }
    digest = {
        "schema": 1,
        "documents": [{"doc_id": "d", "path": path, "lang": "fr", "encoding": "utf-8"}],
        "events": [{"event_id": "e", "summary": [{"text": text, "citations": [citation]}]}],
    }
    (folder / "digest.json").write_text(json.dumps(digest), encoding="utf-8")


@pytest.mark.parametrize("kind", ["absolute", "dot-dot", "forged manifest"])
def test_evaluate_never_reads_a_path_only_the_digest_names(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    path = str(secret) if kind != "dot-dot" else "../secret.txt"
    _crafted_digest(run_dir, path, "root:x:0:0:WRONG")  # a mismatch would print an excerpt of the file
    if kind == "forged manifest":  # lists the file, but not with the sha256 of what it holds
        inputs = [{"path": str(secret), "sha256": hashlib.sha256(b"other").hexdigest()}]
        (run_dir / "manifest.json").write_text(json.dumps({"inputs": inputs}), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(run_dir), "--json"])
    _no_traceback(result)
    report = json.loads(result.stdout)
    [sentence] = report["sentences"]
    assert [p["code"] for p in sentence["problems"]][0] == "source-missing"
    assert "SECRET" not in result.output and "root:x:0:0:SECRET" not in json.dumps(report)


def test_evaluate_reads_etc_passwd_never(tmp_path: Path) -> None:
    _crafted_digest(tmp_path, "/etc/passwd", "root")
    result = runner.invoke(app, ["evaluate", str(tmp_path)])
    _no_traceback(result)
    assert "source-missing" in result.output and "/bin/" not in result.output


# --- 3. symbolic links ------------------------------------------------------------------------


@posix_only
def test_links_out_of_the_input_folder_are_skipped_unless_asked(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text(FRENCH, encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("Une information venue d'ailleurs. Elle ne devait pas être lue.\n", encoding="utf-8")
    (inputs / "link.txt").symlink_to(outside)
    (inputs / "inside.txt").symlink_to(inputs / "a.txt")  # inside the folder: the same file, once
    result = _run(str(inputs), "--out", str(tmp_path / "run"), "--until", "ingest")
    _no_traceback(result)
    assert result.exit_code == 2
    documents = _documents(tmp_path / "run")
    assert documents["a.txt"]["status"] == "used"
    assert documents["link.txt"]["status"].startswith("skipped")
    assert "--follow-links" in documents["link.txt"]["reason"]
    assert "outside.txt" not in documents and len(documents) == 2
    followed = _run(str(inputs), "--follow-links", "--out", str(tmp_path / "run2"), "--until", "ingest")
    assert followed.exit_code == 0, followed.output
    assert _documents(tmp_path / "run2")["outside.txt"]["status"] == "used"


# --- special files: never opened, never lost --------------------------------------------------


@posix_only
def test_fifo_dev_zero_and_dangling_links_are_skipped_without_hanging(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text(FRENCH, encoding="utf-8")
    os.mkfifo(inputs / "pipe.txt")
    (inputs / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(tmp_path / "given.txt")
    args = [str(inputs), str(tmp_path / "given.txt"), "/dev/zero", "--out", str(tmp_path / "run"), "--until", "ingest"]
    # a subprocess with a timeout: opening a FIFO for reading would block this test forever
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", *args], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    documents = _documents(tmp_path / "run")
    assert documents["a.txt"]["status"] == "used"
    for name, reason in [
        ("pipe.txt", "named pipe"),
        ("given.txt", "named pipe"),
        ("zero", "character device"),
        ("dangling.txt", "dangling symbolic link"),
    ]:
        assert reason in documents[name]["reason"], documents[name]


def test_an_empty_folder_is_an_error_not_an_empty_digest(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _run(str(tmp_path / "empty"), "--out", str(tmp_path / "run"))
    assert result.exit_code == 1
    assert result.output.startswith("error: no input documents found")


def test_a_folder_of_unusable_files_is_an_error_that_names_them(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "zero.txt").write_bytes(b"")
    (inputs / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    result = _run(str(inputs), "--out", str(tmp_path / "run"))
    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "error: no usable input document" in flat and "empty file" in flat and "binary file" in flat
    assert {d["status"] for d in _documents(tmp_path / "run").values()} == {"skipped:empty file", "skipped:binary file"}


# --- 6. encodings -----------------------------------------------------------------------------


def test_a_cp1252_file_is_decoded_as_cp1252_and_the_manifest_says_so(tmp_path: Path) -> None:
    text = "L’œuvre « majeure » – a-t-il dit. Le cœur du problème reste entier.\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "w.txt").write_bytes(text.encode("cp1252"))
    result = _run(str(tmp_path / "in"), "--out", str(tmp_path / "run"), "--until", "ingest")
    assert result.exit_code == 0, result.output
    assert _documents(tmp_path / "run")["w.txt"]["encoding"] == "cp1252"
    inspected = runner.invoke(app, ["inspect", str(tmp_path / "run"), "ingest"])
    first = json.loads(inspected.stdout.splitlines()[0])
    assert first["text"] == text.split(". ")[0] + "."


# --- 7. a damaged translation cache -----------------------------------------------------------


def test_a_page_corrupted_cache_is_moved_aside_and_rebuilt(tmp_path: Path, tiny_model_dir: Path) -> None:
    from pipeline.translation.cache import TranslationCache, default_cache_path

    cache = default_cache_path()
    with TranslationCache(cache) as filled:
        filled.put_many([(f"k{i}", "m", "s" * 400, "t" * 400, 1) for i in range(500)])
    damaged = bytearray(cache.read_bytes())
    damaged[4096 * 2 : 4096 * 2 + 3000] = bytes(range(256)) * 11 + bytes(184)
    cache.write_bytes(bytes(damaged))
    args = [str(SEEDS[0]), "--out", str(tmp_path / "run"), "--until", "translate", "--model", f"fr={tiny_model_dir}"]
    result = _run(*args)
    _no_traceback(result)
    assert result.exit_code == 0, result.output
    assert list(cache.parent.glob(f"{cache.name}.corrupt-*"))
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert any("damaged" in note for note in manifest["stages"]["translate"]["notes"])
    with TranslationCache(cache) as rebuilt:
        assert rebuilt.notes == []


# --- names and texts holding rich markup, newlines, unicode -----------------------------------


@posix_only
@pytest.mark.parametrize(
    "name", ["[bold]gras[i].md", "[link=x]lien.txt", "ligne\nneuve.txt", "épreuve–ü😀.txt", "\x1b[31mrouge.txt"]
)
def test_hostile_names_and_markup_in_text_print_as_they_are(tmp_path: Path, name: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / name).write_text("Il a écrit [/] et [bold]ceci[/bold] dans sa note. " + FRENCH, encoding="utf-8")
    (inputs / "vide[bold].txt").write_bytes(b"")  # a skip reason printed with a name holding markup
    for _ in range(2):  # the rerun reuses the stage and prints the same again
        result = _run(str(inputs), "--out", str(tmp_path / "run"), "--until", "ingest")
        _no_traceback(result)
        assert result.exit_code == 2, result.output
    documents = _documents(tmp_path / "run")
    assert documents[name]["status"] == "used" and documents["vide[bold].txt"]["status"] == "skipped:empty file"
    assert "vide[bold].txt" in result.output
    assert "\x1b[31m" not in result.output


# --- races, sizes ------------------------------------------------------------------------------


def test_a_file_deleted_between_discovery_and_reading_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.runner

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text(FRENCH, encoding="utf-8")
    (inputs / "b.txt").write_text(FRENCH.replace("jeudi", "vendredi"), encoding="utf-8")
    discover = pipeline.runner.discover_inputs

    def discover_then_delete(paths: list[Path], follow_links: bool = False) -> list[Path]:
        found = discover(paths, follow_links=follow_links)
        (inputs / "b.txt").unlink()
        return found

    monkeypatch.setattr(pipeline.runner, "discover_inputs", discover_then_delete)
    result = _run(str(inputs), "--out", str(tmp_path / "run"), "--until", "ingest")
    _no_traceback(result)
    assert result.exit_code == 2
    assert _documents(tmp_path / "run")["b.txt"]["reason"] == "unreadable: No such file or directory"


def test_a_jsonl_with_a_10_mb_line_keeps_every_line(tmp_path: Path) -> None:
    lines = [
        {"id": "small", "text": FRENCH},
        {"id": "big", "text": "Une dépêche courte sur la grève. Elle est suivie partout.", "pad": "x" * 10_000_000},
        {"id": "last", "text": FRENCH.replace("jeudi", "lundi")},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    result = _run(str(path), "--out", str(tmp_path / "run"), "--until", "ingest")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert [(d["doc_id"], d["status"]) for d in manifest["documents"]] == [
        ("small", "used"),
        ("big", "used"),
        ("last", "used"),
    ]


# --- scale: one document of a book's length is refused, the rest goes through -----------------


def _limit_config(folder: Path, chars: int) -> Path:
    config = folder / "models.yaml"
    config.write_text(f"ingest:\n  max_document_chars: {chars}\n", encoding="utf-8")
    return config


def test_a_document_over_the_length_limit_is_skipped_and_the_rest_is_used(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "report.txt").write_text(FRENCH, encoding="utf-8")
    (inputs / "archive.txt").write_text(FRENCH * 40, encoding="utf-8")
    config = _limit_config(tmp_path, 2_000)
    result = _run(str(inputs), "--out", str(tmp_path / "run"), "--until", "ingest", "--config", str(config))
    _no_traceback(result)
    assert result.exit_code == 2, result.output
    documents = _documents(tmp_path / "run")
    reason = f"{len(FRENCH) * 40:,} characters, over ingest.max_document_chars (2,000)"
    assert documents["archive.txt"]["status"].startswith(f"skipped:{reason}: split it into reports")
    assert documents["report.txt"]["status"] == "used"
    assert reason in " ".join(result.output.split())


def test_a_file_too_large_for_the_length_limit_in_any_encoding_is_refused_unread(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "report.txt").write_text(FRENCH, encoding="utf-8")
    (inputs / "book.txt").write_bytes(FRENCH.encode("utf-8") * 100)
    config = _limit_config(tmp_path, 2_000)
    result = _run(str(inputs), "--out", str(tmp_path / "run"), "--until", "ingest", "--config", str(config))
    assert result.exit_code == 2, result.output
    size = len(FRENCH.encode("utf-8")) * 100
    assert _documents(tmp_path / "run")["book.txt"]["status"].startswith(
        f"skipped:{size:,} bytes, over ingest.max_document_chars (2,000)"
    )


def test_a_jsonl_line_over_the_length_limit_is_skipped_and_the_others_are_used(tmp_path: Path) -> None:
    lines = [{"id": "short", "text": FRENCH}, {"id": "long", "text": FRENCH * 40}, {"id": "after", "text": FRENCH}]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    config = _limit_config(tmp_path, 2_000)
    result = _run(str(path), "--out", str(tmp_path / "run"), "--until", "ingest", "--config", str(config))
    assert result.exit_code == 2, result.output
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    fates = {d["doc_id"]: d["status"] for d in manifest["documents"]}
    assert fates["short"] == fates["after"] == "used"
    assert fates["long"].startswith("skipped:jsonl line 2: 3,800 characters, over ingest.max_document_chars")


# --- Ctrl-C, then a rerun ---------------------------------------------------------------------


@posix_only
def test_sigint_mid_run_then_a_rerun_loses_nothing(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in SEEDS:
        (inputs / seed.name).write_bytes(seed.read_bytes())
    args = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "run",
        str(inputs),
        "--out",
        str(tmp_path / "run"),
        "--until",
        "dedup",
    ]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while process.poll() is None and not (tmp_path / "run" / "ingest").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    assert process.returncode in (0, 130), stderr  # 0: it finished before the signal landed
    rerun = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    documents = _documents(tmp_path / "run")
    assert sorted(documents) == sorted(seed.name for seed in SEEDS)
    assert all(d["status"] != "skipped" for d in documents.values())


def test_evaluate_prints_markup_in_digest_text_as_it_is(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("Il a écrit [/] et [bold]ceci dans sa note.\n", encoding="utf-8")
    _crafted_digest(tmp_path, str(source), "Il a écrit [/] et [bold]ceci dans sa note.")
    inputs = [{"path": str(source), "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}]
    (tmp_path / "manifest.json").write_text(json.dumps({"inputs": inputs}), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(tmp_path)], terminal_width=300)
    _no_traceback(result)
    assert result.exit_code == 0
    assert "[/] et [bold]ceci" in result.output
