"""Which ``Translator`` implements each ``models.<lang>.backend``; imported only when chosen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config import ModelConfig
    from pipeline.translation.translator import Translator


def _transformers() -> type[Translator]:
    from pipeline.translation.marian import MarianTranslator

    return MarianTranslator


def _ctranslate2() -> type[Translator]:
    from pipeline.translation.ct2 import CT2Translator

    return CT2Translator


REGISTRY: dict[str, Callable[[], type[Translator]]] = {"transformers": _transformers, "ctranslate2": _ctranslate2}


def translator_class(model: ModelConfig) -> type[Translator]:
    if model.backend not in REGISTRY:
        raise ConfigError("", "backend", f"is {model.backend!r}", ", ".join(REGISTRY))
    return REGISTRY[model.backend]()


def load_translator(lang: str, model: ModelConfig) -> Translator:
    """Load ``model`` with its backend, or raise the backend's clear error."""
    return translator_class(model).load(lang, model)
