"""The translate stage on a tiny random MarianMT model through the transformers backend: the real
loading and generation path (tests/test_ct2.py runs the CTranslate2 backend, the default)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from translate_fixtures import (
    groups_of,
    make_context,
    offline_hub_cache,  # noqa: F401  (the hub_cache fixture)
    put_in_hub_cache,
    seed_sentences,
)

from pipeline.config import ModelConfig
from pipeline.errors import ConfigError, DeviceError, ModelNotFoundError, PipelineError
from pipeline.records import Translation
from pipeline.stages import translate
from pipeline.stages.base import StageContext
from pipeline.translation import marian
from pipeline.translation.backends import load_translator
from pipeline.translation.marian import MarianTranslator
from pipeline.translation.translator import Hypothesis, max_new_tokens, split_to_fit
from tests.support.paths import SEED_MEMORY, SEEDS


@pytest.fixture(scope="module")
def short_window_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model whose window is 32 tokens, so seed sentences overflow it."""
    from tests.support.random_model import build_random_marian

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return build_random_marian(tmp_path_factory.mktemp("short-window"), texts, max_position_embeddings=32)


@pytest.fixture
def generate_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every batch the model is asked to translate, in order (the real generate still runs)."""
    calls: list[list[str]] = []
    real = MarianTranslator.generate

    def spy(self: MarianTranslator, texts: list[str], limits: list[int]) -> list[Hypothesis]:
        calls.append(list(texts))
        return real(self, texts, limits)

    monkeypatch.setattr(MarianTranslator, "generate", spy)
    return calls


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to load a model fails the test."""

    def refuse(*args: object) -> None:
        raise AssertionError("the model was loaded although nothing needed it")

    monkeypatch.setattr(translate, "load_translator", refuse)


def transformers_context(*args: Any, **settings: Any) -> StageContext:
    return make_context(*args, **{"backend": "transformers", **settings})


def by_id(output: translate.StageOutput) -> dict[str, Translation]:
    return {t.group_id: t for t in output.artifacts["translations"]}


def test_translates_every_group_once_through_the_model(tmp_path, tiny_model_dir, generate_calls) -> None:
    texts = seed_sentences(12)
    output = translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir))
    translations = output.artifacts["translations"]
    assert [t.source for t in translations] == texts
    assert all(t.origin == "model" and t.translation and t.model == str(tiny_model_dir) for t in translations)
    assert output.counts["translated"] == len(texts) and output.counts["from_cache"] == 0
    assert sorted(text for batch in generate_calls for text in batch) == sorted(texts)
    assert output.counts["generated_tokens"] > 0


def test_batches_are_length_sorted_and_within_the_token_budget(tmp_path, tiny_model_dir, generate_calls) -> None:
    texts = seed_sentences(30)
    translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir, batch_tokens=256))
    translator = load_translator("fr", ModelConfig(id=str(tiny_model_dir), device="cpu", backend="transformers"))
    widths = [max(translator.token_counts(batch)) for batch in generate_calls]
    assert len(generate_calls) > 1
    assert widths == sorted(widths, reverse=True)
    assert all(len(batch) * width <= 256 for batch, width in zip(generate_calls, widths, strict=True))


def test_max_new_tokens_is_bounded_by_source_length_and_window(tiny_model_dir) -> None:
    config = ModelConfig(
        id=str(tiny_model_dir), device="cpu", backend="transformers", max_length_ratio=1.5, max_length_extra=4
    )
    translator = load_translator("fr", config)
    assert max_new_tokens(config, translator.window, 10) == 19
    assert max_new_tokens(config, translator.window, 1000) == translator.window - 1


def test_second_run_comes_from_the_cache(tmp_path, tiny_model_dir, generate_calls) -> None:
    texts = seed_sentences(10)
    first = translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir))
    generate_calls.clear()
    second = translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir))
    assert generate_calls == []
    assert second.counts["translated"] == 0 and second.counts["from_cache"] == len(texts)
    assert [t.translation for t in second.artifacts["translations"]] == [
        t.translation for t in first.artifacts["translations"]
    ]
    assert {t.origin for t in second.artifacts["translations"]} == {"cache"}


def test_changed_generation_settings_do_not_reuse_the_cache(tmp_path, tiny_model_dir) -> None:
    texts = seed_sentences(4)
    translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir))
    again = translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir, max_length_ratio=0.5))
    assert again.counts["translated"] == len(texts)


def test_an_interrupted_run_resumes_with_only_the_missing_sentences(tmp_path, tiny_model_dir, generate_calls) -> None:
    texts = seed_sentences(24)

    @contextmanager
    def interrupt_after_first_batch(description: str, total: int | None):
        class Bar:
            def advance(self, n: int = 1) -> None:
                raise KeyboardInterrupt

        yield Bar()

    ctx = transformers_context(
        tmp_path, groups_of(texts), tiny_model_dir, batch_tokens=300, progress=interrupt_after_first_batch
    )
    with pytest.raises(KeyboardInterrupt):
        translate.run(ctx)
    first_batch = generate_calls[0]
    assert len(generate_calls) == 1 and 0 < len(first_batch) < len(texts)
    generate_calls.clear()
    resumed = translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir, batch_tokens=300))
    assert resumed.counts["from_cache"] == len(first_batch)
    assert resumed.counts["translated"] == len(texts) - len(first_batch)
    assert sorted(t for batch in generate_calls for t in batch) == sorted(set(texts) - set(first_batch))


def test_english_passes_through_and_a_language_without_model_is_reported(
    tmp_path, tiny_model_dir, generate_calls
) -> None:
    french = seed_sentences(2)
    english = ["The White House said more than 1,000 containers were delivered."]
    german = [
        "Nordkorea hat mehr als 1.000 Container geliefert.",
        "Das Weiße Haus bestätigte das.",
        "Kirby sprach am Freitag.",
    ]
    groups = groups_of(french) + groups_of(english, "en", "en") + groups_of(german, "de", "de")
    output = translate.run(transformers_context(tmp_path, groups, tiny_model_dir))
    result = by_id(output)
    assert result["en0"].origin == "passthrough" and result["en0"].translation == english[0]
    assert all(
        result[f"de{i}"].origin == "untranslated"
        and result[f"de{i}"].translation == ""
        and result[f"de{i}"].flags == ["no-model:de"]
        for i in range(3)
    )
    assert output.counts["untranslated_langs"] == {"de": 3} and output.counts["passthrough"] == 1
    assert any("`de` (3 sentence groups)" in note for note in output.notes)
    asked = {text for batch in generate_calls for text in batch}
    assert asked == set(french)


def write_memory(path: Path, pairs: list[tuple[str, str]]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text(
            "".join(json.dumps({"source": s, "translation": t}, ensure_ascii=False) + "\n" for s, t in pairs),
            encoding="utf-8",
        )
    else:
        units = "".join(
            f'<tu><tuv xml:lang="fr"><seg>{s}</seg></tuv><tuv xml:lang="en"><seg>{t}</seg></tuv></tu>' for s, t in pairs
        )
        path.write_text(
            f'<?xml version="1.0"?><tmx version="1.4"><header srclang="fr"/><body>{units}</body></tmx>',
            encoding="utf-8",
        )
    return path


@pytest.mark.parametrize("suffix", [".tmx", ".jsonl"])
def test_memory_hits_are_used_and_only_the_rest_goes_to_the_model(
    tmp_path, tiny_model_dir, generate_calls, suffix
) -> None:
    texts = ["Plus de 1\u00a0000 conteneurs ont été livrés.", "Kirby  a parlé\nvendredi.", "Rien à signaler ici."]
    memory = write_memory(
        tmp_path / f"memory{suffix}",
        [
            ("Plus de 1 000 conteneurs ont été livrés.", "More than 1,000 containers were delivered."),
            (" Kirby a parlé vendredi. ", "Kirby spoke on Friday."),
        ],
    )
    output = translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir, memory=memory))
    result = by_id(output)
    assert (result["g0"].origin, result["g0"].translation) == ("memory", "More than 1,000 containers were delivered.")
    assert (result["g1"].origin, result["g1"].translation) == ("memory", "Kirby spoke on Friday.")
    assert result["g2"].origin == "model"
    assert output.counts["from_memory"] == 2 and output.counts["translated"] == 1
    assert generate_calls == [[texts[2]]]


def test_the_model_is_not_loaded_when_nothing_needs_it(tmp_path, no_model) -> None:
    pairs = [(s, f"English {i}.") for i, s in enumerate(seed_sentences(5))]
    memory = write_memory(tmp_path / "memory.jsonl", pairs)
    groups = groups_of([s for s, _ in pairs]) + groups_of(["Already English."], "en", "en")
    ctx = transformers_context(tmp_path, groups, "Helsinki-NLP/opus-mt-fr-en", memory=memory)
    output = translate.run(ctx)
    assert output.counts["from_memory"] == 5 and output.counts["passthrough"] == 1
    assert not (tmp_path / "translations.sqlite").exists()


def test_a_sentence_over_the_window_is_split_and_nothing_is_lost(tmp_path, short_window_model, generate_calls) -> None:
    long_sentence = max(seed_sentences(), key=len)
    short = "La Maison-Blanche a parlé."
    output = translate.run(transformers_context(tmp_path, groups_of([long_sentence, short]), short_window_model))
    translator = load_translator("fr", ModelConfig(id=str(short_window_model), device="cpu", backend="transformers"))
    assert translator.window == 32 and translator.token_counts([long_sentence])[0] > 32
    parts = [text for batch in generate_calls for text in batch if text != short]
    assert len(parts) > 1
    assert all(n <= translator.window for n in translator.token_counts(parts))
    assert sorted(" ".join(parts).split()) == sorted(long_sentence.split())  # every word of the source went in
    result = by_id(output)
    assert result["g0"].parts == len(parts) and result["g1"].parts == 1
    assert output.counts["split_long"] == 1


@pytest.mark.parametrize(
    ("text", "max_words", "expected"),
    [
        ("un deux trois", 3, ["un deux trois"]),
        ("a b; c d, e f", 4, ["a b;", "c d, e f"]),
        ("a b: c d, e f", 4, ["a b:", "c d, e f"]),
        ("a b c, d e, f", 4, ["a b c,", "d e, f"]),
        ("il pleut et il vente fort", 4, ["il pleut", "et il vente fort"]),
        ("un deux trois quatre cinq six", 2, ["un deux", "trois", "quatre", "cinq six"]),
    ],
)
def test_split_to_fit_prefers_clause_boundaries(text: str, max_words: int, expected: list[str]) -> None:
    assert split_to_fit(text, lambda part: len(part.split()) <= max_words) == expected


def test_split_to_fit_cuts_a_word_longer_than_the_window() -> None:
    parts = split_to_fit("x" * 10, lambda part: len(part) <= 3)
    assert "".join(parts) == "x" * 10 and all(len(p) <= 3 for p in parts)


def test_flags_are_stored_and_listed_in_the_notes(tmp_path, tiny_model_dir) -> None:
    texts = [s for s in seed_sentences() if "1 000" in s][:2]
    output = translate.run(transformers_context(tmp_path, groups_of(texts), tiny_model_dir))
    assert texts
    for translation in output.artifacts["translations"]:  # gibberish cannot keep "1 000"
        assert "number-missing:1 000" in translation.flags
    assert output.counts["flagged"] == len(texts)
    assert sum(note.startswith("flagged ") for note in output.notes) == len(texts)


def test_flag_notes_are_capped() -> None:
    flagged = [Translation(f"g{i}", [], "source", "", flags=["repetition"]) for i in range(25)]
    notes = translate._flag_notes(flagged)
    assert len(notes) == translate.MAX_FLAGGED_NOTES + 1 and notes[-1].startswith("and 5 more")


def test_a_hub_model_in_the_cache_loads_offline_at_its_revision(tmp_path, tiny_model_dir, hub_cache) -> None:
    put_in_hub_cache(hub_cache, "Helsinki-NLP/opus-mt-fr-en", tiny_model_dir)
    output = translate.run(transformers_context(tmp_path, groups_of(seed_sentences(2)), "Helsinki-NLP/opus-mt-fr-en"))
    assert {(t.model, t.revision, t.origin) for t in output.artifacts["translations"]} == {
        ("Helsinki-NLP/opus-mt-fr-en", "main", "model")
    }


@pytest.mark.parametrize("model_id", ["Helsinki-NLP/opus-mt-fr-en", "/no/such/model-dir", "not a hub id!"])
def test_a_missing_model_is_one_clear_error(tmp_path, hub_cache, model_id) -> None:
    ctx = transformers_context(tmp_path, groups_of(seed_sentences(1)), model_id)
    with pytest.raises(ModelNotFoundError) as caught:
        translate.run(ctx)
    message = str(caught.value)
    assert "`fr`" in message and "models.fr.id" in message and model_id in message
    assert "--model fr=" in message and "\n" not in message


def test_a_folder_without_tokenizer_files_is_a_missing_model(tmp_path, tiny_model_dir) -> None:
    import shutil

    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "source.spm").unlink()
    with pytest.raises(ModelNotFoundError, match="tokenizer files"):
        load_translator("fr", ModelConfig(id=str(broken), device="cpu", backend="transformers"))


@pytest.mark.parametrize(
    ("settings", "memory_text", "error", "key"),
    [
        ({"device": "cuda"}, None, DeviceError, None),
        ({"dtype": "float16", "device": "cpu"}, None, ConfigError, "dtype"),
        ({}, "<tmx><body><tu>", ConfigError, "memory"),
        ({}, "missing", ConfigError, "memory"),
    ],
)
def test_bad_settings_are_clear_errors(
    tmp_path, tiny_model_dir, monkeypatch, settings, memory_text, error, key
) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    memory = None
    if memory_text is not None:
        memory = tmp_path / "memory.tmx"
        if memory_text != "missing":
            memory.write_text(memory_text, encoding="utf-8")
    ctx = transformers_context(tmp_path, groups_of(seed_sentences(1)), tiny_model_dir, memory=memory, **settings)
    with pytest.raises(error) as caught:
        translate.run(ctx)
    assert isinstance(caught.value, PipelineError)
    if key:
        assert caught.value.key == key


def test_an_unusable_cache_path_is_a_clear_error(tmp_path, tiny_model_dir) -> None:
    import dataclasses

    ctx = transformers_context(tmp_path, groups_of(seed_sentences(1)), tiny_model_dir)
    (tmp_path / "not-a-dir").write_text("")
    ctx.config = dataclasses.replace(ctx.config, cache=str(tmp_path / "not-a-dir" / "cache.sqlite"))
    with pytest.raises(ConfigError) as caught:
        translate.run(ctx)
    assert caught.value.key == "cache"


def test_default_cache_lives_under_xdg_cache_home(tmp_path, tiny_model_dir, monkeypatch) -> None:
    import dataclasses

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    ctx = transformers_context(tmp_path, groups_of(seed_sentences(1)), tiny_model_dir)
    ctx.config = dataclasses.replace(ctx.config, cache=None)
    translate.run(ctx)
    assert (tmp_path / "xdg" / "pipeline" / "translations.sqlite").is_file()


def test_seed_memory_covers_real_seed_sentences(tmp_path, no_model) -> None:
    """The shipped seed memory, read by the stage: its own French sentences all come from memory."""
    import xml.etree.ElementTree as ET

    seg_sources = [tu.find("tuv/seg").text for tu in ET.parse(SEED_MEMORY).getroot().iter("tu")]
    output = translate.run(
        transformers_context(tmp_path, groups_of(seg_sources), "Helsinki-NLP/opus-mt-fr-en", memory=SEED_MEMORY)
    )
    assert output.counts["from_memory"] == len(seg_sources) > 50
    assert output.counts["flagged"] == 0  # checked like any translation, and faithful


def test_a_memory_entry_that_drops_a_number_is_flagged(tmp_path, no_model) -> None:
    memory = write_memory(
        tmp_path / "memory.jsonl", [("Plus de 1 000 conteneurs ont été livrés.", "Many containers were delivered.")]
    )
    output = translate.run(
        transformers_context(
            tmp_path,
            groups_of(["Plus de 1 000 conteneurs ont été livrés."]),
            "Helsinki-NLP/opus-mt-fr-en",
            memory=memory,
        )
    )
    [translation] = output.artifacts["translations"]
    assert (translation.origin, translation.flags) == ("memory", ["number-missing:1 000"])
    assert output.counts["flagged"] == 1 and any("number-missing:1 000" in note for note in output.notes)


def test_loading_uses_the_device_helper(tiny_model_dir, monkeypatch) -> None:
    chosen: list[str] = []
    real = marian.choose_device
    monkeypatch.setattr(marian, "choose_device", lambda requested: chosen.append(requested) or real("cpu"))
    load_translator("fr", ModelConfig(id=str(tiny_model_dir), device="auto", backend="transformers"))
    assert chosen == ["auto"]
