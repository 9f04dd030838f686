"""The CLI surface: help texts, exit codes, and the README kept true to both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline import errors
from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def test_help_lists_every_command_and_the_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "inspect", "models", "evaluate"):
        assert command in result.output
    assert "3 evaluate below --min-support" in " ".join(result.output.split())


def test_readme_opens_with_the_two_make_commands_and_the_makefile_has_them() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)  # type: ignore[union-attr]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make digest", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^digest:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "torch==2.13.0" in makefile  # the CPU build, installed before anything needs torch
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("make test")


@pytest.mark.parametrize(
    ("code", "constant"),
    [(0, errors.EXIT_OK), (1, errors.EXIT_USAGE), (2, errors.EXIT_PARTIAL), (3, errors.EXIT_UNFAITHFUL)],
)
def test_readme_documents_each_exit_code(code: int, constant: int) -> None:
    assert code == constant
    assert re.search(rf"^\| {code} \| \S", README, re.M)


def test_readme_run_options_are_the_commands_options() -> None:
    """The README's usage of `pipeline run` names every option the command has, and no other."""
    usage = README.split("pipeline run INPUT...", 1)[1].split("```", 1)[0]
    documented = set(re.findall(r"--[a-z-]+", usage.split("pipeline inspect", 1)[0]))
    command = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    options = {name for param in command.params for name in param.opts if name.startswith("--")} - {"--help"}
    assert documented == options
    assert {"--out", "--memory", "--until", "--wait", "--follow-links"} <= documented


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "does-not-exist"], "input not found"),
        (["run", "seeds", "--until", "nowhere"], "unknown stage"),
        (["run", "seeds", "--model", "fr"], "LANG=ID_OR_DIR"),
        (["run", "seeds", "--device", "tpu"], "auto, cpu, cuda"),
        (["run", "seeds", "--config", "missing.yaml"], "does not exist"),
        (["inspect", "no-such-run", "ingest"], "not a run folder"),
    ],
)
def test_user_errors_exit_1_with_one_line_and_no_traceback(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "run")] if args[0] == "run" else args)
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert result.output.strip().startswith("error:")


def test_bad_config_key_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    config = tmp_path / "models.yaml"
    config.write_text("models:\n  fr:\n    id: x\n    beam: 4\n", encoding="utf-8")
    result = runner.invoke(app, ["run", "seeds", "--config", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert "`models.fr.beam` is not a known key" in " ".join(result.output.split())
