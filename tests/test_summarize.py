"""The summarize stage on hand-made records: selection (MMR), citations, flags, untranslated
groups, quotes and chronological order, through the stage's real `run`."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from pipeline.config import Config, SummarizeConfig
from pipeline.dates import parse_period
from pipeline.faithfulness.checker import TransparentChecker
from pipeline.records import (
    Document,
    DocumentDecision,
    Event,
    EventSummary,
    Sentence,
    SentenceGroup,
    Translation,
)
from pipeline.stages import summarize
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS, EVENTS, GROUPS, SENTENCES, TRANSLATIONS
from pipeline.stages.base import Artifact, StageContext, StageOutput


@dataclasses.dataclass
class Corpus:
    """Documents made of sentences, with groups, translations and events over them."""

    dates: dict[str, str]
    texts: dict[str, list[str]]
    groups: list[tuple[str, list[str], str]] = dataclasses.field(default_factory=list)  # id, members, English
    flags: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    origins: dict[str, str] = dataclasses.field(default_factory=dict)
    events: list[Event] = dataclasses.field(default_factory=list)
    duplicates: dict[str, str] = dataclasses.field(default_factory=dict)
    header: str = " date 2023-10 Publicité\n\n"  # so spans do not start at 0

    def records(self) -> dict[Artifact[Any], list[Any]]:
        documents, sentences = [], []
        for doc_id, parts in self.texts.items():
            text, offsets = self.header, []
            for part in parts:
                offsets.append((len(text), len(text) + len(part)))
                text += part + " "
            documents.append(
                Document(
                    doc_id=doc_id,
                    path=f"/in/{doc_id}.txt",
                    sha256="0",
                    text=text,
                    date=self.dates.get(doc_id),
                    lang="fr",
                )
            )
            sentences += [
                Sentence(f"{doc_id}:{n}", doc_id, start, end, text[start:end], "fr")
                for n, (start, end) in enumerate(offsets)
            ]
        by_id = {s.sentence_id: s for s in sentences}
        groups = [
            SentenceGroup(gid, members[0], members, by_id[members[0]].text, "fr") for gid, members, _ in self.groups
        ]
        translations = [
            Translation(
                gid,
                members,
                by_id[members[0]].text,
                english,
                "fr",
                origin=self.origins.get(gid, "memory"),
                flags=self.flags.get(gid, []),
            )
            for gid, members, english in self.groups
        ]
        decisions = [DocumentDecision(d, duplicate_of=self.duplicates.get(d)) for d in self.texts]
        return {
            DOCUMENTS: documents,
            SENTENCES: sentences,
            DECISIONS: decisions,
            GROUPS: groups,
            TRANSLATIONS: translations,
            EVENTS: self.events,
        }


def event(event_id: str, group_ids: list[str], date: str | None = "2023-10-13", background: bool = False) -> Event:
    return Event(event_id, f"title {event_id}", date, group_ids, [], [], background)


def run_stage(corpus: Corpus, **settings: Any) -> StageOutput:
    # records go through their dict form, as they do between real stages
    records = {a: [a.record.from_dict(r.to_dict()) for r in rs] for a, rs in corpus.records().items()}
    return summarize.run(StageContext.in_memory(Config(summarize=SummarizeConfig(**settings)), records))


def summaries(output: StageOutput) -> dict[str, EventSummary]:
    return {s.event_id: s for s in output.artifacts["summaries"]}


CONTAINERS = "North Korea delivered more than 1,000 containers of munitions to Russia, Kirby said."
CONTAINERS_AGAIN = "More than 1,000 containers of munitions were delivered by North Korea to Russia, Kirby said."
BLINKEN = "Blinken warned that Moscow could supply nuclear technology in exchange for weapons."
SUMMIT = "Kim Jong Un met Vladimir Putin at the Vostochny cosmodrome."


def mmr_corpus() -> Corpus:
    return Corpus(
        dates={"a": "2023-10", "b": "2023-10", "c": "2023-11"},
        texts={
            "a": ["Kirby : plus de 1 000 conteneurs livrés.", "Plus de 1 000 conteneurs, a dit Kirby."],
            "b": ["Kirby a dit que 1 000 conteneurs ont été livrés."],
            "c": [
                "Blinken a averti que Moscou pourrait fournir de la technologie nucléaire.",
                "Kim a rencontré Poutine.",
                "Une phrase de remplissage sur le temps qu'il fait.",
            ],
        },
        groups=[
            ("g1", ["a:0", "b:0"], CONTAINERS),
            ("g2", ["a:1"], CONTAINERS_AGAIN),
            ("g3", ["c:0"], BLINKEN),
            ("g4", ["c:1"], SUMMIT),
            ("g5", ["c:2"], "A filler sentence about the weather today."),
        ],
        events=[event("e1", ["g1", "g2", "g3"])],
    )


@pytest.mark.parametrize(
    ("mmr_lambda", "max_sentences", "expected"),
    [
        (1.0, 2, {CONTAINERS, BLINKEN}),  # the two paraphrases of the central fact are one claim
        (0.5, 2, {CONTAINERS, BLINKEN}),
        (0.7, 1, {CONTAINERS}),  # the fact stated by two documents is the most informative
        (0.7, 5, {CONTAINERS, BLINKEN}),  # no more than the event has
    ],
)
def test_mmr_picks_informative_non_redundant_sentences(mmr_lambda, max_sentences, expected):
    output = run_stage(mmr_corpus(), mmr_lambda=mmr_lambda, max_sentences=max_sentences)
    assert {s.text for s in summaries(output)["e1"].summary} == expected


def test_every_group_member_is_cited_with_its_exact_source_span():
    corpus = mmr_corpus()
    records = corpus.records()
    texts = {d.doc_id: d.text for d in records[DOCUMENTS]}
    (summary,) = run_stage(corpus, max_sentences=1).artifacts["summaries"]
    (sentence,) = summary.summary
    # both groups state the claim: every member is cited, each with its own group's English
    assert [(c.sentence_id, c.translation) for c in sentence.citations] == [
        ("a:0", CONTAINERS),
        ("a:1", CONTAINERS_AGAIN),
        ("b:0", CONTAINERS),
    ]
    for citation in sentence.citations:
        assert citation.start > 0 and texts[citation.doc_id][citation.start : citation.end] == citation.source_text
    assert summary.doc_ids == ["a", "b"]
    # b carries the very sentence a carries (one group): a copy of it, so one independent outlet
    assert (sentence.outlets, sentence.copies) == (1, {"b": "a"})


def test_source_text_comes_from_the_document_not_the_sentence_record():
    corpus = mmr_corpus()
    records = corpus.records()
    for sentence in records[SENTENCES]:
        sentence.text = sentence.text.upper()  # a sentence record that drifted from its document
    ctx = StageContext.in_memory(Config(), records)
    cited = [c for s in summarize.run(ctx).artifacts["summaries"][0].summary for c in s.citations]
    texts = {d.doc_id: d.text for d in records[DOCUMENTS]}
    assert cited and all(c.source_text == texts[c.doc_id][c.start : c.end] for c in cited)


@pytest.mark.parametrize(
    ("policy", "expected_texts", "expected_flags"),
    [
        ("mark", {CONTAINERS, BLINKEN}, {CONTAINERS: ["number-missing:1 000"], BLINKEN: []}),
        ("drop", {BLINKEN}, {BLINKEN: []}),
    ],
)
def test_flagged_translations_are_marked_or_dropped(policy, expected_texts, expected_flags):
    corpus = mmr_corpus()
    corpus.flags = {"g1": ["number-missing:1 000"]}
    corpus.events = [event("e1", ["g1", "g3"])]
    output = run_stage(corpus, flagged=policy)
    summary = summaries(output)["e1"].summary
    assert {s.text for s in summary} == expected_texts
    assert {s.text: s.flags for s in summary} == expected_flags
    assert output.counts["flagged_" + ("marked" if policy == "mark" else "dropped")] == 1


@pytest.mark.parametrize("origin", ["untranslated"])
def test_untranslated_groups_are_never_summary_sentences(origin):
    corpus = mmr_corpus()
    corpus.origins = {"g1": origin, "g4": origin}
    corpus.groups[0] = ("g1", ["a:0", "b:0"], "Kirby : plus de 1 000 conteneurs livrés.")  # the French, unchanged
    corpus.events = [event("e1", ["g1", "g3"]), event("e2", ["g4"])]
    output = run_stage(corpus)
    assert {s.text for s in summaries(output)["e1"].summary} == {BLINKEN}
    assert "e2" not in summaries(output)  # nothing English to say: left out, with a note
    assert any("e2" in note for note in output.notes)
    assert output.counts["untranslated_skipped"] == 2


@pytest.mark.parametrize(
    ("english", "kept"),
    [
        ('"We now have information that North Korea delivered weapons."', False),  # speech without its speaker
        ('"We condemn the DPRK for providing this equipment," Kirby said.', True),
        ("“We are truly concerned by any support,” Blinken said.", True),
        ('North Korea decried the West\'s "hegemonic policy".', True),  # a quoted phrase in a sentence with a subject
    ],
)
def test_quotes_stay_with_their_speaker(english, kept):
    corpus = mmr_corpus()
    corpus.groups.append(("g6", ["c:2"], english))
    corpus.events = [event("e1", ["g6", "g3"])]
    texts = {s.text for s in summaries(run_stage(corpus))["e1"].summary}
    assert (english in texts) is kept


def test_summary_follows_the_chronology_of_what_is_reported():
    corpus = Corpus(
        dates={"x": "2023-11", "y": "2023-10"},
        texts={
            "x": ["Blinken est arrivé en Corée du Sud le 8 novembre.", "Le 13 septembre, Kim a rencontré Poutine."],
            "y": ["La Maison-Blanche a publié des images.", "En février de l'année dernière, la Russie a attaqué."],
        },
        groups=[
            ("g1", ["x:0"], "Blinken arrived in South Korea on November 8, Reuters reported."),
            ("g2", ["x:1"], "On 13 September, Kim met Putin, the agency said."),
            ("g3", ["y:0"], "The White House released images, Kirby said."),
            ("g4", ["y:1"], "In February last year, Russia attacked, the report said."),
        ],
        events=[event("e1", ["g1", "g2", "g3", "g4"], date="2023-10-13")],
    )
    summary = summaries(run_stage(corpus))["e1"].summary
    # Feb 2022, 13 Sep 2023, the event's own date (undated sentence), 8 Nov 2023
    assert [s.citations[0].sentence_id for s in summary] == ["y:1", "x:1", "y:0", "x:0"]


@pytest.mark.parametrize(
    ("text", "lang", "published", "expected"),
    [
        ("Le 13 septembre, Kim a rencontré Poutine.", "fr", "2023-11", date(2023, 9, 13)),
        ("le 1er novembre 2022", "fr", None, date(2022, 11, 1)),
        ("En juillet, la Corée du Nord a reconnu les territoires.", "fr", "2022-11", date(2022, 7, 16)),
        ("en Février de l'année dernière", "fr", "2023-10", date(2022, 2, 14)),
        ("le sommet tenu le mois dernier", "fr", "2023-01", date(2022, 12, 16)),
        ("images du 5 octobre 2023, puis le 16 octobre", "fr", "2023-10", date(2023, 10, 5)),  # the earliest
        ("on October 13, Kirby said", "en", "2023-10", date(2023, 10, 13)),
        ("rapatrier tous les travailleurs d'ici 2019", "fr", "2022-11", None),  # a deadline, not an event
        ("Aucune date ici, seulement 1 000 conteneurs.", "fr", "2023-10", None),
    ],
)
def test_reported_date(text, lang, published, expected):
    assert summarize.reported_date(text, lang, parse_period(published)) == expected


def test_background_event_is_summarized_and_kept_labelled():
    corpus = mmr_corpus()
    corpus.events = [event("e1", ["g1"]), event("bg", ["g4", "g5"], date=None, background=True)]
    result = summaries(run_stage(corpus))
    assert result["bg"].background and not result["e1"].background
    assert {s.text for s in result["bg"].summary} == {SUMMIT, "A filler sentence about the weather today."}


@pytest.mark.parametrize(
    ("duplicates", "expected"),
    [
        ({}, ["a:0", "b:0", "d:0"]),  # three documents state g1, two state g2
        ({"b": "a", "d": "a"}, ["a:1", "c:2"]),  # b and d are copies of a: g1 has one independent source
    ],
)
def test_duplicate_documents_do_not_count_as_independent_support(duplicates, expected):
    corpus = mmr_corpus()
    corpus.texts["d"] = ["Kirby : plus de 1 000 conteneurs livrés."]
    corpus.groups[:2] = [("g1", ["a:0", "b:0", "d:0"], CONTAINERS), ("g2", ["a:1", "c:2"], SUMMIT)]
    corpus.groups.pop()  # c:2 now belongs to g2
    corpus.duplicates = duplicates
    corpus.events = [event("e1", ["g1", "g2"])]
    (summary,) = run_stage(corpus, max_sentences=1).artifacts["summaries"]
    assert [c.sentence_id for s in summary.summary for c in s.citations] == expected  # duplicates still cited


def _past_the_end(records: dict[Artifact[Any], list[Any]]) -> None:
    records[SENTENCES][0].end = 10_000  # a:0 points past the end of its document


def _no_sentence_record(records: dict[Artifact[Any], list[Any]]) -> None:
    records[SENTENCES].pop(0)  # a:0 is a group member with no sentence record


@pytest.mark.parametrize("break_citation", [_past_the_end, _no_sentence_record])
def test_an_unresolvable_citation_is_left_out_and_counted(break_citation):
    records = mmr_corpus().records()
    break_citation(records)
    ctx = StageContext.in_memory(Config(), records)
    output = summarize.run(ctx)
    (containers,) = [s for s in output.artifacts["summaries"][0].summary if "containers" in s.text]
    assert [c.sentence_id for c in containers.citations] == ["a:1", "b:0"]
    assert output.counts["invalid_citations"] == 1 and output.notes


def test_an_event_summary_depends_only_on_its_own_records():
    alone = summaries(run_stage(mmr_corpus(), max_sentences=2))["e1"]
    corpus = mmr_corpus()
    corpus.texts["z"] = ["Une autre affaire, sans rapport, à Kiev.", "Encore des conteneurs de munitions."]
    corpus.groups += [
        ("g7", ["z:0"], "Another matter entirely, in Kyiv."),
        ("g8", ["z:1"], "More containers of munitions, Kirby said, containers and containers."),
    ]
    corpus.events.append(event("e2", ["g7", "g8"]))
    assert summaries(run_stage(corpus, max_sentences=2))["e1"] == alone


def test_paraphrases_by_several_outlets_are_one_claim_and_copies_count_once():
    corpus = Corpus(
        dates={d: "2023-09" for d in "abcd"},
        texts={
            "a": ["Le barrage de Derna a cédé dimanche soir, a indiqué le gouvernement."],
            "b": ["Dimanche soir, le barrage de Derna a cédé, selon le gouvernement."],
            "c": ["Le barrage de Derna a cédé dimanche soir, a indiqué le gouvernement."],
            "d": ["Les secours manquent d'eau potable à Derna."],
        },
        groups=[
            ("g1", ["a:0", "c:0"], "The Derna dam gave way on Sunday evening, the government said."),
            ("g2", ["b:0"], "On Sunday evening the dam of Derna gave way, according to the government."),
            ("g3", ["d:0"], "Rescuers lack drinking water in Derna."),
        ],
        events=[event("e1", ["g1", "g2", "g3"], date="2023-09-10")],
        duplicates={"c": "a"},
    )
    (summary,) = run_stage(corpus, max_sentences=4).artifacts["summaries"]
    dam = [s for s in summary.summary if "dam" in s.text]
    assert len(dam) == 1 and len(summary.summary) == 2  # one bullet for the claim, one for the other
    assert [c.sentence_id for c in dam[0].citations] == ["a:0", "b:0", "c:0"]
    assert dam[0].outlets == 2 and dam[0].copies == {"c": "a"}
    assert TransparentChecker().check(dam[0].text, dam[0].citations).supported


def one_sentence_each(month: str, event_date: str, *sentences: tuple[str, str]) -> Corpus:
    """Documents a, b, ... published in ``month``, one (French, English) sentence each, each its
    own group, all of them one event."""
    ids = "abcdefgh"[: len(sentences)]
    pairs = list(zip(ids, sentences, strict=True))
    groups = [(f"g{n}", [f"{d}:0"], english) for n, (d, (_, english)) in enumerate(pairs, 1)]
    return Corpus(
        dates=dict.fromkeys(ids, month),
        texts={d: [french] for d, (french, _) in pairs},
        groups=groups,
        events=[event("e1", [g for g, _, _ in groups], date=event_date)],
    )


@pytest.mark.parametrize(
    ("corpus", "max_sentences", "what", "variants"),
    [
        pytest.param(
            one_sentence_each(
                "2023-09",
                "2023-09-11",
                (
                    "Les inondations de Derna ont fait 632 morts, a dit le ministère.",
                    "The floods in Derna left 632 dead, the ministry said.",
                ),
                (
                    "Les inondations de Derna ont fait 1 037 morts, a dit le Croissant-Rouge.",
                    "The floods in Derna left 1,037 dead, the Red Crescent said.",
                ),
                (
                    "Les écoles de Tripoli restent ouvertes, avec 40 élèves par classe.",
                    "Schools in Tripoli stay open; 40 dead were reported in the south.",
                ),
            ),
            1,
            "dead",
            [("1,037", ("b:0",)), ("632", ("a:0",))],
            id="a toll: every value and its sentences, not the unrelated 40",
        ),
        pytest.param(
            one_sentence_each(
                "2024-12",
                "2024-12-07",
                (
                    "Ses portes se sont rouvertes à 19h20, après que l'archevêque a frappé trois coups.",
                    "Its doors reopened at 19:20, after the archbishop struck three blows.",
                ),
                (
                    "Ses portes se sont rouvertes à 19h21, après que l'archevêque a frappé trois coups.",
                    "Its doors reopened at 19:21, after the archbishop struck three blows.",
                ),
            ),
            4,
            "time",
            [("19:20", ("a:0",)), ("19:21", ("b:0",))],
            id="the same statement with other times: one bullet",
        ),
    ],
)
def test_differing_figures_are_one_bullet_with_a_conflict(corpus, max_sentences, what, variants):
    (summary,) = run_stage(corpus, max_sentences=max_sentences).artifacts["summaries"]
    (sentence,) = summary.summary
    (conflict,) = sentence.conflicts
    assert conflict.what == what
    assert sorted((v.value, tuple(v.sentence_ids)) for v in conflict.variants) == variants


def test_an_alias_file_lets_claims_with_translated_names_merge(tmp_path):
    corpus = one_sentence_each(
        "2024-03",
        "2024-03-06",
        ("Le satellite observera la Terre depuis son orbite.", "The satellite will observe the Earth from its orbit."),
        (
            "Lancé jeudi depuis Kourou, le satellite observera la Terre pendant dix ans, a dit l'agence.",
            "Launched on Thursday from Kourou, the satellite will observe the Earth for ten years, the agency said.",
        ),
    )
    without = run_stage(corpus, max_sentences=4).artifacts["summaries"][0]
    aliases = tmp_path / "aliases.txt"
    aliases.write_text("Earth = Terre\n", encoding="utf-8")
    with_aliases = run_stage(corpus, max_sentences=4, aliases=str(aliases)).artifacts["summaries"][0]
    assert len(without.summary) == 2 and len(with_aliases.summary) == 1


def test_an_unreadable_alias_file_is_a_config_error(tmp_path):
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="summarize.aliases"):
        run_stage(mmr_corpus(), aliases=str(tmp_path / "missing.txt"))


def test_a_copy_that_comes_first_still_leaves_one_independent_outlet():
    corpus = Corpus(
        dates={d: "2024-12" for d in "ab"},
        texts={
            "a": ["La cathédrale a rouvert ses portes samedi soir."],
            "b": ["La cathédrale a rouvert ses portes samedi soir."],
        },
        groups=[("g1", ["a:0", "b:0"], "The cathedral reopened its doors on Saturday evening.")],
        events=[event("e1", ["g1"], date="2024-12-07")],
        duplicates={"a": "b"},  # a, listed first, is the copy of b
    )
    (summary,) = run_stage(corpus).artifacts["summaries"]
    (sentence,) = summary.summary
    assert (sentence.outlets, sentence.copies) == (1, {"a": "b"})


def test_a_merged_claim_is_worded_as_what_every_source_says():
    corpus = one_sentence_each(
        "2024-07",
        "2024-07-09",
        ("Ariane 6 a décollé de Kourou.", "Ariane 6 lifted off from Kourou."),
        (
            "Ariane 6 a décollé de Kourou mardi soir, après un long retard dû à la météo.",
            "Ariane 6 lifted off from Kourou on Tuesday evening, after a long delay caused by the weather.",
        ),
    )
    (summary,) = run_stage(corpus).artifacts["summaries"]
    (sentence,) = summary.summary
    assert sentence.text == "Ariane 6 lifted off from Kourou."
    assert [c.sentence_id for c in sentence.citations] == ["a:0", "b:0"]
    assert all(TransparentChecker().check(sentence.text, [c]).supported for c in sentence.citations)


@pytest.mark.parametrize(
    ("sentences", "bullets"),
    [
        (
            [
                ("Amrane pleure.", "Amrane is weeping."),
                ("Il n'y a plus rien à faire.", "There is nothing more to be done."),
                (
                    "Deux barrages ont cédé au-dessus de Derna dans la nuit de dimanche à lundi.",
                    "Two dams above Derna gave way during the night from Sunday to Monday.",
                ),
            ],
            ["Two dams above Derna gave way during the night from Sunday to Monday."],
        ),
        ([("Amrane pleure.", "Amrane is weeping.")], ["Amrane is weeping."]),
    ],
)
def test_fragments_of_colour_are_no_bullets_unless_nothing_else_is_told(
    sentences: list[tuple[str, str]], bullets: list[str]
) -> None:
    corpus = one_sentence_each("2023-09", "2023-09-11", *sentences)
    summary = run_stage(corpus, max_sentences=4).artifacts["summaries"][0]
    assert [s.text for s in summary.summary] == bullets
