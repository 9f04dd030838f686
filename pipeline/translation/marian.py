"""MarianMT models: where they are, loading them, and batched generation that never truncates."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import Config, ModelConfig
from pipeline.device import choose_device, choose_dtype, set_cpu_threads
from pipeline.errors import ModelDownloadError, ModelNotFoundError

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


# Clause boundaries, tried in order: the split goes at the strongest boundary available, as
# near the middle as possible, so each part is a clause the model can translate on its own.
# Conjunctions stay with the clause they open; the last resort is any space.
_BOUNDARIES = (
    re.compile(r"(?<=;)\s+"),
    re.compile(r"(?<=:)\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(
        r"\s+(?=(?:et|mais|ou|donc|or|ni|car|puis|tandis que|alors que|and|but|while|whereas)\s)", re.IGNORECASE
    ),
    re.compile(r"\s+"),
)


def split_to_fit(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut ``text`` into parts that each ``fits``; joined with spaces they give back every word."""
    if fits(text):
        return [text]
    middle = len(text) / 2
    for boundary in _BOUNDARIES:
        cuts = [m for m in boundary.finditer(text) if m.start() > 0 and m.end() < len(text)]
        if cuts:
            cut = min(cuts, key=lambda m: abs(m.start() - middle))
            return split_to_fit(text[: cut.start()], fits) + split_to_fit(text[cut.end() :], fits)
    if len(text) <= 1:
        return [text]
    half = len(text) // 2  # one "word" longer than the window (a pasted URL, a table row)
    return split_to_fit(text[:half], fits) + split_to_fit(text[half:], fits)


@dataclass
class GenerationStats:
    batches: int = 0
    generated_tokens: int = 0  # non-padding target tokens, eos included


class MarianTranslator:
    """One loaded model: token counts, the window, and batched generation."""

    def __init__(self, lang: str, config: ModelConfig, tokenizer: Any, model: Any, device: torch.device):
        self.lang = lang
        self.config = config
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        # the source window, eos included: read from the model, never assumed to be 512
        self.window = int(model.config.max_position_embeddings)
        self.num_beams = config.num_beams or int(model.generation_config.num_beams or 1)
        self.stats = GenerationStats()

    def token_counts(self, texts: list[str]) -> list[int]:
        """Source tokens per text, eos included, without truncation."""
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, truncation=False)["input_ids"]]

    def fits(self, text: str) -> bool:
        return self.token_counts([text])[0] <= self.window

    def max_new_tokens(self, source_tokens: int) -> int:
        """Bounded by the source length, so a repetition loop cannot run to the window."""
        wanted = math.ceil(source_tokens * self.config.max_length_ratio + self.config.max_length_extra)
        return max(1, min(wanted, self.window - 1))  # the decoder start token takes one position

    def batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices grouped into length-sorted batches whose padded size stays within batch_tokens."""
        order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
        batches: list[list[int]] = []
        current: list[int] = []
        for index in order:
            # sorted longest first, so the batch's first member sets its padded width
            width = lengths[current[0]] if current else lengths[index]
            if current and (len(current) + 1) * width > self.config.batch_tokens:
                batches.append(current)
                current = []
            current.append(index)
        if current:
            batches.append(current)
        return batches

    def generate(self, texts: list[str], source_tokens: int) -> list[str]:
        """Translate one batch; ``source_tokens`` is its longest member's token count."""
        import torch

        encoded = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False).to(self.device)
        new_tokens = self.max_new_tokens(source_tokens)
        with torch.inference_mode():
            # max_length counts the decoder start token: this is max_new_tokens=new_tokens, said
            # without clashing with the max_length that the model's generation config sets
            output = self.model.generate(**encoded, num_beams=self.num_beams, max_length=new_tokens + 1)
        self.stats.batches += 1
        self.stats.generated_tokens += int((output != self.model.config.pad_token_id).sum())
        return self.tokenizer.batch_decode(output, skip_special_tokens=True)

    def translate(self, texts: list[str], on_batch: Callable[[list[tuple[str, str, int]]], None]) -> int:
        """Translate ``texts`` in length-sorted batches; returns how many had to be split.

        After each batch, ``on_batch`` gets the (source, translation, parts) of every text whose
        parts are now all translated, so they can be saved at once. Texts over the window are
        split at clause boundaries and their parts' translations joined, never truncated.
        """
        counts = self.token_counts(texts)
        split = {i: split_to_fit(t, self.fits) for i, t in enumerate(texts) if counts[i] > self.window}
        pieces_of = [split.get(i, [text]) for i, text in enumerate(texts)]
        parts = [piece for pieces in pieces_of for piece in pieces]
        owner = [i for i, pieces in enumerate(pieces_of) for _ in pieces]  # the text each part belongs to
        first = [0] * len(texts)  # index of each text's first part
        for k in range(len(parts) - 1, -1, -1):
            first[owner[k]] = k
        lengths = [self.token_counts([p])[0] if owner[k] in split else counts[owner[k]] for k, p in enumerate(parts)]
        translated: dict[int, str] = {}
        remaining = [len(pieces) for pieces in pieces_of]
        for batch in self.batches(lengths):
            outputs = self.generate([parts[k] for k in batch], max(lengths[k] for k in batch))
            done: list[tuple[str, str, int]] = []
            for k, output in zip(batch, outputs, strict=True):
                translated[k] = output.strip()
                i = owner[k]
                remaining[i] -= 1
                if remaining[i] == 0:
                    pieces = (translated[j] for j in range(first[i], first[i] + len(pieces_of[i])))
                    done.append((texts[i], " ".join(p for p in pieces if p), len(pieces_of[i])))
            on_batch(done)
        return len(split)


def load_translator(lang: str, config: ModelConfig) -> MarianTranslator:
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
