"""The English translation memory of the seed reports: complete, current and faithful.

The memory stands in for the translation model in tests of every stage after translate, so
it must hold exactly one entry per sentence that ingest produces from seeds/, and its English
must keep the numbers and names of the French.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.numbers import missing_numbers
from pipeline.records import Sentence
from pipeline.runner import ArtifactStore, run_pipeline
from tests.support.paths import SEED_MEMORY, SEEDS

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def normalise(text: str) -> str:
    # the same lookup key as the translate stage: any Unicode whitespace run is one space
    return " ".join(text.split())


def read_memory(path: Path) -> list[tuple[str, str]]:
    """(French, English) pairs in file order, read with the standard library only."""
    root = ET.parse(path).getroot()
    pairs = []
    for unit in root.iter("tu"):
        segments = {tuv.get(XML_LANG): tuv.findtext("seg") or "" for tuv in unit.iter("tuv")}
        pairs.append((segments.get("fr", ""), segments.get("en", "")))
    return pairs


MEMORY = read_memory(SEED_MEMORY)

# French forms of names that the English must render in English.
FRENCH_FORMS = [
    "Poutine",
    "Corée",
    "Maison-Blanche",
    "Maison Blanche",
    "États-Unis",
    "Etats-Unis",
    "RPDC",
    "ONU",
    "Lougansk",
    "Téhéran",
    "Séoul",
    "Biélorussie",
    "«",
    "»",
]


@pytest.fixture(scope="module")
def seed_sentences(tmp_path_factory: pytest.TempPathFactory) -> list[Sentence]:
    run_dir = tmp_path_factory.mktemp("seed-ingest")
    run_pipeline([SEEDS], run_dir, Config(), until="ingest")
    return ArtifactStore(run_dir).load("ingest", "sentences", Sentence)


def test_memory_is_tmx_14_from_french_to_english() -> None:
    root = ET.parse(SEED_MEMORY).getroot()
    header = root.find("header")
    assert root.tag == "tmx" and root.get("version") == "1.4"
    assert header is not None and header.get("srclang") == "fr"
    for unit in root.iter("tu"):
        assert sorted(tuv.get(XML_LANG) for tuv in unit.iter("tuv")) == ["en", "fr"]


def test_every_seed_sentence_has_exactly_one_entry(seed_sentences: list[Sentence]) -> None:
    counts: dict[str, int] = {}
    for french, _ in MEMORY:
        counts[normalise(french)] = counts.get(normalise(french), 0) + 1
    uncovered = [s.sentence_id for s in seed_sentences if counts.get(normalise(s.text), 0) == 0]
    repeated = [french for french, n in counts.items() if n > 1]
    assert seed_sentences
    assert uncovered == []
    assert repeated == []


def test_no_entry_is_stale(seed_sentences: list[Sentence]) -> None:
    current = {normalise(s.text) for s in seed_sentences}
    assert [french for french, _ in MEMORY if normalise(french) not in current] == []


def test_every_english_segment_is_a_sentence() -> None:
    assert [french for french, english in MEMORY if not english.strip()] == []


@pytest.mark.parametrize(("french", "english"), MEMORY, ids=[f"tu{n}" for n in range(len(MEMORY))])
def test_numbers_of_the_french_appear_in_the_english(french: str, english: str) -> None:
    assert [mention.text for mention in missing_numbers(french, "fr", english, "en")] == []
    assert missing_numbers(english, "en", french, "fr") == []  # and none added


@pytest.mark.parametrize(("french", "english"), MEMORY, ids=[f"tu{n}" for n in range(len(MEMORY))])
def test_names_are_in_their_english_form(french: str, english: str) -> None:
    assert [form for form in FRENCH_FORMS if form in english] == []


@pytest.mark.parametrize(
    ("french_fragment", "english_fragment"),
    [
        ("plus de 1 000 conteneurs de ce matériel", "more than 1,000 containers"),
        ("environ 1 000 conteneurs", "about 1,000 containers"),
        ("plus d'un millier de conteneurs", "more than a thousand containers"),
        ("plus de mille conteneurs", "more than a thousand containers"),
        ('"Nous condamnons la RPDC', '"We condemn the DPRK for providing this military equipment to Russia."'),
        ("le 9 novembre", "on November 9"),
        ("le 8 novembre", "on November 8"),
        ("le 13 octobre", "on October 13"),
        ("du 5 octobre 2023", "October 5, 2023"),
        ("du 1er novembre", "November 1 report by the Bloomberg news agency"),
        ("aurait commencé à transférer des artilleries", "has reportedly begun transferring artillery"),
        ("aurait fourni à la Russie", "has reportedly supplied Russia"),
        ("il n’est pas encore clair", "it is not yet clear"),
        ("ne changeront pas le cours de la guerre", '"will not change the course of the war,"'),
        ("ont nié avoir fourni", "have denied providing"),
        ("régime de Kim Jong-un", "Kim Jong-un's regime"),
        ("Kim Jong-Un avait rencontré", "Kim Jong-Un had met Russian President Vladimir Putin"),
        ("cosmodrome de Vostochny", "Vostochny Cosmodrome in the Russian Far East"),
        ("seuls 20 wagons", "only 20 railcars"),
        ("de six jours", "six-day trip"),
        ("a répondu à la KBS", "told KBS, which had asked it to verify the CBS report"),
        ("ministres des Affaires étrangères du G7", "G7 foreign ministers"),
        ("Conseil de sécurité des Nations unies", "United Nations Security Council sanctions"),
    ],
)
def test_spot_checks_of_the_translation(french_fragment: str, english_fragment: str) -> None:
    matches = [english for french, english in MEMORY if french_fragment in french]
    assert len(matches) == 1
    assert english_fragment in matches[0]
