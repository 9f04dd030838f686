"""Time expressions resolved against a document's (month-precise) date."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.dates import DAY, MONTH, YEAR, Period, infer_document_period, parse_period, resolve_times

# (text, lang, document date, expected labels in order, None for an expression that needs an unknown base)
CASES = [
    ("Kirby a déclaré le 13 octobre", "fr", "2023-10", ["2023-10-13"]),
    ("le sommet tenu le mois dernier", "fr", "2023-10", ["2023-09"]),
    ("a déclaré mercredi que", "fr", "2022-11", ["2022-11"]),
    ("Kim s'est rendu en Russie en septembre", "fr", "2023-10", ["2023-09"]),
    ("a déclaré aux journalistes, début septembre, que", "fr", "2023-10", ["2023-09"]),
    ("dévoilée hier par CBS", "fr", "2023-10", ["2023-10"]),
    ("La Maison-Blanche a annoncé vendredi", "fr", "2023-10", ["2023-10"]),
    ("annoncé la semaine dernière", "fr", "2023-10", ["2023-10"]),
    ("en 2022, la Russie", "fr", "2023-10", ["2022"]),
    ("en Février de l'année dernière, la Russie", "fr", "2023-10", ["2022-02"]),
    ("En janvier dernier, il a dévoilé des images", "fr", "2023-10", ["2023-01"]),
    ("Le 13 septembre, Kim a rencontré Poutine", "fr", "2023-11", ["2023-09-13"]),
    ("un rapport du 1er novembre", "fr", "2023-11", ["2023-11-01"]),
    ("les images satellites du 5 octobre 2023", "fr", None, ["2023-10-05"]),
    ("mi-octobre et fin octobre 2022", "fr", "2023-11", ["2023-10", "2022-10"]),
    ("depuis le mois dernier et jusqu'au mois prochain", "fr", "2023-10", ["2023-09"]),
    ("le 20 décembre", "fr", "2024-01", ["2023-12-20"]),  # the nearer reading crosses the year
    ("En juillet, la Corée du Nord", "fr", None, [None]),  # dated, but the year is unknown
    ("John Kirby a déclaré mercredi", "fr", None, [None]),
    ("livrés ces dernières semaines", "fr", "2023-10", ["2023-09"]),
    ("plus de 1 000 conteneurs et 70 wagons", "fr", "2023-10", []),  # numbers are not dates
    ("rapatrier les travailleurs d’ici 2019", "fr", "2022-11", []),  # a deadline, not when anything happened
    ("d'ici la fin de 2024, puis en 2022", "fr", "2023-10", ["2022"]),
    ("Kirby said on October 13", "en", "2023-10", ["2023-10-13"]),
    ("the summit held last month", "en", "2023-10", ["2023-09"]),
    ("said on Wednesday that", "en", "2022-11", ["2022-11"]),
    ("in September and early September", "en", "2023-10", ["2023-09", "2023-09"]),
    ("revealed yesterday by CBS", "en", "2023-10", ["2023-10"]),
    ("images from October 5, 2023", "en", None, ["2023-10-05"]),
    ("In February last year", "en", "2023-10", ["2022-02"]),
    ("last January it released images", "en", "2023-10", ["2023-01"]),
    ("in 2022", "en", "2023-10", ["2022"]),
    ("in March 2022", "en", "2023-10", ["2022-03"]),
    ("they may 5 times", "en", "2023-10", []),  # "may" is a verb unless a day or year goes with it
    ("repatriate all workers by 2019", "en", "2022-11", []),  # a deadline
    # counted back from the report's day: what it follows up
    ("Neuf jours après le passage de la tempête Daniel", "fr", "2023-09-19", ["2023-09-10"]),
    ("un couvre-feu instauré il y a 4 jours", "fr", "2023-08-30", ["2023-08-26"]),
    ("Nine days after storm Daniel hit", "en", "2023-09-19", ["2023-09-10"]),
    ("the curfew imposed four days ago", "en", "2023-08-30", ["2023-08-26"]),
    ("die vor drei Tagen verhängte Ausgangssperre", "de", "2023-08-30", ["2023-08-27"]),
    ("Plus de 2.000 jours après l'incendie", "fr", "2024-11-29", []),  # years back: not a count of days
    # the day a state began is not when anything happened; with its number it is a date
    ("au travail depuis lundi et le report du décollage", "fr", "2025-03-06", []),
    ("at work since Monday and the launch's postponement", "en", "2025-03-06", []),
    ("au travail depuis lundi 3 mars", "fr", "2025-03-06", ["2025-03-03"]),
    # a night over two days: the first takes the month that follows
    ("dans la nuit du dimanche 10 au lundi 11 septembre", "fr", "2023-09", ["2023-09-10", "2023-09-11"]),
    ("on the night of Sunday 10 to Monday 11 September", "en", "2023-09", ["2023-09-10", "2023-09-11"]),
]


@pytest.mark.parametrize(("text", "lang", "document_date", "expected"), CASES)
def test_time_expressions_resolve_against_the_document_date(
    text: str, lang: str, document_date: str | None, expected: list[str | None]
) -> None:
    mentions = resolve_times(text, lang, parse_period(document_date))
    assert [m.period.label if m.period else None for m in mentions] == expected


@pytest.mark.parametrize(
    ("text", "start", "end", "grain"),
    [
        ("le 13 octobre", date(2023, 10, 13), date(2023, 10, 13), DAY),
        ("début septembre", date(2023, 9, 1), date(2023, 9, 10), MONTH),
        ("fin septembre", date(2023, 9, 21), date(2023, 9, 30), MONTH),
        ("le mois dernier", date(2023, 9, 1), date(2023, 9, 30), MONTH),
        ("mercredi", date(2023, 9, 25), date(2023, 10, 31), MONTH),  # the week before the month too
        ("en 2022", date(2022, 1, 1), date(2022, 12, 31), YEAR),
        ("neuf jours après", date(2023, 9, 22), date(2023, 10, 22), MONTH),  # counted back from a month
    ],
)
def test_periods_keep_their_bounds_and_grain(text: str, start: date, end: date, grain: str) -> None:
    (mention,) = resolve_times(text, "fr", parse_period("2023-10"))
    assert mention.period == Period(start, end, grain)


def test_weekday_against_a_day_precise_date_is_that_day() -> None:
    (mention,) = resolve_times("a annoncé vendredi", "fr", parse_period("2023-10-15"))  # a Sunday
    assert mention.period is not None and mention.period.label == "2023-10-13"


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("2023-10", "2023-10"),
        ("2023-10-13", "2023-10-13"),
        ("2022", "2022"),
        (None, None),
        ("", None),
        ("2023-13", None),
        ("2023-02-30", None),
        ("octobre", None),
    ],
)
def test_document_dates_parse_or_are_unknown(value: str | None, label: str | None) -> None:
    period = parse_period(value)
    assert (period.label if period else None) == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Les images du 5 octobre 2023 montrent des wagons. Kirby l'a confirmé le 13 octobre.", "2023-10"),
        ("Une résolution obligeait les États à rapatrier les travailleurs d’ici 2019. Kirby a parlé mercredi.", None),
        ("En mars 2022 puis le 2 janvier 2023.", "2023-01"),
    ],
)
def test_an_undated_document_is_dated_by_the_latest_full_date_it_gives(text: str, label: str | None) -> None:
    period = infer_document_period(text, "fr")
    assert (period.label if period else None) == label
