"""The transparent support checker, citation checks and the perturbation suite.

The suite breaks every applicable summary sentence in every way (numbers, dates, actors,
negations, citations, invented text, shifted spans) and requires the checker to catch at
least 95% of the broken sentences while flagging at most 5% of the untouched ones: first on a
digest built by hand from the seeds and their translation memory, then on the pipeline's own
seed digest.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from faithfulness_fixtures import build_digest, seed_digest_path

from pipeline.faithfulness import claims
from pipeline.faithfulness.checker import Problem, SupportChecker, SupportResult, TransparentChecker
from pipeline.faithfulness.citations import SourceDocument, SourceTexts, resolution_problem, translation_problems
from pipeline.faithfulness.evaluate import SentenceJudge, evaluate_digest, load_digest
from pipeline.records import Citation
from tests.support.perturb import KINDS, perturbations

MIN_CAUGHT = 0.95
MAX_FALSE_ALARMS = 0.05

# (name in a sentence, a name to put in its place); the first that applies is used.
SWAPS = [
    ("Kirby", "Sullivan"),
    ("Sullivan", "Kirby"),
    ("Russia", "Iran"),
    ("Putin", "Biden"),
    ("Blinken", "Kirby"),
    ("North Korea", "China"),
    ("Kim Jong Un", "Xi Jinping"),
    ("Ukraine", "Georgia"),
    ("White House", "Kremlin"),
    ("Pyongyang", "Tehran"),
    ("Moscow", "Beijing"),
    ("United States", "France"),
    ("Washington", "Paris"),
]
INVENTED = [
    "Japan announced a naval blockade of the Korean peninsula last week.",
    "The European Union lifted all sanctions on Pyongyang in a surprise vote.",
    "China shipped 500 tanks to Belarus through the port of Odessa.",
    "A cyclone damaged the main railway bridge between the two countries.",
    "The Pope called for an immediate ceasefire during his visit to Kyiv.",
]

KIRBY_FR = (
    "Kirby a insisté sur le fait que les expéditions nord-coréennes « ne changeront pas le cours de la "
    "guerre », citant les efforts occidentaux pour réapprovisionner l’armée ukrainienne."
)
KIRBY_EN = (
    'Kirby insisted that the North Korean shipments "will not change the course of the war", citing '
    "Western efforts to resupply the Ukrainian army."
)
RAIL_FR = (
    "Le Centre d'études stratégiques et internationales a publié des images de l'augmentation du trafic "
    "ferroviaire à la frontière entre la Russie et la Corée du Nord, prises par satellite le 5 octobre, qui "
    "montrent un nombre sans précédent de wagons."
)
RAIL_EN = (
    "The Center for Strategic and International Studies published images of increased rail traffic on the "
    "border between Russia and North Korea, taken by satellite on 5 October, which show an unprecedented "
    "number of wagons."
)
CONTAINERS_FR = (
    "Les informations disponibles suggèrent que plus de 1 000 conteneurs de ce matériel ont été "
    "livrés ces dernières semaines."
)
CONTAINERS_EN = "Available information suggests that more than 1,000 containers of this equipment were delivered."
CONFIRMED_FR = "Cette information a également été confirmée par John Kirby le 13 octobre."
CONFIRMED_EN = "This information was also confirmed by John Kirby on 13 October."
IRAN_FR = "Les responsables iraniens ont nié avoir fourni des drones ou un autre soutien à la Russie."
IRAN_EN = "Iranian officials have denied providing drones or any other support to Russia."


def _cite(french: str, english: str, doc_id: str = "004") -> Citation:
    return Citation(
        doc_id=doc_id, sentence_id=f"{doc_id}:1", start=0, end=len(french), source_text=french, translation=english
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "North Korea has reportedly begun transferring artillery to Russia.",
            [("North Korea", True), ("Russia", False)],
        ),
        (
            "The Center for Strategic and International Studies published images on 5 October.",
            [("Center for Strategic and International Studies", False), ("October", False)],
        ),
        (
            '"Our information indicates that North Korea has provided Russia with weapons," Kirby added.',
            [("North Korea", False), ("Russia", False), ("Kirby", False)],
        ),
        (
            "However, the US has not said how Kim Jong-un met Vladimir Putin.",
            [("US", False), ("Kim Jong-un", False), ("Vladimir Putin", False)],
        ),
    ],
)
def test_entities_are_capitalised_runs_without_function_words(text: str, expected: list[tuple[str, bool]]) -> None:
    assert [(e.text, e.initial) for e in claims.entities(text)] == expected


@pytest.mark.parametrize(
    ("text", "negated", "affirmed_includes"),
    [
        ("The White House did not specify the mode of transport.", {"specifi"}, {"mode", "transport"}),
        ("Kirby said the shipments won't change the course of the war.", {"chang"}, {"shipment", "cours"}),
        (IRAN_EN, {"provid"}, {"drone", "support"}),
        ("Iranian officials have not denied providing drones.", set(), {"provid", "drone"}),
        ("It is not yet known exactly what Russia has agreed to provide.", {"known"}, {"russia", "agre"}),
        ("North Korea has reportedly begun transferring artillery to Russia.", set(), {"begun", "artilleri"}),
    ],
)
def test_negation_reaches_the_next_content_word_and_two_negations_cancel(
    text: str, negated: set[str], affirmed_includes: set[str]
) -> None:
    polarity = claims.polarity(text)
    assert polarity.negated == negated
    assert affirmed_includes <= polarity.affirmed


@pytest.mark.parametrize(
    ("name", "french", "found"),
    [
        ("Kirby", KIRBY_FR, True),
        ("Seoul", "Blinken a donné l’avertissement lors d’une conférence de presse à Séoul le 9 novembre.", True),
        ("Moscow", "Moscou a besoin de munitions.", True),
        ("Morocco", "Il a été formé à l’Académie royale militaire de Meknès au Maroc.", True),  # same sound skeleton
        ("Mr Kim", "M. Kim a rencontré le président russe.", True),  # titles are no part of the name
        # a multi-word place or body, or an acronym, may be translated: aligned with the French entity
        ("White House", "La Maison-Blanche a annoncé vendredi que la Corée du Nord avait livré du matériel.", True),
        ("North Korea", "La Corée du Nord aurait commencé à transférer des artilleries vers la Russie.", True),
        ("ECOWAS", "La CEDEAO a lancé dimanche un ultimatum d'une semaine aux militaires.", True),
        ("Hermit Kingdom", "Le royaume ermite en paierait le prix.", True),  # one word of the name translated
        ("US", "Le gouvernement américain suit la situation.", True),  # an acronym for a nationality adjective
        # ... but not a compass word whose French form is known, nor a word of a person's name
        ("South Korea", "La Corée du Nord aurait commencé à transférer des artilleries vers la Russie.", False),
        # a person keeps their name, and one single-word name never stands for another
        ("Sullivan", "La Corée du Nord aurait commencé à transférer des artilleries vers la Russie.", False),
        ("Blinken", KIRBY_FR, False),
        ("John Bolton", CONFIRMED_FR, False),
        ("Iran", "Les wagons partent vers la Russie.", False),
        ("Earth", "Le satellite observe la Terre.", False),  # no shared spelling: only an alias pairs them
    ],
)
def test_names_are_found_in_the_french_source_by_spelling_or_entity_alignment(
    name: str, french: str, found: bool
) -> None:
    entity = next(e for e in claims.entities(f"They met {name} there.") if e.text == name)
    assert (claims.SourceNames([french]).unexplained([entity]) == []) is found


def test_an_alias_file_pairs_names_that_share_no_spelling(tmp_path: Path) -> None:
    path = tmp_path / "aliases.txt"
    path.write_text("# English = French\nEarth = Terre | la planète bleue\n", encoding="utf-8")
    aliases = claims.load_aliases(path)
    assert aliases == {"earth": ("terre", "la planete bleue")}
    english = "The satellite observes the Earth."
    citation = _cite("Le satellite observe la Terre.", english)
    assert {p.code for p in TransparentChecker().check(english, [citation]).problems} == {"entity-not-in-source"}
    assert TransparentChecker(aliases=aliases).check(english, [citation]).problems == ()
    path.write_text("Earth Terre\n", encoding="utf-8")
    with pytest.raises(ValueError, match="aliases.txt:1"):
        claims.load_aliases(path)


@pytest.mark.parametrize(
    ("sentence", "citations", "codes"),
    [
        (KIRBY_EN, [(KIRBY_FR, KIRBY_EN)], set()),
        (RAIL_EN, [(RAIL_FR, RAIL_EN)], set()),
        (CONTAINERS_EN, [(CONTAINERS_FR, CONTAINERS_EN)], set()),
        (IRAN_EN, [(IRAN_FR, IRAN_EN)], set()),
        (CONFIRMED_EN, [(CONFIRMED_FR, CONFIRMED_EN)], set()),
        # a number or a date changed
        (CONTAINERS_EN.replace("1,000", "10,000"), [(CONTAINERS_FR, CONTAINERS_EN)], {"number-mismatch"}),
        (RAIL_EN.replace("5 October", "15 October"), [(RAIL_FR, RAIL_EN)], {"number-mismatch"}),
        # the translation holds a number the French does not: the sentence copies the error
        (
            CONTAINERS_EN.replace("1,000", "2,000"),
            [(CONTAINERS_FR, CONTAINERS_EN.replace("1,000", "2,000"))],
            {"number-not-in-source"},
        ),
        # an actor swapped, in the sentence or already in the translation
        (KIRBY_EN.replace("Kirby", "Sullivan"), [(KIRBY_FR, KIRBY_EN)], {"entity-missing"}),
        (RAIL_EN.replace("Russia", "Iran"), [(RAIL_FR, RAIL_EN.replace("Russia", "Iran"))], {"entity-not-in-source"}),
        (
            CONFIRMED_EN.replace("John Kirby", "John Bolton"),
            [(CONFIRMED_FR, CONFIRMED_EN.replace("Kirby", "Bolton"))],
            {"entity-not-in-source"},
        ),
        (RAIL_EN.replace("between Russia", "between Iran"), [(RAIL_FR, RAIL_EN)], {"entity-missing"}),
        # negation removed or added
        (KIRBY_EN.replace("will not change", "will change"), [(KIRBY_FR, KIRBY_EN)], {"negation-flip"}),
        (IRAN_EN.replace("have denied providing", "have provided"), [(IRAN_FR, IRAN_EN)], {"negation-flip"}),
        (RAIL_EN.replace("which show", "which do not show"), [(RAIL_FR, RAIL_EN)], {"negation-flip"}),
        # cited by an unrelated sentence, or by nothing
        (KIRBY_EN, [(RAIL_FR, RAIL_EN)], {"low-coverage", "entity-missing"}),
        (KIRBY_EN, [], {"no-citation"}),
        # two citations: either suffices
        (CONTAINERS_EN, [(CONTAINERS_FR, CONTAINERS_EN), (RAIL_FR, RAIL_EN)], set()),
    ],
)
def test_transparent_checker_codes(sentence: str, citations: list[tuple[str, str]], codes: set[str]) -> None:
    checker = TransparentChecker()
    result = checker.check(sentence, [_cite(fr, en) for fr, en in citations])
    assert {p.code for p in result.problems} == codes
    assert result.supported is (not codes)
    assert 0.0 <= result.score <= 1.0
    # the cheap half: it says no exactly where the words are not covered, and never where check says yes
    covered = checker.covers(sentence, [_cite(fr, en) for fr, en in citations])
    assert covered is not ({"low-coverage", "no-citation"} & codes)


def test_coverage_score_falls_with_invented_content() -> None:
    checker = TransparentChecker()
    citation = [_cite(RAIL_FR, RAIL_EN)]
    faithful = checker.check(RAIL_EN, citation).score
    partial = checker.check(
        "The Center for Strategic and International Studies warned of famine in the north.", citation
    ).score
    invented = checker.check(INVENTED[0], citation).score
    assert faithful == 1.0 > partial > invented


@pytest.fixture()
def source_texts(tmp_path: Path) -> SourceTexts:
    (tmp_path / "a.txt").write_text(f" date 2023-10 Publicité\n\n{CONTAINERS_FR} {IRAN_FR}\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"id": "x", "text": f"Titre. {KIRBY_FR}"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "y", "text": RAIL_FR}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    documents = {
        "a": SourceDocument("a", "a.txt", "fr", "utf-8"),  # relative to the digest's folder
        "b2": SourceDocument("b2", str(tmp_path / "b.jsonl"), "fr", "utf-8", line=2),
        "gone": SourceDocument("gone", str(tmp_path / "gone.txt"), "fr", "utf-8"),
        "undecodable": SourceDocument("undecodable", str(tmp_path / "a.txt"), "fr", "ascii"),
    }
    return SourceTexts(documents, tmp_path)


@pytest.mark.parametrize(
    ("doc_id", "start_of", "text", "shift", "code"),
    [
        ("a", CONTAINERS_FR, CONTAINERS_FR, 0, None),
        ("a", IRAN_FR, IRAN_FR, 0, None),
        ("b2", RAIL_FR, RAIL_FR, 0, None),
        ("a", CONTAINERS_FR, CONTAINERS_FR, 3, "citation-unresolved"),
        ("a", CONTAINERS_FR, CONTAINERS_FR, -2, "citation-unresolved"),
        ("a", IRAN_FR, IRAN_FR, 500, "citation-unresolved"),
        ("gone", CONTAINERS_FR, CONTAINERS_FR, 0, "source-missing"),
        ("undecodable", CONTAINERS_FR, CONTAINERS_FR, 0, "source-unreadable"),
        ("nowhere", CONTAINERS_FR, CONTAINERS_FR, 0, "citation-unresolved"),
    ],
)
def test_citations_resolve_only_at_their_exact_span(
    source_texts: SourceTexts, doc_id: str, start_of: str, text: str, shift: int, code: str | None
) -> None:
    original = source_texts.text("b2" if doc_id == "b2" else "a")
    assert isinstance(original, str)
    start = original.index(start_of) + shift
    citation = Citation(doc_id, f"{doc_id}:0", start, start + len(text), text, "")
    problem = resolution_problem(citation, source_texts)
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize(
    ("french", "english", "codes"),
    [
        (CONTAINERS_FR, CONTAINERS_EN, set()),
        (CONTAINERS_FR, CONTAINERS_EN.replace("more than 1,000 ", ""), {"translation-number-missing"}),
        (RAIL_FR, RAIL_EN.replace(" on 5 October", ""), {"translation-number-missing"}),
        (
            IRAN_FR,
            "Iranian officials have denied denied denied denied providing drones to Russia.",
            {"translation-repetition"},
        ),
    ],
)
def test_translation_checks_rerun_on_the_digest(french: str, english: str, codes: set[str]) -> None:
    problems = translation_problems(_cite(french, english), "fr")
    assert {p.code for p in problems} == codes
    assert all(p.severity == "warning" for p in problems)


# --- the perturbation suite --------------------------------------------------------------


def _perturbation_rates(digest_path: Path) -> tuple[dict[str, tuple[int, int]], float, float, int]:
    """Per kind (caught, made); the share caught; the share of untouched sentences flagged;
    how many sentences were perturbed."""
    digest = load_digest(digest_path)
    baseline = evaluate_digest(digest, digest_path)
    # Sentences are judged independently (checked below), so an untouched sentence's verdict in
    # a broken copy is its baseline verdict.
    flagged = {(s.event_id, s.index) for s in baseline.sentences if not s.supported}
    judge = SentenceJudge(digest, digest_path)
    made: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    untouched = false_alarms = 0
    cases = perturbations(digest, SWAPS, INVENTED)
    for case in cases:
        event_id = digest["events"][case.event_index]["event_id"]
        verdict = judge.judge(event_id, case.sentence_index, case.sentence)
        made[case.kind] += 1
        caught[case.kind] += bool(verdict.codes & case.expected)
        others = [s for s in baseline.sentences if (s.event_id, s.index) != (event_id, case.sentence_index)]
        untouched += len(others)
        false_alarms += sum((s.event_id, s.index) in flagged for s in others)
    per_kind = {kind: (caught[kind], made[kind]) for kind in made}
    return per_kind, sum(caught.values()) / len(cases), false_alarms / untouched, len(cases)


def _assert_rates(name: str, digest_path: Path) -> None:
    per_kind, caught, false_alarms, count = _perturbation_rates(digest_path)
    print(f"\n{name}: {count} perturbations, caught {caught:.1%}, untouched sentences flagged {false_alarms:.1%}")
    for kind, (hit, total) in sorted(per_kind.items()):
        print(f"  {kind:20} {hit}/{total}")
    assert caught >= MIN_CAUGHT
    assert false_alarms <= MAX_FALSE_ALARMS
    assert set(per_kind) == set(KINDS), "every kind of perturbation applies somewhere"
    for kind, (hit, total) in per_kind.items():
        assert hit / total >= MIN_CAUGHT, f"{kind}: caught {hit} of {total}"


@pytest.fixture(scope="module")
def handmade_digest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_digest(tmp_path_factory.mktemp("handmade"))


def test_perturbations_on_the_handmade_digest(handmade_digest: Path) -> None:
    _assert_rates("hand-made seed digest", handmade_digest)


def test_perturbations_cover_every_sentence(handmade_digest: Path) -> None:
    digest = load_digest(handmade_digest)
    sentences = sum(len(e["summary"]) for e in digest["events"])
    cases = perturbations(digest, SWAPS, INVENTED)
    kinds_per_sentence = Counter((c.event_index, c.sentence_index) for c in cases)
    assert len(kinds_per_sentence) == sentences
    assert min(kinds_per_sentence.values()) >= 4  # citation kinds and invention apply everywhere


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_perturbation_leaves_the_other_sentences_verdicts_unchanged(handmade_digest: Path, kind: str) -> None:
    digest = load_digest(handmade_digest)
    baseline = evaluate_digest(digest, handmade_digest).to_dict()["sentences"]
    case = next(c for c in perturbations(digest, SWAPS, INVENTED) if c.kind == kind)
    broken = evaluate_digest(case.apply(digest), handmade_digest).to_dict()["sentences"]
    changed = [i for i, (a, b) in enumerate(zip(baseline, broken, strict=True)) if a != b]
    position = sum(len(e["summary"]) for e in digest["events"][: case.event_index]) + case.sentence_index
    assert changed == [position]
    assert not broken[position]["supported"] or kind == "citation-elsewhere"


@pytest.fixture()
def seed_digest(request: pytest.FixtureRequest) -> Path:
    return seed_digest_path(request)


def test_perturbations_on_the_seed_digest(seed_digest: Path) -> None:
    _assert_rates("pipeline seed digest", seed_digest)


def test_originals_in_a_language_without_number_and_name_rules_are_not_held_against_the_sentence() -> None:
    english = "The White House says more than 1,000 containers were delivered."
    citation = Citation("es", "es:1", 0, 10, "Berlín dice que se entregaron más de 1.000 contenedores.", english)
    assert TransparentChecker(source_langs={"es": "es"}).check(english, [citation]).problems == ()
    read_as_french = TransparentChecker().check(english, [citation])
    assert {p.code for p in read_as_french.problems} == {"entity-not-in-source"}


class _NothingIsSupported:
    """Stands in for a model-based checker: the evaluator only sees the interface."""

    name = "never"

    def check(self, sentence: str, citations: Sequence[Citation]) -> SupportResult:
        return SupportResult(False, 0.0, (Problem("model-says-no", "entailment below threshold"),))

    def signature(self) -> dict[str, object]:
        return {"checker": self.name}


def test_another_support_checker_plugs_into_the_evaluator(handmade_digest: Path) -> None:
    checker: SupportChecker = _NothingIsSupported()
    report = evaluate_digest(load_digest(handmade_digest), handmade_digest, checker).to_dict()
    assert report["checker"] == {"checker": "never"}
    assert report["overall"]["support_rate"] == report["overall"]["citation_precision"] == 0.0
    assert all("model-says-no" in {p["code"] for p in s["problems"]} for s in report["sentences"])
