"""Translate each sentence group once into English.

Order of sources for a translation: English passes through; the translation memory (human
translations); the persistent cache; the model, loaded only when something is left for it.
Every translation from the model, the cache or the memory is checked (numbers kept, no
repetition loop, plausible length) and carries the problems it has as flags: a memory entry
can be misaligned or wrong too.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.records import SentenceGroup, Translation
from pipeline.stages.artifacts import GROUPS, TRANSLATIONS
from pipeline.stages.base import Stage, StageContext, StageOutput
from pipeline.translation.backends import load_translator, translator_class
from pipeline.translation.cache import TranslationCache, cache_key, default_cache_path
from pipeline.translation.checks import check_translation
from pipeline.translation.marian import is_local
from pipeline.translation.memory import TranslationMemory
from pipeline.translation.translator import cache_identity, translate_texts

VERSION = "1"
TARGET_LANG = "en"
MAX_FLAGGED_NOTES = 20


@dataclass
class _Tally:
    counts: Counter[str] = field(default_factory=Counter)
    untranslated_langs: Counter[str] = field(default_factory=Counter)


def _translate_language(
    ctx: StageContext, lang: str, groups: list[SentenceGroup], cache: TranslationCache, tally: _Tally
) -> list[Translation]:
    model = ctx.config.models[lang]
    identity, settings = cache_identity(translator_class(model), model)
    keys = {text: cache_key(identity, settings, text) for text in dict.fromkeys(g.text for g in groups)}
    hits = cache.get_many(list(keys.values()))
    results = {text: (hits[key].translation, hits[key].parts, "cache") for text, key in keys.items() if key in hits}
    missing = [text for text in keys if text not in results]
    if missing:
        translator = load_translator(lang, model)

        with ctx.progress(f"translate {lang}", len(missing)) as bar:

            def save(done: list[tuple[str, str, int]]) -> None:  # each batch is committed as soon as it is done
                cache.put_many([(keys[source], identity, source, target, parts) for source, target, parts in done])
                results.update({source: (target, parts, "model") for source, target, parts in done})
                bar.advance(len(done))

            stats = translate_texts(translator, model, missing, save)
        tally.counts["split_long"] += stats.split
        tally.counts["batches"] += stats.batches
        tally.counts["generated_tokens"] += stats.generated_tokens
        tally.counts["at_length_limit"] += stats.at_length_limit
    revision = None if is_local(model.id) else model.revision
    translations = []
    for group in groups:
        target, parts, origin = results[group.text]
        tally.counts["translated" if origin == "model" else "from_cache"] += 1
        translations.append(
            Translation(
                group_id=group.group_id,
                sentence_ids=group.sentence_ids,
                source=group.text,
                translation=target,
                lang=lang,
                origin=origin,
                flags=check_translation(group.text, target, lang),
                model=model.id,
                revision=revision,
                parts=parts,
            )
        )
    return translations


def _flag_notes(translations: list[Translation]) -> list[str]:
    flagged = [t for t in translations if t.flags]
    notes = [
        f"flagged {t.group_id} ({', '.join(t.flags)}): {textwrap.shorten(t.source, 70)}"
        for t in flagged[:MAX_FLAGGED_NOTES]
    ]
    if len(flagged) > MAX_FLAGGED_NOTES:
        notes.append(
            f"and {len(flagged) - MAX_FLAGGED_NOTES} more flagged translations (see `pipeline inspect RUN translate`)"
        )
    return notes


def run(ctx: StageContext) -> StageOutput:
    groups = ctx.read(GROUPS)
    memory = TranslationMemory.load(Path(ctx.config.memory).expanduser()) if ctx.config.memory else None
    tally = _Tally()
    by_group: dict[str, Translation] = {}
    for_model: dict[str, list[SentenceGroup]] = {}
    for group in groups:
        lang = group.lang or "unknown"
        human = memory.lookup(group.text, lang) if memory is not None and lang != TARGET_LANG else None
        if lang == TARGET_LANG:
            by_group[group.group_id] = Translation(
                group.group_id, group.sentence_ids, group.text, group.text, lang=lang, origin="passthrough"
            )
            tally.counts["passthrough"] += 1
        elif human is not None:
            by_group[group.group_id] = Translation(
                group.group_id,
                group.sentence_ids,
                group.text,
                human,
                lang=lang,
                origin="memory",
                flags=check_translation(group.text, human, lang),
            )
            tally.counts["from_memory"] += 1
        elif lang in ctx.config.models:
            for_model.setdefault(lang, []).append(group)
        else:  # reported, never fed to another language's model
            by_group[group.group_id] = Translation(
                group.group_id,
                group.sentence_ids,
                group.text,
                "",
                lang=lang,
                origin="untranslated",
                flags=[f"no-model:{lang}"],
            )
            tally.untranslated_langs[lang] += 1
    cache_notes: list[str] = []
    if for_model:
        cache_path = Path(ctx.config.cache).expanduser() if ctx.config.cache else default_cache_path()
        with TranslationCache(cache_path) as cache:
            cache_notes = cache.notes
            for lang, pending in sorted(for_model.items()):
                by_group.update((t.group_id, t) for t in _translate_language(ctx, lang, pending, cache, tally))
    translations = [by_group[g.group_id] for g in groups]
    counts: dict[str, object] = {"groups": len(groups)}
    for name in ("translated", "from_cache", "from_memory", "passthrough", "split_long"):
        counts[name] = tally.counts[name]
    counts["untranslated"] = sum(tally.untranslated_langs.values())
    counts["flagged"] = sum(1 for t in translations if t.flags and t.origin != "untranslated")
    if tally.counts["batches"]:
        counts["batches"] = tally.counts["batches"]
        counts["generated_tokens"] = tally.counts["generated_tokens"]
        counts["at_length_limit"] = tally.counts["at_length_limit"]
    notes = [*cache_notes]
    if tally.untranslated_langs:
        counts["untranslated_langs"] = dict(sorted(tally.untranslated_langs.items()))
        notes.append(
            "no model for "
            + ", ".join(f"`{lang}` ({n} sentence groups)" for lang, n in sorted(tally.untranslated_langs.items()))
            + " left untranslated; add one under `models:` in models.yaml or with --model LANG=ID"
        )
    notes.extend(_flag_notes([t for t in translations if t.origin != "untranslated"]))
    return StageOutput(artifacts={"translations": translations}, counts=counts, notes=notes)


STAGE = Stage(
    "translate",
    VERSION,
    run,
    config_sections=("models", "memory"),
    reads=(GROUPS,),
    writes=(TRANSLATIONS,),
    extra_inputs=("memory",),
)
