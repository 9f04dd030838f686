"""Helpers for the translation tests: an offline hub cache, seed sentences, stage contexts."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Config, ModelConfig
from pipeline.records import SentenceGroup
from pipeline.stages.artifacts import GROUPS
from pipeline.stages.base import ProgressFactory, StageContext, no_progress
from tests.support.paths import SEEDS


@pytest.fixture(name="hub_cache")
def offline_hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face cache, offline. huggingface_hub reads HF_HUB_OFFLINE and the cache
    folder once, at import, which may come before the environment is isolated: patch both."""
    import huggingface_hub.constants as hub_constants

    cache = tmp_path / "hf-hub"
    cache.mkdir()
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(cache))
    return cache


def put_in_hub_cache(cache: Path, repo_id: str, model_dir: Path, revision: str = "main") -> Path:
    """Lay ``model_dir`` out as the Hugging Face cache holds a downloaded repo."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    shutil.copytree(model_dir, snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / revision).write_text(commit)
    return snapshot


def seed_sentences(limit: int | None = None) -> list[str]:
    """Real French sentences from the seed reports (a rough split is enough here)."""
    sentences: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if len(s.strip()) > 30)
    unique = list(dict.fromkeys(sentences))
    return unique[:limit] if limit else unique


def groups_of(texts: list[str], lang: str = "fr", prefix: str = "g") -> list[SentenceGroup]:
    return [
        SentenceGroup(group_id=f"{prefix}{i}", representative=f"d:{i}", sentence_ids=[f"d:{i}"], text=text, lang=lang)
        for i, text in enumerate(texts)
    ]


def make_context(
    tmp_path: Path,
    groups: list[SentenceGroup],
    model_dir: Path | str | None = None,
    *,
    memory: Path | None = None,
    progress: ProgressFactory = no_progress,
    **model_settings: Any,
) -> StageContext:
    """A translate-stage context whose dedup artifact is ``groups``; cache in ``tmp_path``."""
    settings = {"device": "cpu", "threads": 1, **model_settings}
    models = {"fr": ModelConfig(id=str(model_dir), **settings)} if model_dir else {}
    config = dataclasses.replace(
        Config(), models=models, memory=str(memory) if memory else None, cache=str(tmp_path / "translations.sqlite")
    )
    # the stage's one input: reading any other artifact raises
    return StageContext.in_memory(config, {GROUPS: groups}, progress=progress)
