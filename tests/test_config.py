"""models.yaml validation: defaults, overrides, and one clear error per bad key."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Literal

import pytest
import yaml

from pipeline.config import (
    Config,
    DedupConfig,
    EventsConfig,
    IngestConfig,
    ModelConfig,
    SummarizeConfig,
    load_config,
    parse_config,
    parse_model_overrides,
    with_overrides,
)
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_work_without_a_file() -> None:
    config = load_config(None)
    assert config.models["fr"].id == "Helsinki-NLP/opus-mt-fr-en"
    assert config.models["fr"].device == "auto"
    assert config.summarize.max_sentences == 4


def test_shipped_models_yaml_is_valid_and_matches_defaults() -> None:
    shipped = load_config(ROOT / "models.yaml")
    assert shipped.models == Config().models
    assert shipped.to_dict() == Config().to_dict()


@pytest.mark.parametrize(
    ("raw", "key", "allowed"),
    [
        ({"modles": {}}, "modles", "models"),
        ({"models": {"fr": {"id": "x", "beams": 4}}}, "models.fr.beams", "num_beams"),
        ({"models": {"fr": {"id": "x", "device": "gpu"}}}, "models.fr.device", "auto, cpu, cuda"),
        ({"models": {"fr": {"id": "x", "dtype": "int4"}}}, "models.fr.dtype", "float32"),
        ({"models": {"fr": {"id": "x", "num_beams": "four"}}}, "models.fr.num_beams", "whole number"),
        ({"models": {"fr": {"id": "x", "num_beams": 0}}}, "models.fr.num_beams", "from 1 to 64"),
        ({"models": {"fr": {"id": "x", "threads": 10**11}}}, "models.fr.threads", "from 1 to 1024"),
        ({"models": {"fr": {"id": "x", "batch_tokens": 0}}}, "models.fr.batch_tokens", "from 1 to"),
        ({"dedup": {"bands": 0}}, "dedup.bands", "from 1 to 1024"),
        ({"dedup": {"doc_threshold": 7.5}}, "dedup.doc_threshold", "from 0.0 to 1.0"),
        ({"events": {"similarity_threshold": 1.5}}, "events.similarity_threshold", "from 0.0 to 1.0"),
        ({"summarize": {"max_sentences": 0}}, "summarize.max_sentences", "from 1 to 100"),
        ({"models": {"fr": {"id": "x", "max_length_ratio": -1}}}, "models.fr.max_length_ratio", "number >= 0"),
        ({"models": {"fr": {"revision": "main"}}}, "models.fr.id", "hub id"),
        ({"models": ["fr"]}, "models", "language code"),
        ({"dedup": {"doc_threshold": "high"}}, "dedup.doc_threshold", "number"),
        ({"summarize": {"flagged": "hide"}}, "summarize.flagged", "mark, drop"),
        ({"ingest": {"languages": "fr"}}, "ingest.languages", "list of strings"),
        ({"events": 3}, "events", "mapping"),
    ],
)
def test_bad_config_names_the_key_and_what_is_allowed(raw: dict, key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(raw, source="models.yaml")
    message = str(info.value)
    assert f"`{key}`" in message
    assert allowed in message
    assert message.startswith("models.yaml: ")


SECTIONS = {"ingest": IngestConfig, "dedup": DedupConfig, "events": EventsConfig, "summarize": SummarizeConfig}


def choice_fields() -> list[tuple[str, str, tuple[str, ...]]]:
    """(section, key, choices) for every field whose annotation is a ``Literal``."""
    classes = {"models": ModelConfig, **SECTIONS}
    return [
        (section, key, typing.get_args(hint))
        for section, cls in classes.items()
        for key, hint in typing.get_type_hints(cls).items()
        if typing.get_origin(hint) is Literal
    ]


# the backend a model setting applies to (the other backend refuses it)
BACKEND_OF = {"dtype": "transformers", "compute_type": "ctranslate2"}


def raw_setting(section: str, key: str, value: object) -> dict:
    if section != "models":
        return {section: {key: value}}
    backend = {"backend": BACKEND_OF[key]} if key in BACKEND_OF else {}
    return {"models": {"fr": {"id": "x", key: value, **backend}}}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"dtype": "float16"}, "`models.fr.dtype` applies to `backend: transformers` only; set `compute_type`"),
        (
            {"backend": "transformers", "compute_type": "int8"},
            "`models.fr.compute_type` applies to `backend: ctranslate2` only; set `dtype`",
        ),
    ],
)
def test_a_setting_the_chosen_backend_never_reads_is_refused(settings: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"models": {"fr": {"id": "x", **settings}}}, source="models.yaml")
    assert str(info.value) == f"models.yaml: {message}"
    both_defaults = parse_config({"models": {"fr": {"id": "x", "backend": "transformers", "dtype": "float16"}}})
    assert both_defaults.models["fr"].dtype == "float16"


def test_device_dtype_and_flagged_are_declared_as_choices() -> None:
    assert {(section, key) for section, key, _ in choice_fields()} >= {
        ("models", "device"),
        ("models", "dtype"),
        ("summarize", "flagged"),
    }


@pytest.mark.parametrize(("section", "key", "choices"), choice_fields())
def test_a_choice_accepts_exactly_its_annotated_values(section: str, key: str, choices: tuple[str, ...]) -> None:
    for choice in choices:
        config = parse_config(raw_setting(section, key, choice))
        part = config.models["fr"] if section == "models" else getattr(config, section)
        assert getattr(part, key) == choice
    for bad in ("nope", choices[0].upper(), "", 1, None, [choices[0]]):
        with pytest.raises(ConfigError) as info:
            parse_config(raw_setting(section, key, bad), source="models.yaml")
        where = "models.fr" if section == "models" else section
        assert str(info.value) == f"models.yaml: `{where}.{key}` is {bad!r} (allowed: {', '.join(choices)})"


def test_model_shorthand_and_other_languages() -> None:
    config = parse_config({"models": {"fr": "some/model", "de": {"id": "Helsinki-NLP/opus-mt-de-en", "num_beams": 2}}})
    assert config.models["fr"].id == "some/model"
    assert config.models["de"].num_beams == 2


def test_invalid_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text("models: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_relative_memory_path_is_taken_from_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "models.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({"memory": "tm.tmx"}), encoding="utf-8")
    assert load_config(path).memory == str((path.parent / "tm.tmx").resolve())


def test_command_line_overrides() -> None:
    config = with_overrides(Config(), models={"fr": "/models/fr", "es": "/models/es"}, device="cpu", memory="tm.tmx")
    assert config.models["fr"].id == "/models/fr"
    assert config.models["fr"].num_beams is None  # other settings kept
    assert config.models["es"].id == "/models/es"
    assert {m.device for m in config.models.values()} == {"cpu"}
    assert config.memory == "tm.tmx"
    with pytest.raises(ConfigError, match="auto, cpu, cuda"):
        with_overrides(Config(), device="tpu")


@pytest.mark.parametrize("value", ["fr", "=dir", "fr=", "fr:dir"])
def test_bad_model_override(value: str) -> None:
    with pytest.raises(ConfigError, match="LANG=ID_OR_DIR"):
        parse_model_overrides([value])


def test_section_hash_changes_only_with_its_section() -> None:
    base = Config()
    changed = parse_config({"summarize": {"max_sentences": 3}})
    assert base.section_hash("dedup") == changed.section_hash("dedup")
    assert base.section_hash("summarize") != changed.section_hash("summarize")
    assert base.hash != changed.hash


def test_models_yaml_documents_every_key_of_the_config() -> None:
    """Each section of the shipped models.yaml names exactly the fields its dataclass declares."""
    shipped = yaml.safe_load((ROOT / "models.yaml").read_text(encoding="utf-8"))
    for name, cls in SECTIONS.items():
        assert set(shipped[name]) == {f.name for f in dataclasses.fields(cls)}, name
    assert set(shipped["models"]["fr"]) == {f.name for f in dataclasses.fields(ModelConfig)}
    top = {f.name for f in dataclasses.fields(Config)} - {"source"}
    assert set(shipped) == top
