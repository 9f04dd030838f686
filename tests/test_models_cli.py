"""`pipeline models`: which configured models resolve offline, and clear failures without the hub."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from translate_fixtures import (
    offline_hub_cache,  # noqa: F401  (the hub_cache fixture)
    put_in_hub_cache,
)
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, with_overrides
from pipeline.translation.marian import model_statuses
from tests.support.paths import SEEDS

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # rich would otherwise wrap long paths in the table


def statuses(**models: str):
    return model_statuses(with_overrides(Config(), models=models))


def test_a_local_model_folder_is_available(tiny_model_dir: Path) -> None:
    [status] = statuses(fr=str(tiny_model_dir))
    assert status.available and status.where == str(tiny_model_dir.resolve())
    result = runner.invoke(app, ["models", "--model", f"fr={tiny_model_dir}"], env=WIDE)
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if str(tiny_model_dir) in line)
    assert " yes " in row and " fr " in row


def test_an_uncached_hub_model_is_not_available(hub_cache: Path) -> None:
    [status] = statuses()
    assert (status.lang, status.model_id, status.revision) == ("fr", "Helsinki-NLP/opus-mt-fr-en", "main")
    assert not status.available and "not in the Hugging Face cache" in status.where
    result = runner.invoke(app, ["models"], env=WIDE)
    assert result.exit_code == 0
    row = next(line for line in result.output.splitlines() if "Helsinki-NLP/opus-mt-fr-en" in line)
    assert " no " in row and "not in the Hugging Face cache" in row
    # the default backend's column says there is nothing to convert, not the whole error again
    assert row.count("not in the Hugging Face cache") == 1 and "no: the checkpoint is not here to convert" in row


def test_a_cached_hub_model_is_available(hub_cache: Path, tiny_model_dir: Path) -> None:
    snapshot = put_in_hub_cache(hub_cache, "Helsinki-NLP/opus-mt-fr-en", tiny_model_dir)
    [status] = statuses()
    assert status.available and status.where == str(snapshot)


@pytest.mark.parametrize(
    ("remove", "model_id", "reason"),
    [
        (None, "/no/such/folder", "no such folder"),
        ("source.spm", None, "lacks source.spm"),
        ("model.safetensors", None, "lacks model.safetensors or pytorch_model.bin"),
        (None, "not a hub id!", "neither a local folder nor a valid hub id"),
    ],
)
def test_unusable_models_say_why(
    hub_cache: Path, tmp_path: Path, tiny_model_dir: Path, remove: str | None, model_id: str | None, reason: str
) -> None:
    if model_id is None:
        model_id = str(tmp_path / "model")
        shutil.copytree(tiny_model_dir, model_id)
        (Path(model_id) / remove).unlink()
    [status] = statuses(fr=model_id)
    assert not status.available and reason in status.where


def test_download_without_the_hub_is_one_clear_error(hub_cache: Path) -> None:
    result = runner.invoke(app, ["models", "--download"], env=WIDE)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "`fr`" in lines[0]


def test_run_with_a_missing_model_exits_1_with_one_line(hub_cache: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["run", str(SEEDS), "--out", str(tmp_path / "run"), "--quiet", "--model", "fr=Helsinki-NLP/opus-mt-fr-en"],
        env=WIDE,
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: model for `fr`") and "--model fr=" in lines[0]


def bert_folder(tmp_path: Path, tiny_model_dir: Path) -> Path:
    """A complete-looking checkpoint folder whose config says BERT, not Marian."""
    import json

    folder = tmp_path / "bert"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "bert"}), encoding="utf-8")
    return folder


def test_a_non_marian_folder_is_not_usable(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = bert_folder(tmp_path, tiny_model_dir)
    [status] = statuses(fr=str(folder))
    assert not status.available and "bert model, not a Marian" in status.where
    result = runner.invoke(app, ["models", "--model", f"fr={folder}"], env=WIDE)
    row = next(line for line in result.output.splitlines() if " fr " in line)
    assert " no " in row and " yes " not in row


def test_run_with_a_non_marian_folder_exits_1_with_one_line(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = bert_folder(tmp_path, tiny_model_dir)
    result = runner.invoke(
        app, ["run", str(SEEDS), "--out", str(tmp_path / "run"), "--quiet", "--model", f"fr={folder}"], env=WIDE
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "bert model, not a Marian" in lines[0]
