"""models.yaml, validated into typed sections.

Every key has a default that works on a CPU laptop, so an empty or missing file is a
valid configuration. Unknown keys and bad values raise ``ConfigError`` naming the key
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from pipeline.device import Backend, ComputeType, Device, Dtype
from pipeline.errors import ConfigError

DEFAULT_MODELS = {"fr": "Helsinki-NLP/opus-mt-fr-en"}


def bounded(default: Any, low: float, high: float) -> Any:
    """A numeric setting allowed in [low, high], declared with the field so the check cannot drift from it."""
    return field(default=default, metadata={"range": (low, high)})


# A share or similarity: a value outside [0, 1] is a mistake, never a setting.
def share(default: float) -> Any:
    return bounded(default, 0.0, 1.0)


@dataclass(frozen=True)
class ModelConfig:
    """One source language's translation model and how to run it."""

    id: str
    revision: str = "main"  # pin a commit hash for reproducible runs
    num_beams: int | None = bounded(None, 1, 64)  # None: the model's own generation config (4 for opus-mt)
    # max_new_tokens = ceil(source_tokens * max_length_ratio + max_length_extra), capped by
    # the model's window: bounded by the source so a repetition loop cannot run away.
    max_length_ratio: float = bounded(1.6, 0.1, 10.0)
    max_length_extra: int = bounded(10, 0, 1024)
    batch_tokens: int = bounded(
        1024, 1, 1_000_000
    )  # padded source tokens per length-sorted batch; beams multiply its memory
    device: Device = "auto"
    dtype: Dtype = "float32"  # the transformers backend's number type
    threads: int | None = bounded(None, 1, 1024)  # CPU threads; None: all cores available
    # ctranslate2 (a converted copy, cached): 3.5-3.9x the transformers stage greedy, 2.6-2.9x at
    # 4 beams, in three runs on 2 CPU cores (benchmarks/translate.py); transformers runs the checkpoint
    backend: Backend = "ctranslate2"
    compute_type: ComputeType = "auto"  # ctranslate2 only; auto: int8 on cpu, int8_float16 on cuda


@dataclass(frozen=True)
class IngestConfig:
    languages: tuple[str, ...] = ("fr", "en", "de", "es", "it", "pt", "nl", "ru", "uk", "ko")
    max_file_mb: float = bounded(50.0, 0.001, 100_000.0)  # larger files are skipped with a reason, not read into memory
    # a longer document (a .txt/.md file, or one .jsonl line) is skipped with a reason: it is
    # no news report, and events over one document of a million sentences would take hours
    max_document_chars: int = bounded(1_000_000, 1, 1_000_000_000)


@dataclass(frozen=True)
class DedupConfig:
    shingle_size: int = bounded(5, 1, 50)  # word shingles for document MinHash
    bands: int = bounded(14, 1, 1024)  # LSH bands x rows = permutations; 14 x 8 is about 0.72 Jaccard
    rows: int = bounded(8, 1, 1024)
    doc_threshold: float = share(0.7)  # estimated Jaccard above which documents are near-duplicates
    doc_containment: float = share(0.42)  # share of the smaller document's shingles found in the other
    sentence_threshold: float = share(0.85)  # token-level similarity for near-identical sentences
    seed: int = bounded(1, 0, 2**32 - 1)


@dataclass(frozen=True)
class EventsConfig:
    similarity_threshold: float = share(0.2)
    date_window_days: int = bounded(7, 0, 3650)
    min_sentences: int = bounded(1, 1, 1000)


@dataclass(frozen=True)
class SummarizeConfig:
    max_sentences: int = bounded(4, 1, 100)
    mmr_lambda: float = share(0.7)
    flagged: Literal["mark", "drop"] = "mark"  # "mark" keeps flagged translations with a marker; "drop" leaves them out
    aliases: str | None = None  # name alias file ("English name = French form | other form" per line)


@dataclass(frozen=True)
class Config:
    models: dict[str, ModelConfig] = field(
        default_factory=lambda: {lang: ModelConfig(id=mid) for lang, mid in DEFAULT_MODELS.items()}
    )
    memory: str | None = None  # TMX or JSON Lines translation memory
    cache: str | None = None  # SQLite translation cache; None: ~/.cache/pipeline/translations.sqlite
    ingest: IngestConfig = field(default_factory=IngestConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    summarize: SummarizeConfig = field(default_factory=SummarizeConfig)
    source: str = ""  # where it was read from, for messages; not part of the hash

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("source")
        return data

    def section_hash(self, *sections: str) -> str:
        """Hash of the named sections only, so a stage redoes work only when its settings change."""
        data = self.to_dict()
        return _hash({name: data[name] for name in sections})

    @property
    def hash(self) -> str:
        return _hash(self.to_dict())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _check_value(source: str, key: str, value: Any, annotation: Any) -> Any:
    """Coerce/validate one value against a dataclass field's type annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        annotation = next(a for a in options if a is not type(None))
        origin = typing.get_origin(annotation)
    if origin is Literal:
        choices = typing.get_args(annotation)
        if value not in choices:
            raise ConfigError(source, key, f"is {value!r}", ", ".join(choices))
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(source, key, f"is {value!r}", "a list of strings")
        return tuple(value)
    if annotation is bool:
        if not isinstance(value, bool):
            raise ConfigError(source, key, f"is {value!r}", "true or false")
        return value
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(source, key, f"is {value!r}", "a whole number >= 0")
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(source, key, f"is {value!r}", "a number >= 0")
        return float(value)
    if annotation is str:
        if not isinstance(value, str) or not value:
            raise ConfigError(source, key, f"is {value!r}", "a non-empty string")
        return value
    raise TypeError(f"unsupported config annotation {annotation!r}")  # a bug, not a user error


def _build_section(source: str, prefix: str, cls: type, raw: Any, **fixed: Any) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(source, prefix, f"is {type(raw).__name__}", "a mapping of keys to values")
    hints = typing.get_type_hints(cls)
    declared = {f.name: f for f in dataclasses.fields(cls) if f.name not in fixed}
    values: dict[str, Any] = dict(fixed)
    for key, value in raw.items():
        if key not in declared:
            raise ConfigError(source, f"{prefix}.{key}", "is not a known key", ", ".join(declared))
        checked = _check_value(source, f"{prefix}.{key}", value, hints[key])
        bounds = declared[key].metadata.get("range")
        if bounds is not None and checked is not None and not bounds[0] <= checked <= bounds[1]:
            raise ConfigError(source, f"{prefix}.{key}", f"is {value!r}", f"a number from {bounds[0]} to {bounds[1]}")
        values[key] = checked
    return cls(**values)


def _build_model(source: str, lang: str, raw: Any) -> ModelConfig:
    if isinstance(raw, str):  # shorthand: `fr: Helsinki-NLP/opus-mt-fr-en`
        raw = {"id": raw}
    if not isinstance(raw, dict) or not raw.get("id"):
        raise ConfigError(source, f"models.{lang}.id", "is missing", "a hub id or a local directory")
    model = _build_section(
        source,
        f"models.{lang}",
        ModelConfig,
        {k: v for k, v in raw.items() if k != "id"},
        id=_check_value(source, f"models.{lang}.id", raw["id"], str),
    )
    # a number type the chosen backend never reads would be silently ignored
    if model.backend == "ctranslate2" and model.dtype != "float32":
        raise ConfigError(source, f"models.{lang}.dtype", "applies to `backend: transformers` only; set `compute_type`")
    if model.backend == "transformers" and model.compute_type != "auto":
        raise ConfigError(source, f"models.{lang}.compute_type", "applies to `backend: ctranslate2` only; set `dtype`")
    return model


_SECTIONS = {"ingest": IngestConfig, "dedup": DedupConfig, "events": EventsConfig, "summarize": SummarizeConfig}


def parse_config(raw: Any, source: str = "") -> Config:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(source, "(top level)", f"is {type(raw).__name__}", "a mapping")
    known = {"models", "memory", "cache", *_SECTIONS}
    for key in raw:
        if key not in known:
            raise ConfigError(source, str(key), "is not a known key", ", ".join(sorted(known)))
    models_raw = raw.get("models", DEFAULT_MODELS)
    if not isinstance(models_raw, dict):
        raise ConfigError(source, "models", "is not a mapping", "language code -> model")
    models = {str(lang): _build_model(source, str(lang), spec) for lang, spec in models_raw.items()}
    kwargs: dict[str, Any] = {name: _build_section(source, name, cls, raw.get(name)) for name, cls in _SECTIONS.items()}
    for key in ("memory", "cache"):
        if raw.get(key) is not None:
            kwargs[key] = _check_value(source, key, raw[key], str)
    return Config(models=models, source=source, **kwargs)


def load_config(path: Path | None) -> Config:
    """Read models.yaml; ``None`` gives the defaults. Relative `memory`/`cache` paths are
    taken relative to the file, so a config works from any working directory."""
    if path is None:
        return Config()
    if not path.is_file():
        raise ConfigError("", "--config", f"{path} does not exist", "a path to a models.yaml file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(str(path), "(file)", f"is not valid YAML: {str(err).splitlines()[0]}") from None
    config = parse_config(raw, source=str(path))
    relative = {key: getattr(config, key) for key in ("memory", "cache")}
    resolved = {
        key: str((path.parent / value).resolve())
        for key, value in relative.items()
        if value is not None and not Path(value).expanduser().is_absolute()
    }
    if resolved:
        config = dataclasses.replace(
            config, memory=resolved.get("memory", config.memory), cache=resolved.get("cache", config.cache)
        )
    return config


def with_overrides(
    config: Config, models: dict[str, str] | None = None, device: str | None = None, memory: str | None = None
) -> Config:
    """Apply command-line overrides (`--model LANG=ID_OR_DIR`, `--device`, `--memory`)."""
    new_models = dict(config.models)
    for lang, model_id in (models or {}).items():
        base = new_models.get(lang, ModelConfig(id=model_id))
        new_models[lang] = dataclasses.replace(base, id=model_id)
    if device is not None:
        checked = _check_value("--device", "device", device, Device)
        new_models = {lang: dataclasses.replace(m, device=checked) for lang, m in new_models.items()}
    return dataclasses.replace(config, models=new_models, memory=memory if memory is not None else config.memory)


def parse_model_overrides(values: list[str]) -> dict[str, str]:
    """`fr=DIR` pairs from the command line."""
    out: dict[str, str] = {}
    for value in values:
        lang, sep, model_id = value.partition("=")
        if not sep or not lang or not model_id:
            raise ConfigError(
                "--model", "--model", f"is {value!r}", "LANG=ID_OR_DIR, e.g. fr=Helsinki-NLP/opus-mt-fr-en"
            )
        out[lang.strip()] = model_id.strip()
    return out
