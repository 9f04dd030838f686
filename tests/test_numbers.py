"""Numbers and dates in French and English text, and the check that a translation keeps them."""

from __future__ import annotations

import pytest

from pipeline.numbers import extract_numbers, missing_numbers
from tests.support.paths import SEEDS


def values(text: str, lang: str) -> list[tuple[str, str]]:
    return [(m.value, m.kind) for m in extract_numbers(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("plus de 1 000 conteneurs", "fr", [("1000", "number")]),
        ("plus de 1\u00a0000 conteneurs", "fr", [("1000", "number")]),
        ("plus de 1\u202f000 conteneurs", "fr", [("1000", "number")]),
        ("12 500 000 obus", "fr", [("12500000", "number")]),
        ("une hausse de 1,5 point", "fr", [("1.5", "number")]),
        ("1,5 million d'obus", "fr", [("1500000", "number")]),
        ("seuls 4% sont en état", "fr", [("4", "percent")]),
        ("12,5 pour cent", "fr", [("12.5", "percent")]),
        ("le 13 octobre", "fr", [("10-13", "date")]),
        ("le 5 octobre 2023", "fr", [("2023-10-05", "date")]),
        ("le 1er novembre", "fr", [("11-01", "date")]),
        ("le 16 décembre", "fr", [("12-16", "date")]),
        ("en 2019", "fr", [("2019", "year")]),
        ("date 2023-10", "fr", [("2023-10", "month")]),
        ("plus de mille conteneurs", "fr", [("1000", "number")]),
        ("plus d'un millier de conteneurs", "fr", [("1000", "number")]),
        ("plus d’un million d’obus", "fr", [("1000000", "number")]),
        ("trois millions d'obus", "fr", [("3000000", "number")]),
        ("six jours", "fr", [("6", "number")]),
        ("deux mois", "fr", [("2", "number")]),
        ("neuf navires", "fr", [("9", "number")]),
        # articles and adjectives that only look like numbers
        ("un navire neuf.", "fr", []),
        ("une conférence de presse", "fr", []),
        ("des milliers de roquettes", "fr", []),
        ("les ministres du G7 [ad_1]", "fr", []),
        ("more than 1,000 containers", "en", [("1000", "number")]),
        ("1.5 million shells", "en", [("1500000", "number")]),
        ("2,500.5 tonnes", "en", [("2500.5", "number")]),
        ("only 4 percent", "en", [("4", "percent")]),
        ("only 4 per cent", "en", [("4", "percent")]),
        ("on October 13", "en", [("10-13", "date")]),
        ("on 13 October", "en", [("10-13", "date")]),
        ("on the 13th of October", "en", [("10-13", "date")]),
        ("on October 13, 2023", "en", [("2023-10-13", "date")]),
        ("on Nov. 1st", "en", [("11-01", "date")]),
        ("a thousand containers", "en", [("1000", "number")]),
        ("thousand", "en", [("1000", "number")]),
        ("six days", "en", [("6", "number")]),
        ("one of the ships", "en", []),
        ("thousands of rockets", "en", []),
        ("unknown language 1 000", "es", []),
    ],
)
def test_extract_numbers(text: str, lang: str, expected: list[tuple[str, str]]) -> None:
    assert values(text, lang) == expected


def test_mention_keeps_the_text_as_written() -> None:
    [mention] = extract_numbers("livré plus de 1\u202f000 conteneurs", "fr")
    assert mention.text == "1\u202f000"


@pytest.mark.parametrize(
    ("source", "target", "missing"),
    [
        ("1 000 conteneurs", "1,000 containers", []),
        ("1,5 million", "1.5 million", []),
        ("le 13 octobre", "on October 13", []),
        ("le 13 octobre", "on 13 October 2023", []),
        ("le 13 octobre 2023", "on October 13, 2023", []),
        ("le 13 octobre 2023", "in 2023, on October 13", []),
        ("plus de 1 000 conteneurs", "more than 1,000 containers", []),
        ("plus de 1 000 conteneurs", "more than a thousand containers", []),
        ("plus d'un millier de conteneurs", "more than 1,000 containers", []),
        ("six jours", "6 days", []),
        ("seuls 4% sont en état", "only 4 percent are working", []),
        ("plus de 1 000 conteneurs", "more than 100 containers", ["1 000"]),
        ("le 13 octobre", "on October 31", ["13 octobre"]),
        ("le 13 octobre 2023", "on October 13, 2022", ["13 octobre 2023"]),
        ("1,5 million", "15 million", ["1,5 million"]),
        ("70 wagons et 20 wagons", "70 wagons", ["20"]),
        ("des victimes dans les deux camps", "casualties on both sides", []),
        ("des victimes dans les trois camps", "casualties on both sides", ["trois"]),
    ],
)
def test_missing_numbers(source: str, target: str, missing: list[str]) -> None:
    assert [m.text for m in missing_numbers(source, "fr", target)] == missing


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_text_keeps_every_number_when_compared_with_itself(path) -> None:
    """An invariant on real text: every mention's value is found in the same text."""
    text = path.read_text(encoding="utf-8")
    assert extract_numbers(text, "fr")
    assert missing_numbers(text, "fr", text, "fr") == []


def test_both_renders_two_but_is_not_itself_a_number() -> None:
    assert extract_numbers("both Russia and China", "en") == []
