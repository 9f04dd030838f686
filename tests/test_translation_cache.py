"""The SQLite translation cache: keys, persistence, location."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.translation.cache import CachedTranslation, TranslationCache, cache_key, default_cache_path

SETTINGS = {"num_beams": 4, "max_length_ratio": 1.6, "max_length_extra": 10, "dtype": "float32"}
BASE = ("Helsinki-NLP/opus-mt-fr-en@abc", SETTINGS, "Bonjour.")


@pytest.mark.parametrize(
    "changed",
    [
        ("Helsinki-NLP/opus-mt-fr-en@def", SETTINGS, "Bonjour."),
        ("other/model@abc", SETTINGS, "Bonjour."),
        (BASE[0], {**SETTINGS, "num_beams": 1}, "Bonjour."),
        (BASE[0], {**SETTINGS, "max_length_ratio": 2.0}, "Bonjour."),
        (BASE[0], {**SETTINGS, "dtype": "float16"}, "Bonjour."),
        (BASE[0], SETTINGS, "Bonjour !"),
        (BASE[0], SETTINGS, "bonjour."),
    ],
)
def test_key_changes_with_model_settings_and_text(changed: tuple) -> None:
    assert cache_key(*changed) != cache_key(*BASE)


def test_key_ignores_settings_order() -> None:
    assert cache_key(BASE[0], dict(reversed(list(SETTINGS.items()))), BASE[2]) == cache_key(*BASE)


def test_rows_persist_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "cache.sqlite"
    key = cache_key(*BASE)
    with TranslationCache(path) as cache:
        assert cache.get_many([key]) == {}
        cache.put_many([(key, BASE[0], "Bonjour.", "Hello.", 1)])
    with TranslationCache(path) as cache:
        assert cache.get_many([key, "absent"]) == {key: CachedTranslation("Hello.", 1)}


def test_many_keys_at_once(tmp_path: Path) -> None:
    rows = [
        (cache_key(BASE[0], SETTINGS, f"phrase {i}"), BASE[0], f"phrase {i}", f"sentence {i}", 1 + i % 3)
        for i in range(1200)
    ]  # more than SQLite's bound-parameter limit in one query
    with TranslationCache(tmp_path / "cache.sqlite") as cache:
        cache.put_many(rows)
        found = cache.get_many([row[0] for row in rows])
    assert len(found) == 1200 and found[rows[7][0]] == CachedTranslation("sentence 7", 2)


@pytest.mark.parametrize(
    ("xdg", "expected"),
    [
        ("/xdg/cache", Path("/xdg/cache/pipeline/translations.sqlite")),
        (None, Path("HOME/.cache/pipeline/translations.sqlite")),
    ],
)
def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None, expected: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert default_cache_path() == Path(str(expected).replace("HOME", str(tmp_path)))


def test_an_unusable_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError) as caught:
        TranslationCache(blocker / "cache.sqlite")
    assert caught.value.key == "cache"
