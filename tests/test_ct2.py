"""The translator seam and the CTranslate2 backend, on the tiny random MarianMT model."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from translate_fixtures import groups_of, make_context, seed_sentences
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import ModelConfig, parse_config
from pipeline.device import choose_compute_type, choose_ct2_device
from pipeline.errors import BackendLoadError, BackendMissingError, ConfigError, ConversionError, DeviceError
from pipeline.stages import translate
from pipeline.translation import backends, ct2
from pipeline.translation.backends import load_translator
from pipeline.translation.ct2 import CT2Translator, convert, converted_path, is_converted
from pipeline.translation.translator import Hypothesis
from tests.support.paths import SEEDS

ctranslate2 = pytest.importorskip("ctranslate2")
runner = CliRunner()
WIDE = {"COLUMNS": "400"}


class WordTranslator:
    """A second backend for the seam: a word is a token, and each output word is the source's
    word reversed, so every part can be traced back to its source."""

    backend: ClassVar[str] = "words"
    window = 8
    batches: ClassVar[list[list[str]]] = []

    @staticmethod
    def identity(model: ModelConfig) -> str:
        return f"words:{model.id}"

    @staticmethod
    def cache_settings(model: ModelConfig) -> dict[str, object]:
        return {"max_length_ratio": model.max_length_ratio}

    @classmethod
    def load(cls, lang: str, model: ModelConfig) -> WordTranslator:
        return cls()

    def token_counts(self, texts: list[str]) -> list[int]:
        return [len(text.split()) + 1 for text in texts]

    def generate(self, texts: list[str], limits: list[int]) -> list[Hypothesis]:
        self.batches.append(list(texts))
        return [
            Hypothesis(" ".join(w[::-1] for w in text.split()), min(len(text.split()) + 1, limit))
            for text, limit in zip(texts, limits, strict=True)
        ]


@pytest.fixture
def words_backend(monkeypatch: pytest.MonkeyPatch) -> type[WordTranslator]:
    monkeypatch.setitem(backends.REGISTRY, "words", lambda: WordTranslator)
    monkeypatch.setattr(WordTranslator, "batches", [])
    return WordTranslator


@pytest.fixture
def ct2_batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every batch CTranslate2 is asked to translate (the real one still runs)."""
    calls: list[list[str]] = []
    real = CT2Translator.generate

    def spy(self: CT2Translator, texts: list[str], limit: int) -> list[Hypothesis]:
        calls.append(list(texts))
        return real(self, texts, limit)

    monkeypatch.setattr(CT2Translator, "generate", spy)
    return calls


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folder of every conversion CTranslate2's converter is asked for (it still converts)."""
    done: list[str] = []
    converter = ctranslate2.converters.TransformersConverter
    real = converter.convert

    def spy(self: object, output_dir: str, *args: object, **kwargs: object) -> str:
        done.append(output_dir)
        return real(self, output_dir, *args, **kwargs)

    monkeypatch.setattr(converter, "convert", spy)
    return done


def cache_rows(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "translations.sqlite") as db:
        return sorted(db.execute("SELECT source, translation FROM translations"))


def test_a_second_backend_goes_through_the_same_splitting_batching_and_cache(tmp_path, words_backend) -> None:
    long = "un deux trois quatre cinq six sept huit neuf dix, onze douze treize quatorze"
    texts = [long, "La Maison-Blanche a parlé.", "Kirby a confirmé la livraison vendredi soir."]
    output = translate.run(make_context(tmp_path, groups_of(texts), "/models/words", backend="words", batch_tokens=16))
    parts = [part for batch in words_backend.batches for part in batch]
    assert all(len(part.split()) + 1 <= words_backend.window for part in parts)  # every part fits the window
    assert sorted(" ".join(parts).split()) == sorted(" ".join(texts).split())  # nothing lost in the split
    assert all(len(batch) * (max(len(p.split()) for p in batch) + 1) <= 16 for batch in words_backend.batches)
    result = {t.source: t for t in output.artifacts["translations"]}
    assert result[long].translation == " ".join(w[::-1] for w in long.split()) and result[long].parts == 3
    assert "onze douze treize quatorze" in parts  # cut at the clause boundary first
    assert output.counts["split_long"] == 1 and output.counts["batches"] == len(words_backend.batches)
    words_backend.batches.clear()
    again = translate.run(make_context(tmp_path, groups_of(texts), "/models/words", backend="words"))
    assert again.counts["from_cache"] == 3 and words_backend.batches == []


def test_the_same_sentence_from_two_backends_is_two_cache_rows(tmp_path, tiny_model_dir, words_backend) -> None:
    text = seed_sentences(1)
    translate.run(make_context(tmp_path, groups_of(text), tiny_model_dir, backend="words"))
    other = translate.run(make_context(tmp_path, groups_of(text), tiny_model_dir, backend="ctranslate2"))
    assert other.counts["translated"] == 1  # not the first backend's cached row
    rows = cache_rows(tmp_path)
    assert [source for source, _ in rows] == text * 2 and rows[0][1] != rows[1][1]


def test_compute_type_is_part_of_the_cache_key(tmp_path, tiny_model_dir, ct2_batches) -> None:
    texts = seed_sentences(3)
    translate.run(make_context(tmp_path, groups_of(texts), tiny_model_dir, backend="ctranslate2"))
    again = translate.run(
        make_context(tmp_path, groups_of(texts), tiny_model_dir, backend="ctranslate2", compute_type="float32")
    )
    assert again.counts["translated"] == 3 and len(cache_rows(tmp_path)) == 6
    ct2_batches.clear()
    cached = translate.run(make_context(tmp_path, groups_of(texts), tiny_model_dir, backend="ctranslate2"))
    assert cached.counts["from_cache"] == 3 and ct2_batches == []


def test_conversion_is_cached_and_reused(tmp_path, tiny_model_dir, conversions) -> None:
    config = ModelConfig(id=str(tiny_model_dir), device="cpu", backend="ctranslate2")
    first, converted_now = convert("fr", config, "int8")
    second, again = convert("fr", config, "int8")
    assert first == second and converted_now and not again
    assert is_converted(first) and len(conversions) == 1
    assert f"ct2-{ctranslate2.__version__}-int8" in first.name and first.parent == ct2.converted_root()
    translate.run(make_context(tmp_path, groups_of(seed_sentences(2)), tiny_model_dir, backend="ctranslate2"))
    assert len(conversions) == 1  # the run loaded the cached folder
    other, _ = convert("fr", config, "float32")
    assert other != first and len(conversions) == 2


def test_a_rebuilt_checkpoint_gets_a_new_conversion(tmp_path, tiny_model_dir) -> None:
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    config = ModelConfig(id=str(copy), device="cpu", backend="ctranslate2")
    before = converted_path("fr", config, "int8")
    (copy / "config.json").write_text((copy / "config.json").read_text().replace("}", ', "note": 1}', 1))
    assert converted_path("fr", config, "int8") != before


def test_a_killed_conversion_is_not_reused(tmp_path, tiny_model_dir, monkeypatch, conversions) -> None:
    config = ModelConfig(id=str(tiny_model_dir), device="cpu", backend="ctranslate2")
    converter = ctranslate2.converters.TransformersConverter
    real = converter.convert

    def killed(self: object, output_dir: str, *args: object, **kwargs: object) -> str:
        Path(output_dir).mkdir(parents=True)
        (Path(output_dir) / "model.bin").write_bytes(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(converter, "convert", killed)
    with pytest.raises(KeyboardInterrupt):
        convert("fr", config, "int8")
    path = converted_path("fr", config, "int8")
    assert not path.exists() and list(path.parent.glob(f".{path.name}.partial-*"))
    monkeypatch.setattr(converter, "convert", real)
    output = translate.run(make_context(tmp_path, groups_of(seed_sentences(2)), tiny_model_dir, backend="ctranslate2"))
    assert output.counts["translated"] == 2 and is_converted(path)
    assert not list(path.parent.glob(f".{path.name}.partial-*"))  # the abandoned half was removed


def test_a_final_folder_without_the_done_mark_is_converted_again(tiny_model_dir, conversions) -> None:
    config = ModelConfig(id=str(tiny_model_dir), device="cpu", backend="ctranslate2")
    path = converted_path("fr", config, "int8")
    path.mkdir(parents=True)
    (path / "model.bin").write_bytes(b"copied in part")
    assert not is_converted(path)
    folder, converted_now = convert("fr", config, "int8")
    assert folder == path and converted_now and is_converted(path) and len(conversions) == 1
    assert (path / "model.bin").stat().st_size > 1000


@pytest.mark.parametrize("compute_type", ["float32", "int8"])
def test_greedy_output_equals_transformers(tmp_path, tiny_model_dir, compute_type) -> None:
    """Greedy search agrees with transformers, the end forced at the length limit included.
    Documented differences: beam search (transformers' forced end token changes how beams are
    ranked) and, rarely, a near-tie late in a long output that int8 or float order flips."""
    texts = [s for s in seed_sentences() if len(s) < 160][:10]
    by_backend = {}
    for backend in ("transformers", "ctranslate2"):
        output = translate.run(
            make_context(
                tmp_path / backend,
                groups_of(texts),
                tiny_model_dir,
                backend=backend,
                num_beams=1,
                compute_type=compute_type,
            )
        )
        by_backend[backend] = output
    assert len(texts) == 10
    expected = [t.translation for t in by_backend["transformers"].artifacts["translations"]]
    assert [t.translation for t in by_backend["ctranslate2"].artifacts["translations"]] == expected
    counts = [by_backend[b].counts for b in ("transformers", "ctranslate2")]
    assert counts[0]["generated_tokens"] == counts[1]["generated_tokens"] > 0
    assert counts[0]["at_length_limit"] == counts[1]["at_length_limit"]


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_each_text_keeps_its_own_limit_in_a_batch(tiny_model_dir, backend) -> None:
    """Greedy: a short text batched with a long one (a larger limit) translates as it does alone,
    cut where its own limit ends it, and is counted at its limit."""
    translator = load_translator("fr", ModelConfig(id=str(tiny_model_dir), backend=backend, num_beams=1, threads=2))
    texts = sorted((s for s in seed_sentences() if len(s) < 300), key=len)
    short, long = texts[0], texts[-1]
    limits = [6, 60]
    together = translator.generate([long, short], limits[::-1])
    alone = translator.generate([short], limits[:1])
    assert together[1] == alone[0]
    assert together[1].tokens == limits[0] < together[0].tokens  # the short one ran to its limit


def test_a_sentence_over_the_window_is_split_and_nothing_is_lost(tmp_path, ct2_batches) -> None:
    from tests.support.random_model import build_random_marian

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    model = build_random_marian(tmp_path / "short", texts, max_position_embeddings=32)
    long_sentence = max(seed_sentences(), key=len)
    output = translate.run(make_context(tmp_path, groups_of([long_sentence]), model, backend="ctranslate2"))
    translator = load_translator("fr", ModelConfig(id=str(model), device="cpu", backend="ctranslate2"))
    assert translator.window == 32 and translator.token_counts([long_sentence])[0] > 32
    parts = [text for batch in ct2_batches for text in batch]
    assert len(parts) > 1 and all(n <= translator.window for n in translator.token_counts(parts))
    assert sorted(" ".join(parts).split()) == sorted(long_sentence.split())
    [translation] = output.artifacts["translations"]
    assert translation.parts == len(parts) and output.counts["split_long"] == 1 and translation.translation


def test_a_failed_conversion_is_one_clear_error(tmp_path, tiny_model_dir, monkeypatch) -> None:
    def fails(self: object, *args: object, **kwargs: object) -> str:
        raise ValueError("No conversion is registered for the model configuration MarianConfig\nmore")

    monkeypatch.setattr(ctranslate2.converters.TransformersConverter, "convert", fails)
    with pytest.raises(ConversionError) as caught:
        translate.run(make_context(tmp_path, groups_of(seed_sentences(1)), tiny_model_dir, backend="ctranslate2"))
    message = str(caught.value)
    assert "`fr`" in message and "No conversion is registered" in message and "\n" not in message
    assert not list(ct2.converted_root().iterdir())  # nothing half-written left behind


def test_a_converted_model_ctranslate2_cannot_load_is_one_clear_error(tmp_path, tiny_model_dir) -> None:
    config = ModelConfig(id=str(tiny_model_dir), backend="ctranslate2", device="cpu")
    folder, _ = convert("fr", config, "int8")
    (folder / "model.bin").write_bytes(b"\0" * 64)  # as a disk error or an older CTranslate2's file would leave it
    with pytest.raises(BackendLoadError) as caught:
        translate.run(make_context(tmp_path, groups_of(seed_sentences(1)), tiny_model_dir, backend="ctranslate2"))
    message = str(caught.value)
    assert "`fr`" in message and "on cpu" in message and f"Remove {folder}" in message and "\n" not in message


def test_a_cache_folder_that_cannot_be_written_is_one_clear_error(tmp_path, tiny_model_dir, monkeypatch) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file" / "cache"))
    ctx = make_context(tmp_path, groups_of(seed_sentences(1)), tiny_model_dir, backend="ctranslate2")
    with pytest.raises(ConversionError, match=r"cannot be written \(Not a directory\)\. Set XDG_CACHE_HOME"):
        translate.run(ctx)


def test_ctranslate2_not_installed_is_one_clear_error(tmp_path, tiny_model_dir, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # import fails as when not installed
    with pytest.raises(BackendMissingError, match=r"pip install ctranslate2.*backend: transformers"):
        translate.run(make_context(tmp_path, groups_of(seed_sentences(1)), tiny_model_dir, backend="ctranslate2"))


def test_device_and_compute_type_choice(monkeypatch) -> None:
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    assert choose_ct2_device("auto") == "cpu" and choose_compute_type("auto", "cpu") == "int8"
    with pytest.raises(DeviceError, match="CTranslate2 sees no CUDA GPU"):
        choose_ct2_device("cuda")
    with pytest.raises(ConfigError, match="float16 is not supported on cpu"):
        choose_compute_type("float16", "cpu")
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: {"int8_float16", "float16"})
    assert choose_ct2_device("auto") == "cuda"
    assert choose_compute_type("auto", "cuda") == "int8_float16" and choose_compute_type("float16", "cuda") == "float16"


def test_threads_and_device_reach_ctranslate2(tiny_model_dir, monkeypatch) -> None:
    made: list[dict] = []
    real = ctranslate2.Translator

    def spy(path: str, **kwargs: object) -> object:
        made.append(kwargs)
        return real(path, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", spy)
    config = ModelConfig(id=str(tiny_model_dir), device="auto", threads=3, backend="ctranslate2")
    translator = load_translator("fr", config)
    # one single-threaded worker per core asked for
    assert made == [{"device": "cpu", "compute_type": "int8", "inter_threads": 3, "intra_threads": 1}]
    assert (translator.device, translator.compute_type, translator.num_beams) == ("cpu", "int8", 1)
    assert isinstance(translator, CT2Translator)
    four_beams = load_translator("fr", dataclasses.replace(config, num_beams=4))
    assert isinstance(four_beams, CT2Translator)
    assert (translator.sub_batch, four_beams.sub_batch, translator.workers) == (16, 4, 3)


def test_sub_batches_in_parallel_give_what_one_batch_gives(tiny_model_dir) -> None:
    """The seam's batch is split over the workers; the hypotheses come back in input order and
    the same as one batch of all of them (4 beams: greedy output of the tiny model is one text)."""
    config = ModelConfig(id=str(tiny_model_dir), threads=2, backend="ctranslate2", num_beams=4)
    translator = load_translator("fr", config)
    assert isinstance(translator, CT2Translator)
    texts = [s for s in seed_sentences() if len(s) < 160][:11]
    limits = [40] * len(texts)
    split = translator.generate(texts, limits)
    assert len(texts) > translator.sub_batch * translator.workers
    whole = dataclasses.replace(translator, sub_batch=0).generate(texts, limits)
    one_by_one = [h for text in texts for h in dataclasses.replace(translator, sub_batch=1).generate([text], [40])]
    assert len({h.text for h in split}) > 1
    assert split == whole == one_by_one


@pytest.mark.parametrize(
    ("count", "sub_batch", "workers", "sizes"),
    [
        (25, 4, 2, [3, 3, 3, 3, 3, 3, 3, 4]),  # 7 batches of 4 would leave one worker a last batch alone
        (8, 4, 2, [4, 4]),
        (3, 4, 2, [1, 2]),  # fewer texts than a batch: still one batch per worker
        (1, 4, 2, [1]),
        (11, 1, 2, [1] * 11),
        (40, 0, 1, [40]),  # a GPU takes the seam's batch whole
    ],
)
def test_sub_batches_are_a_multiple_of_the_workers(count, sub_batch, workers, sizes) -> None:
    translator = CT2Translator(None, None, 512, 4, "cpu", "int8", sub_batch=sub_batch, workers=workers)
    bounds = translator._sub_batches(count)
    assert [end - start for start, end in bounds] == sizes
    assert bounds[0][0] == 0 and bounds[-1][1] == count
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))


def test_the_backend_is_checked_in_the_config() -> None:
    assert parse_config({"models": {"fr": {"id": "x", "backend": "ctranslate2"}}}).models["fr"].backend == "ctranslate2"
    with pytest.raises(ConfigError, match="`models.fr.backend`.*transformers, ctranslate2"):
        parse_config({"models": {"fr": {"id": "x", "backend": "onnx"}}})
    with pytest.raises(ConfigError, match="`models.fr.compute_type`"):
        parse_config({"models": {"fr": {"id": "x", "compute_type": "int4"}}})


def write_config(tmp_path: Path, model: Path) -> Path:
    config = tmp_path / "models.yaml"
    config.write_text(f"models:\n  fr:\n    id: {model}\n    backend: ctranslate2\n    threads: 1\n", encoding="utf-8")
    return config


def test_models_lists_and_converts(tmp_path, tiny_model_dir, conversions) -> None:
    config = write_config(tmp_path, tiny_model_dir)
    before = runner.invoke(app, ["models", "--config", str(config)], env=WIDE)
    row = next(line for line in before.output.splitlines() if " fr " in line)
    assert before.exit_code == 0 and "ctranslate2" in row and "int8, not converted yet" in row
    converted = runner.invoke(app, ["models", "--config", str(config), "--convert"], env=WIDE)
    row = next(line for line in converted.output.splitlines() if " fr " in line)
    assert converted.exit_code == 0 and "int8, cached at" in row and len(conversions) == 1
    runner.invoke(app, ["models", "--config", str(config), "--convert"], env=WIDE)
    assert len(conversions) == 1


def test_run_seeds_with_the_ctranslate2_backend(tmp_path, tiny_model_dir) -> None:
    config = write_config(tmp_path, Path("unused"))
    out = tmp_path / "run"
    args = ["run", str(SEEDS), "--config", str(config), "--model", f"fr={tiny_model_dir}", "--out", str(out)]
    result = runner.invoke(app, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    import json

    translations = [json.loads(line) for line in (out / "translate" / "translations.jsonl").read_text().splitlines()]
    from_model = [t for t in translations if t["origin"] == "model"]
    assert from_model and all(t["translation"] for t in from_model)
    assert (out / "digest.md").is_file()
