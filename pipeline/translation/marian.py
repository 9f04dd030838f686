"""MarianMT checkpoints: where they are, whether they load offline, and the transformers backend."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pipeline.config import Config, ModelConfig
from pipeline.device import choose_device, choose_dtype, set_cpu_threads
from pipeline.errors import ModelDownloadError, ModelNotFoundError
from pipeline.translation.translator import Hypothesis, within_limit

if TYPE_CHECKING:
    import torch

# What a usable Marian checkpoint holds: config, weights (either format), SentencePiece models.
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json")


@dataclass(frozen=True)
class ModelStatus:
    lang: str
    model_id: str
    revision: str
    available: bool  # loadable with no network
    where: str  # the local folder, the Hugging Face cache folder, or why it is not available


def is_local(model_id: str) -> bool:
    """A model id that names a folder (or looks like a path) is local; anything else is a hub id."""
    return model_id.startswith((".", "/", "~")) or Path(model_id).expanduser().is_dir()


def _missing_files(folder: Path) -> list[str]:
    missing = [name for name in ("config.json", *_TOKENIZER_FILES) if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in _WEIGHTS):
        missing.append(" or ".join(_WEIGHTS))
    return missing


def _not_marian(folder: Path) -> str | None:
    """Why the checkpoint in ``folder`` is no Marian translation model (a BERT folder, a bad config)."""
    try:
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError, AttributeError):
        return "its config.json is not a readable JSON object"
    if model_type == "marian":
        return None
    return f"it holds a {model_type or 'untyped'} model, not a Marian translation model"


def _cached_snapshot(model: ModelConfig) -> tuple[Path | None, str]:
    """The Hugging Face cache folder holding ``model`` at its revision, or why there is none.

    Only reads the cache (``try_to_load_from_cache``): never a network call.
    """
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        config_file = try_to_load_from_cache(model.id, "config.json", revision=model.revision)
    except HFValidationError:
        return None, "neither a local folder nor a valid hub id"
    if not isinstance(config_file, str):
        return None, f"not in the Hugging Face cache at revision {model.revision}"
    snapshot = Path(config_file).parent
    missing = _missing_files(snapshot)
    if missing:
        return None, f"cached at {snapshot} without {', '.join(missing)}"
    wrong_kind = _not_marian(snapshot)
    if wrong_kind:
        return None, f"cached at {snapshot}, but {wrong_kind}"
    return snapshot, str(snapshot)


def model_status(lang: str, model: ModelConfig) -> ModelStatus:
    if is_local(model.id):
        folder = Path(model.id).expanduser()
        if not folder.is_dir():
            return ModelStatus(lang, model.id, model.revision, False, f"no such folder: {folder}")
        missing = _missing_files(folder)
        if missing:
            return ModelStatus(lang, model.id, model.revision, False, f"{folder} lacks {', '.join(missing)}")
        wrong_kind = _not_marian(folder)
        if wrong_kind:
            return ModelStatus(lang, model.id, model.revision, False, f"{folder}: {wrong_kind}")
        return ModelStatus(lang, model.id, model.revision, True, str(folder.resolve()))
    snapshot, where = _cached_snapshot(model)
    return ModelStatus(lang, model.id, model.revision, snapshot is not None, where)


def checkpoint_folder(lang: str, model: ModelConfig) -> Path:
    """The folder holding ``model``'s files (local, or its Hugging Face cache snapshot), offline."""
    status = model_status(lang, model)
    if not status.available:
        raise ModelNotFoundError(lang, model.id, f"models.{lang}.id", status.where)
    return Path(status.where)


def model_statuses(config: Config) -> list[ModelStatus]:
    """Every configured model and whether it loads offline; touches no network."""
    return [model_status(lang, model) for lang, model in sorted(config.models.items())]


def download_models(config: Config) -> list[ModelStatus]:
    """Fetch every hub model at its pinned revision into the Hugging Face cache."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, OfflineModeIsEnabled

    for lang, model in sorted(config.models.items()):
        if is_local(model.id):
            continue
        try:
            snapshot_download(model.id, revision=model.revision)
        # OSError covers LocalEntryNotFoundError (offline, no cache) and connection failures
        except (HfHubHTTPError, HFValidationError, OfflineModeIsEnabled, OSError) as err:
            raise ModelDownloadError(lang, model.id, model.revision, _first_line(err)) from None
    return model_statuses(config)


def model_identity(model: ModelConfig) -> str:
    """What decides the model's output: for a hub id the cached commit (else the revision),
    for a folder its path and weights' size and time, so a rebuilt model is not mistaken
    for the old one. Reads files only; never loads the model."""
    if is_local(model.id):
        folder = Path(model.id).expanduser().resolve()
        stamps = [
            f"{w}:{(folder / w).stat().st_size}:{(folder / w).stat().st_mtime_ns}"
            for w in _WEIGHTS
            if (folder / w).is_file()
        ]
        return f"{folder}|{'|'.join(stamps)}"
    snapshot, _ = _cached_snapshot(model)
    return f"{model.id}@{snapshot.name if snapshot is not None else model.revision}"


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


class MarianTranslator:
    """The transformers backend: one loaded MarianMTModel and its tokenizer."""

    backend: ClassVar[str] = "transformers"

    def __init__(self, lang: str, config: ModelConfig, tokenizer: Any, model: Any, device: torch.device):
        self.lang = lang
        self.config = config
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        # the source window, eos included: read from the model, never assumed to be 512
        self.window = int(model.config.max_position_embeddings)
        self.num_beams = config.num_beams or int(model.generation_config.num_beams or 1)

    @staticmethod
    def identity(model: ModelConfig) -> str:
        return model_identity(model)

    @staticmethod
    def cache_settings(model: ModelConfig) -> dict[str, object]:
        return {
            "num_beams": model.num_beams,
            "max_length_ratio": model.max_length_ratio,
            "max_length_extra": model.max_length_extra,
            "dtype": model.dtype,
        }

    @classmethod
    def load(cls, lang: str, model: ModelConfig) -> MarianTranslator:
        return load_marian(lang, model)

    def token_counts(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, truncation=False)["input_ids"]]

    def generate(self, texts: list[str], limits: list[int]) -> list[Hypothesis]:
        import torch

        encoded = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False).to(self.device)
        with torch.inference_mode():
            # max_length counts the decoder start token: this is the longest limit, said without
            # clashing with the max_length that the model's generation config sets
            output = self.model.generate(**encoded, num_beams=self.num_beams, max_length=max(limits) + 1)
        pad = self.model.config.pad_token_id
        hypotheses = []
        for row, limit in zip(output[:, 1:].tolist(), limits, strict=True):
            # with greedy search a text translates the same whatever texts share its batch
            ids, tokens = within_limit([token for token in row if token != pad], limit)
            hypotheses.append(Hypothesis(self.tokenizer.decode(ids, skip_special_tokens=True), tokens))
        return hypotheses


def load_marian(lang: str, config: ModelConfig) -> MarianTranslator:
    """Load tokenizer and model on the configured device, or raise ModelNotFoundError."""
    from transformers import MarianMTModel, MarianTokenizer

    device = choose_device(config.device)
    dtype = choose_dtype(config.dtype, device)
    if device.type == "cpu":
        set_cpu_threads(config.threads)
    local = is_local(config.id)
    if local and not Path(config.id).expanduser().is_dir():
        raise ModelNotFoundError(lang, config.id, f"models.{lang}.id", "no such folder")
    wrong_kind = _not_marian(Path(config.id).expanduser()) if local else None
    if wrong_kind:  # transformers would fail on it with an AssertionError deep in MarianMTModel
        raise ModelNotFoundError(lang, config.id, f"models.{lang}.id", wrong_kind)
    source = str(Path(config.id).expanduser()) if local else config.id
    try:
        model = MarianMTModel.from_pretrained(source, dtype=dtype, revision=config.revision)
    except OSError as err:  # transformers wraps hub errors (offline, not found, bad id) in OSError
        raise ModelNotFoundError(lang, config.id, f"models.{lang}.id", _first_line(err)) from None
    try:
        tokenizer = MarianTokenizer.from_pretrained(source, revision=config.revision)
    # MarianTokenizer gets None for a missing source.spm and fails with TypeError on the path
    except (OSError, TypeError):
        raise ModelNotFoundError(
            lang, config.id, f"models.{lang}.id", f"its tokenizer files ({', '.join(_TOKENIZER_FILES)}) are missing"
        ) from None
    model.to(device)  # type: ignore[arg-type]  # transformers' stubs type `to` through a decorator
    model.eval()
    return MarianTranslator(lang, config, tokenizer, model, device)
