"""Language profiles: every table about a language lives in its profile, German behaves like a
language of its own, and a language without a profile degrades to fewer checks, never a crash."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest

from pipeline import text
from pipeline.atomic import write_atomic
from pipeline.config import Config, IngestConfig, ModelConfig
from pipeline.dates import document_period, parse_period, resolve_times
from pipeline.features import content_words
from pipeline.lang import OPTIONAL_FIELDS, PROFILES, LanguageProfile, anaphoric_opening, profile, unprofiled_notes
from pipeline.matching import SimilarityTo, analyse, number_values
from pipeline.numbers import extract_numbers, missing_numbers
from pipeline.records import Document, Sentence
from pipeline.stages import render
from pipeline.stages.base import StageContext
from pipeline.stages.dedup import deduplicate

PACKAGE = Path(text.__file__).parent
FIELDS = [f.name for f in dataclasses.fields(LanguageProfile)]


@pytest.mark.parametrize("code", sorted(PROFILES))
@pytest.mark.parametrize("name", [f for f in FIELDS if f not in OPTIONAL_FIELDS])
def test_every_profile_fills_every_field(code: str, name: str) -> None:
    value = getattr(PROFILES[code], name)
    if isinstance(value, bool):
        return  # a yes/no answer is always given
    assert value, f"{code}: {name} is empty"
    if isinstance(value, tuple | frozenset | Mapping):
        assert all(item for item in value), f"{code}: {name} holds an empty entry"


def test_optional_fields_name_real_fields_and_the_calendar_is_complete() -> None:
    assert set(FIELDS) >= OPTIONAL_FIELDS
    for lang in PROFILES.values():
        assert profile(lang.code) is lang
        assert len(lang.month_names) == 12 and len(lang.weekdays) == 7
        assert set(lang.months.values()) == set(range(1, 13))
        assert set(lang.boilerplate) <= text.BOILERPLATE_KEYS, f"{lang.code}: unknown boilerplate kind"


# Modules that may name language codes: the configuration (which model serves which language).
ALLOWED = {"config.py"}
CODES = set(PROFILES) | set(IngestConfig().languages)


def _language_keyed(tree: ast.AST) -> list[str]:
    """Dict literals keyed by language codes, and comparisons of a value with a language code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            if any(k in CODES for k in keys):
                found.append(f"line {node.lineno}: a table keyed by {keys}")
        elif isinstance(node, ast.Compare):
            constants = [c.value for c in [node.left, *node.comparators] if isinstance(c, ast.Constant)]
            if any(c in CODES for c in constants):
                found.append(f"line {node.lineno}: a test for language {constants}")
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and node.slice.value in CODES
            and not (isinstance(node.value, ast.Name) and node.value.id == "PROFILES")  # a profile, not a table
        ):
            found.append(f"line {node.lineno}: a lookup of [{node.slice.value!r}]")
    return found


def test_no_module_outside_the_profiles_keeps_a_language_table() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): hits
        for path in sorted(PACKAGE.rglob("*.py"))
        if "lang" not in path.relative_to(PACKAGE).parts[:1] and path.name not in ALLOWED
        if (hits := _language_keyed(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert offenders == {}


def test_the_language_table_check_finds_the_shapes_it_forbids() -> None:
    assert len(_language_keyed(ast.parse('T = {"fr": 1, "en": 2}\nif lang != "fr": pass\nx = T["de"]'))) == 3
    assert _language_keyed(ast.parse('FRENCH = PROFILES["fr"]')) == []
    assert _language_keyed(ast.parse('T = {"north": 1}\nif kind == "date": pass\nx = T["en_US"]')) == []


# --- German ----------------------------------------------------------------------------------

GERMAN = "Die Regierung hat die Lieferung von Munition an Russland am Mittwoch in Berlin bestätigt."
GERMAN_NOT_MERGED = [
    ("nicht added", GERMAN, GERMAN.replace("bestätigt", "nicht bestätigt")),
    ("nicht moved in", GERMAN, GERMAN.replace("am Mittwoch", "am Mittwoch nicht")),
    ("keine for die", GERMAN, GERMAN.replace("die Lieferung", "keine Lieferung")),
    ("nie added", GERMAN, GERMAN.replace("hat die", "hat nie die")),
    (
        "number word",
        GERMAN.replace("Munition", "zwei Tonnen Munition"),
        GERMAN.replace("Munition", "drei Tonnen Munition"),
    ),
    ("day", GERMAN + " Am 13. Oktober.", GERMAN + " Am 14. Oktober."),
]


def _german_groups(first: str, second: str) -> list[list[str]]:
    documents, sentences = [], []
    for doc_id, sentence in (("a", first), ("b", second)):
        documents.append(Document(doc_id, f"{doc_id}.txt", "0", text=sentence, date="2023-10", lang="de"))
        sentences.append(Sentence(f"{doc_id}:0", doc_id, 0, len(sentence), sentence, "de"))
    return sorted(g.sentence_ids for g in deduplicate(documents, sentences, Config().dedup).artifacts["groups"])


@pytest.mark.parametrize(("why", "first", "second"), GERMAN_NOT_MERGED)
def test_german_sentences_that_differ_in_polarity_or_figures_are_not_merged(why: str, first: str, second: str) -> None:
    # similar enough to merge: only the veto keeps them apart
    assert SimilarityTo(analyse(first, "de").tokens)(analyse(second, "de").tokens) >= Config().dedup.sentence_threshold
    assert _german_groups(first, second) == [["a:0"], ["b:0"]]


def test_german_copies_still_merge() -> None:
    assert _german_groups(GERMAN, GERMAN.replace("  ", " ") + " ") == [["a:0", "b:0"]]


SPLITS = [
    # (text, expected sentences)
    (
        "Die Regierung hat am 13. Oktober 2023 neue Regeln beschlossen. Sie gelten ab Montag.",
        ["Die Regierung hat am 13. Oktober 2023 neue Regeln beschlossen.", "Sie gelten ab Montag."],
    ),
    ("Am 1. Mai und am 3. Juni wurde gestreikt.", ["Am 1. Mai und am 3. Juni wurde gestreikt."]),
    ("Das gilt z. B. für Berlin. Andere Städte folgen.", ["Das gilt z. B. für Berlin.", "Andere Städte folgen."]),
    ("Es gibt u. a. Probleme mit Nr. 5 der Liste.", ["Es gibt u. a. Probleme mit Nr. 5 der Liste."]),
    ("Dr. Müller sprach bzw. schrieb. Er ging.", ["Dr. Müller sprach bzw. schrieb.", "Er ging."]),
    # the other languages split as before: a French "a." and a year before a month still end sentences
    ("Il y a. Le reste suit.", ["Il y a.", "Le reste suit."]),
    ("Ils étaient sept. Mai arriva.", ["Ils étaient sept.", "Mai arriva."]),
    ("It happened in 2023. October was calm.", ["It happened in 2023.", "October was calm."]),
]


@pytest.mark.parametrize(("source", "expected"), SPLITS)
def test_german_ordinal_days_and_abbreviations_do_not_end_sentences(source: str, expected: list[str]) -> None:
    assert [source[s:e] for s, e in text.split_sentences(source)] == expected


GERMAN_TIMES = [
    # (text, base, [(rule, label)])
    ("Am 13. Oktober 2023 wurde gewählt.", None, [("day-month-year", "2023-10-13")]),
    ("Am 13. Oktober wurde gewählt.", "2023-10", [("day-month", "2023-10-13")]),
    ("Anfang Oktober 2023 begann es.", None, [("part-of-month", "2023-10")]),
    ("Im vergangenen Monat und gestern.", "2023-10-20", [("last-month", "2023-09"), ("yesterday", "2023-10-19")]),
    (
        "Er kam vorgestern, nicht heute.",
        "2023-10-20",
        [("day-before-yesterday", "2023-10-18"), ("today", "2023-10-20")],
    ),
    ("Das Ziel gilt bis 2030.", "2023-10", []),  # a deadline, not when anything happened
    ("Am Montag sprach er.", "2023-10-20", [("weekday", "2023-10-16")]),
]


@pytest.mark.parametrize(("sentence", "base", "expected"), GERMAN_TIMES)
def test_german_dates_resolve(sentence: str, base: str | None, expected: list[tuple[str, str]]) -> None:
    mentions = resolve_times(sentence, "de", parse_period(base))
    assert [(m.rule, m.period.label if m.period else None) for m in mentions] == expected


GERMAN_NUMBERS = [
    ("am 13. Oktober 2023", [("2023-10-13", "date")]),
    ("mehr als 1.000 Container", [("1000", "number")]),
    ("2,5 Prozent", [("2.5", "percent")]),
    ("zwei Millionen Menschen", [("2000000", "number")]),
    ("um 17:30 Uhr", [("17:30", "time")]),
    ("am 7. und 8. Dezember", [("12-07", "date"), ("12-08", "date")]),
]


@pytest.mark.parametrize(("sentence", "expected"), GERMAN_NUMBERS)
def test_german_numbers(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.value, m.kind) for m in extract_numbers(sentence, "de")] == expected


def test_a_german_source_number_is_checked_against_the_translation() -> None:
    source = "Mehr als 1.000 Container wurden am 13. Oktober geliefert."
    assert missing_numbers(source, "de", "More than 1,000 containers were delivered on October 13.") == []
    assert [m.value for m in missing_numbers(source, "de", "More than 2,000 containers were delivered.")] == [
        "1000",
        "10-13",
    ]


def test_german_openers_lean_on_the_previous_sentence() -> None:
    opening = anaphoric_opening("de")
    assert opening is not None and opening.match("Außerdem kündigte er an, ...")
    assert not opening.match("Die Regierung kündigte an, ...")


# --- a language without a profile -------------------------------------------------------------

SPANISH = "El Gobierno no confirmó el envío de 1.000 contenedores el 13 de octubre de 2023."


def test_a_language_without_a_profile_loses_its_checks_without_failing() -> None:
    assert profile("es") is None
    assert extract_numbers(SPANISH, "es") == [] and missing_numbers(SPANISH, "es", "nothing") == []
    assert resolve_times(SPANISH, "es", parse_period("2023-10")) == []
    assert number_values(SPANISH, "es") == frozenset({"1000", "13", "2023"})  # its digits alone
    assert analyse(SPANISH, "es").negations == ("no",)  # every language's negations together
    assert "gobierno" in content_words(SPANISH, "es")
    assert document_period(None, SPANISH, "es") is None


def _render_notes(config: Config) -> list[str]:
    empty = {artifact: [] for artifact in render.STAGE.reads}
    return render.run(StageContext.in_memory(config, empty)).notes


def test_a_configured_model_without_a_profile_gets_one_note() -> None:
    assert unprofiled_notes(["fr", "es", "de", "es"]) == [
        "no language profile for es: negation, number and date checks are off for es sentences"
    ]
    config = Config(models={"fr": ModelConfig(id="m-fr"), "es": ModelConfig(id="m-es"), "de": ModelConfig(id="m-de")})
    assert _render_notes(config) == unprofiled_notes(["es"])
    assert _render_notes(Config()) == []


# --- one home per primitive -------------------------------------------------------------------

PERIODS = [
    # (given date, text, lang, expected label): the date given wins, else the latest full date in the text
    ("2023-10-13", "Le 5 septembre 2023, rien.", "fr", "2023-10-13"),
    (None, "Le 5 septembre 2023, rien.", "fr", "2023-09"),
    (None, "Le 5 septembre 2023, rien.", None, "2023-09"),  # unknown language: read as the default source
    (None, "Am 5. September 2023 geschah nichts.", "de", "2023-09"),
    (None, "Nothing happened.", "en", None),
]


@pytest.mark.parametrize(("given", "body", "lang", "expected"), PERIODS)
def test_one_document_period(given: str | None, body: str, lang: str | None, expected: str | None) -> None:
    period = document_period(given, body, lang)
    assert (period.label if period else None) == expected


def test_events_and_summarize_read_a_document_period_the_same_way() -> None:
    for module in ("stages/events.py", "stages/summarize.py"):
        source = (PACKAGE / module).read_text(encoding="utf-8")
        assert "document_period(" in source and "infer_document_period" not in source, module


def test_atomic_write_replaces_whole_files_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "digest.md"
    write_atomic(target, "first\n")
    write_atomic(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "broken \udc80")
    assert target.read_text(encoding="utf-8") == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["digest.md"]


def test_one_atomic_write_in_the_package() -> None:
    users = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bos\.replace\(|\btempfile\b", path.read_text(encoding="utf-8"))
    }
    # the runner swaps whole stage folders; the cache moves a damaged database aside
    assert users == {"atomic.py", "runner.py", "translation/cache.py"}


def test_french_and_english_dates_are_unchanged_by_the_profiles() -> None:
    assert [m.period for m in resolve_times("le 13 octobre 2023", "fr", None)] == [parse_period("2023-10-13")]
    english = resolve_times("They may 5 times; on October 13, 2023 it began.", "en", None)
    assert [(m.rule, m.period and m.period.start) for m in english] == [("month-day-year", date(2023, 10, 13))]


def test_two_german_reports_through_ingest_and_dedup() -> None:
    """The real splitter and language detector: the dated sentence stays whole, the negated
    copy stays apart from the original, and the plain copy joins it."""
    from pipeline.stages.ingest import analyse_batch

    first = "Berlin, 14. Oktober 2023\n\n" + GERMAN + " Die Lieferung erfolgte am 13. Oktober 2023 in Hamburg."
    second = GERMAN.replace("bestätigt", "nicht bestätigt") + " Die Lieferung erfolgte am 13. Oktober 2023 in Hamburg."
    documents = [Document(doc_id, f"{doc_id}.txt", "0", text=body) for doc_id, body in (("a", first), ("b", second))]
    analysed = analyse_batch(documents, IngestConfig().languages, threads=False)
    sentences = [s for _, found in analysed for s in found]
    assert {d.lang for d, _ in analysed} == {"de"} and {s.lang for s in sentences} == {"de"}
    dated = [s for s in sentences if "13. Oktober" in s.text]
    assert [s.text for s in dated] == ["Die Lieferung erfolgte am 13. Oktober 2023 in Hamburg."] * 2
    assert [m.period for m in resolve_times(dated[0].text, "de", None)] == [parse_period("2023-10-13")]
    groups = deduplicate([d for d, _ in analysed], sentences, Config().dedup).artifacts["groups"]
    texts = sorted(sorted(s.text for s in sentences if s.sentence_id in g.sentence_ids) for g in groups)
    assert [GERMAN] in texts and [GERMAN.replace("bestätigt", "nicht bestätigt")] in texts
    assert ["Die Lieferung erfolgte am 13. Oktober 2023 in Hamburg."] * 2 in texts
