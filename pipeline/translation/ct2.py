"""The CTranslate2 backend.

A Marian checkpoint is converted once, with CTranslate2's own converter, into a cached folder
named by the checkpoint's content hash, the CTranslate2 version and the compute type (int8 on
CPU, int8_float16 on CUDA). Tokenisation stays with the checkpoint's MarianTokenizer, so both
backends see the same pieces. Translating imports neither torch nor transformers' model
classes; only converting does, since the converter loads the checkpoint with transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from pipeline.config import Config, ModelConfig
from pipeline.device import choose_compute_type, choose_ct2_device, cpu_threads
from pipeline.errors import (
    BackendLoadError,
    BackendMissingError,
    ConversionError,
    ModelNotFoundError,
    PipelineError,
)
from pipeline.translation.marian import _TOKENIZER_FILES, _WEIGHTS, _first_line, checkpoint_folder, model_identity
from pipeline.translation.translator import Hypothesis, within_limit

# Written last into a finished conversion, before it is moved into place: a folder without it
# (copied in part, or left by an older layout) is never used.
DONE_MARK = "pipeline-converted.json"
_PARTIAL = ".partial-"
# On the CPU, hypotheses (sentences x beams) per CTranslate2 batch. One worker per core, each on
# a small batch, beats one batch over all cores: with an opus-mt-shaped model on 2 cores and 64
# sentences, greedy batches of 16 made 1.5x the tokens per second of one 2-thread batch of all
# 64, and 4-beam batches of 4 made 3.6x (the beam search's work per step grows with the batch).
_CPU_HYPOTHESES_PER_BATCH = 16


def _ctranslate2() -> ModuleType:
    try:
        import ctranslate2
    except ImportError:
        raise BackendMissingError("ctranslate2", "ctranslate2") from None
    return ctranslate2


def converted_root() -> Path:
    """``$XDG_CACHE_HOME/pipeline/ctranslate2`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pipeline" / "ctranslate2"


def checkpoint_digest(folder: Path) -> str:
    """SHA-256 of the checkpoint's config and weights: a rebuilt model gets a new folder."""
    digest = hashlib.sha256()
    for name in ("config.json", *_WEIGHTS):
        if (folder / name).is_file():
            digest.update(name.encode())
            with (folder / name).open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def converted_path(lang: str, model: ModelConfig, compute_type: str) -> Path:
    """Where the conversion of ``model`` to ``compute_type`` lives (whether or not it is there yet)."""
    folder = checkpoint_folder(lang, model)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model.id).strip("-.")[-60:] or "model"
    version = _ctranslate2().__version__
    return converted_root() / f"{slug}-{checkpoint_digest(folder)[:16]}-ct2-{version}-{compute_type}"


def is_converted(path: Path) -> bool:
    return (path / DONE_MARK).is_file() and (path / "model.bin").is_file()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _remove_abandoned(path: Path) -> None:
    """Partial conversions of ``path`` whose process is gone (killed mid-way)."""
    for partial in path.parent.glob(f".{path.name}{_PARTIAL}*"):
        pid = partial.name.rsplit(_PARTIAL, 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid() or not _alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)


def convert(lang: str, model: ModelConfig, compute_type: str) -> tuple[Path, bool]:
    """The converted folder of ``model``, and whether it had to be converted now.

    Converts into a hidden partial folder and renames it into place once complete, so a
    conversion killed mid-way is never taken for a finished one.
    """
    ctranslate2 = _ctranslate2()
    path = converted_path(lang, model, compute_type)
    if is_converted(path):
        return path, False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConversionError(
            lang,
            model.id,
            f"{path.parent} cannot be written ({err.strerror})",
            "Set XDG_CACHE_HOME to a writable folder, or use `backend: transformers`",
        ) from None
    _remove_abandoned(path)
    if path.exists():  # a final folder without the mark is not a conversion this code finished
        shutil.rmtree(path)
    partial = path.with_name(f".{path.name}{_PARTIAL}{os.getpid()}")
    source = checkpoint_folder(lang, model)
    try:
        converter = ctranslate2.converters.TransformersConverter(str(source))
        converter.convert(str(partial), quantization=compute_type, force=True)
    # the converter fails with whatever transformers, torch or its own checks raise
    except Exception as err:
        shutil.rmtree(partial, ignore_errors=True)
        raise ConversionError(lang, model.id, _first_line(err)) from None
    mark = {"source": str(source), "compute_type": compute_type, "ctranslate2": ctranslate2.__version__}
    (partial / DONE_MARK).write_text(json.dumps(mark), encoding="utf-8")
    try:
        os.rename(partial, path)
    except OSError:  # another process finished the same conversion first
        shutil.rmtree(partial, ignore_errors=True)
        if not is_converted(path):
            raise ConversionError(lang, model.id, f"{path} could not be written") from None
    return path, True


def convert_models(config: Config) -> list[tuple[str, Path, bool]]:
    """Convert every `backend: ctranslate2` model: (lang, folder, converted now) for each."""
    done = []
    for lang, model in sorted(config.models.items()):
        if model.backend == "ctranslate2":
            _, compute_type = resolved_compute_type(model)
            done.append((lang, *convert(lang, model, compute_type)))
    return done


def resolved_compute_type(model: ModelConfig) -> tuple[str, str]:
    """(device, compute type) that ``model`` runs with on this machine."""
    _ctranslate2()
    device = choose_ct2_device(model.device)
    return device, choose_compute_type(model.compute_type, device)


def conversion_status(lang: str, model: ModelConfig) -> str:
    """For `pipeline models`: the compute type and whether its converted folder is cached."""
    try:
        _, compute_type = resolved_compute_type(model)
        path = converted_path(lang, model, compute_type)
    except ModelNotFoundError:  # the `where` column already says why
        return "no: the checkpoint is not here to convert"
    except PipelineError as err:
        return f"no: {err}"
    return f"{compute_type}, cached at {path}" if is_converted(path) else f"{compute_type}, not converted yet"


@dataclass
class CT2Translator:
    """One converted model loaded in CTranslate2, with the checkpoint's tokenizer."""

    backend: ClassVar[str] = "ctranslate2"

    tokenizer: Any
    translator: Any  # ctranslate2.Translator
    window: int
    num_beams: int
    device: str
    compute_type: str
    sub_batch: int  # at most this many sentences per CTranslate2 batch; 0: the seam's batch whole
    workers: int  # CTranslate2 batches that run at once

    @staticmethod
    def identity(model: ModelConfig) -> str:
        return model_identity(model)

    @staticmethod
    def cache_settings(model: ModelConfig) -> dict[str, object]:
        _, compute_type = resolved_compute_type(model)
        return {
            "num_beams": model.num_beams,
            "max_length_ratio": model.max_length_ratio,
            "max_length_extra": model.max_length_extra,
            "compute_type": compute_type,
            "ctranslate2": _ctranslate2().__version__,
        }

    @classmethod
    def load(cls, lang: str, model: ModelConfig) -> CT2Translator:
        from transformers import MarianTokenizer

        ctranslate2 = _ctranslate2()
        device, compute_type = resolved_compute_type(model)
        path, _ = convert(lang, model, compute_type)
        source = checkpoint_folder(lang, model)
        try:
            tokenizer = MarianTokenizer.from_pretrained(str(source))
        # MarianTokenizer gets None for a missing source.spm and fails with TypeError on the path
        except (OSError, TypeError):
            raise ModelNotFoundError(
                lang, model.id, f"models.{lang}.id", f"its tokenizer files ({', '.join(_TOKENIZER_FILES)}) are missing"
            ) from None
        config = json.loads((source / "config.json").read_text(encoding="utf-8"))
        generation = source / "generation_config.json"
        beams = json.loads(generation.read_text(encoding="utf-8")).get("num_beams") if generation.is_file() else 1
        num_beams = model.num_beams or int(beams or 1)
        if device == "cpu":
            # one single-threaded worker per core, all sharing the one copy of the weights
            workers = cpu_threads(model.threads)
            threads = {"inter_threads": workers, "intra_threads": 1}
            sub_batch = max(1, _CPU_HYPOTHESES_PER_BATCH // num_beams)
        else:  # a GPU is fed one large batch
            threads, sub_batch, workers = {}, 0, 1
        try:
            translator = ctranslate2.Translator(str(path), device=device, compute_type=compute_type, **threads)
        # C++ errors reach Python as pybind11 maps them: RuntimeError (a CUDA library not found),
        # IndexError or ValueError (a model file it cannot read)
        except (RuntimeError, IndexError, ValueError, OSError) as err:
            raise BackendLoadError(lang, model.id, device, str(path), _first_line(err)) from None
        return cls(
            tokenizer=tokenizer,
            translator=translator,
            # the source window, eos included: read from the checkpoint, never assumed to be 512
            window=int(config["max_position_embeddings"]),
            num_beams=num_beams,
            device=device,
            compute_type=compute_type,
            sub_batch=sub_batch,
            workers=workers,
        )

    def token_counts(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, truncation=False)["input_ids"]]

    def generate(self, texts: list[str], limits: list[int]) -> list[Hypothesis]:
        ids = self.tokenizer(texts, truncation=False)["input_ids"]
        sources = [self.tokenizer.convert_ids_to_tokens(row) for row in ids]
        pending = [
            self.translator.translate_batch(
                sources[start:end],
                beam_size=self.num_beams,
                # the sub-batch's own longest limit: a short text that loops is not carried to
                # the limit of the longest text in the seam's batch
                max_decoding_length=max(limits[start:end]),
                max_input_length=0,  # the default, 1024, would truncate silently; the seam splits instead
                return_end_token=True,  # tells a hypothesis that ended from one stopped by the limit
                asynchronous=True,
            )
            for start, end in self._sub_batches(len(sources))
        ]
        results = [future.result() for batch in pending for future in batch]
        special = set(self.tokenizer.all_special_tokens)
        hypotheses = []
        for result, limit in zip(results, limits, strict=True):
            # cut as transformers cuts, so both backends give the same words for the same limit
            pieces, tokens = within_limit(result.hypotheses[0], limit)
            text = self.tokenizer.convert_tokens_to_string([p for p in pieces if p not in special])
            hypotheses.append(Hypothesis(text, tokens))
        return hypotheses

    def _sub_batches(self, count: int) -> list[tuple[int, int]]:
        """(start, end) of each CTranslate2 batch: at most ``sub_batch`` texts, and a multiple of
        the workers in number, so that no worker idles while another runs a last batch alone."""
        if not self.sub_batch:
            return [(0, count)]
        batches = -(-count // self.sub_batch)
        batches = min(count, -(-batches // self.workers) * self.workers)
        # the seam's batch is longest first, so the longest texts go to the smaller batches
        bounds = [k * count // batches for k in range(batches + 1)]
        return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
