"""Shared fixtures: every test is isolated from the user's home, caches and the network."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# huggingface_hub reads these once, when first imported, which can be before any fixture runs:
# set them before the test modules import transformers, so no test can reach the hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="pipeline-tests-hf-")

from tests.support.paths import SEED_MEMORY, SEEDS  # noqa: E402  (after the hub variables)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the user's home or caches, and none may reach the model hub."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("HF_HOME", str(home / ".cache" / "huggingface"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random MarianMT model built offline from the seed texts (real loading path, gibberish output)."""
    from tests.support.random_model import build_random_marian

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return build_random_marian(tmp_path_factory.mktemp("tiny-marian"), texts)


@pytest.fixture(scope="session")
def seed_run(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The whole pipeline on seeds/ with the tiny model and the English translation memory.

    Returns the runner's RunResult; its run_dir holds every stage's artifacts and the digest.
    """
    import dataclasses

    from pipeline.config import Config, with_overrides
    from pipeline.runner import run_pipeline

    run_dir = tmp_path_factory.mktemp("seed-run")
    config = with_overrides(Config(), models={"fr": str(tiny_model_dir)}, memory=str(SEED_MEMORY))
    config = dataclasses.replace(config, cache=str(run_dir.parent / "seed-run-cache.sqlite"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("HOME", str(run_dir.parent))
        return run_pipeline([SEEDS], run_dir, config)
