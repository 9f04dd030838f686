"""The render stage on hand-made records: digest.json against its schema, the markdown's
sections, markers and document table, and byte-stable output whatever the record order."""

from __future__ import annotations

import html
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pipeline.config import Config, ModelConfig
from pipeline.html_digest import render_html
from pipeline.records import (
    Citation,
    Conflict,
    Document,
    DocumentDecision,
    EventSummary,
    FigureVariant,
    SummarySentence,
    Translation,
)
from pipeline.stages import render
from pipeline.stages.artifacts import DECISIONS, DOCUMENTS, SUMMARIES, TRANSLATIONS
from pipeline.stages.base import StageContext

SCHEMA = json.loads((Path(render.__file__).parent.parent / "schemas" / "digest.schema.json").read_text("utf-8"))
TEXT = " date 2023-10 Publicité\n\nPlus de 1 000 conteneurs ont été livrés. Kirby a condamné la RPDC.\n"
CONTAINERS_FR = "Plus de 1 000 conteneurs ont été livrés."


def citation(doc_id: str, n: int, text: str = TEXT, source: str = CONTAINERS_FR, english: str = "x") -> Citation:
    start = text.index(source)
    return Citation(doc_id, f"{doc_id}:{n}", start, start + len(source), source, english)


def records() -> dict[str, list[Any]]:
    documents = [
        Document("a", "/in/a.txt", "0", TEXT, date="2023-10", lang="fr", encoding="utf-8"),
        Document("b", "/in/b.txt", "0", TEXT, date="2023-10", lang="fr", encoding="utf-8"),
        Document("c", "/in/c.txt", "0", TEXT, date="2023-10", lang="fr", encoding="utf-8"),
        Document("d", "/in/d.bin", "0", "", status="skipped", reason="not text: binary content"),
        Document(
            "e",
            "/in/feed.jsonl",
            "0",
            "Hallo Welt.",
            date="2023-11",
            lang="de",
            line=3,
            status="skipped",
            reason="language de has no model",
        ),
    ]
    decisions = [DocumentDecision("a"), DocumentDecision("b"), DocumentDecision("c", duplicate_of="a", similarity=1.0)]
    english = "More than 1,000 containers were delivered, the White House said."
    summaries = [
        EventSummary(
            "bg",
            "Context",
            None,
            [
                SummarySentence(
                    "Russia invaded Ukraine in February 2022.", [citation("b", 0, english="Russia invaded ...")]
                )
            ],
            ["b"],
            background=True,
        ),
        EventSummary(
            "ev-late",
            "Blinken warns",
            "2023-11-09",
            [SummarySentence("Blinken warned Moscow.", [citation("b", 1)], flags=["number-missing:9"])],
            ["b"],
        ),
        EventSummary(
            "ev-early",
            "White House: 1,000 containers",
            "2023-10-13",
            [
                SummarySentence(
                    english,
                    [
                        citation("a", 0, english=english),
                        citation("b", 0, english=english),
                        citation("c", 0, english=english),
                    ],
                )
            ],
            ["a", "b", "c"],
        ),
    ]
    translations = [
        Translation(
            "g1",
            ["a:0"],
            CONTAINERS_FR,
            english,
            "fr",
            origin="model",
            model="Helsinki-NLP/opus-mt-fr-en",
            revision="abc123",
        ),
        Translation("g2", ["b:1"], "…", "…", "fr", origin="memory"),
        Translation("g3", ["f:0", "f:1"], "Hallo Welt.", "", "de", origin="untranslated", flags=["no-model:de"]),
    ]
    return {"documents": documents, "decisions": decisions, "summaries": summaries, "translations": translations}


def digest_of(recs: dict[str, list[Any]], generated_at: str = "2024-01-01T00:00:00+00:00") -> dict[str, Any]:
    return render.build_digest(
        recs["documents"],
        {d.doc_id: d for d in recs["decisions"]},
        recs["summaries"],
        recs["translations"],
        {"fr": ("Helsinki-NLP/opus-mt-fr-en", "main")},
        generated_at,
    )


def test_digest_json_follows_the_schema_and_the_contract():
    digest = digest_of(records())
    jsonschema.Draft202012Validator(SCHEMA).validate(digest)
    assert digest["schema"] == 1
    assert digest["model"] == {"fr": {"id": "Helsinki-NLP/opus-mt-fr-en", "revision": "abc123"}}  # the revision used
    assert {d["doc_id"]: d["status"] for d in digest["documents"]} == {
        "a": "used",
        "b": "used",
        "c": "duplicate-of:a",
        "d": "skipped:not text: binary content",
        "e": "skipped:language de has no model",
    }
    # chronological, the background last
    assert [e["event_id"] for e in digest["events"]] == ["ev-early", "ev-late", "bg"]
    assert digest["date_range"] == {"start": "2023-10-13", "end": "2023-11-09"}
    assert digest["untranslated"] == {"de": 2}
    assert digest["events"][0]["sources"] == 3
    assert {d["doc_id"]: d["citations"] for d in digest["documents"]} == {"a": 1, "b": 3, "c": 1, "d": 0, "e": 0}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema",), 2),
        (("documents", 0, "status"), "kept"),
        (("events", 0, "summary"), []),  # an event with nothing to say is no event
        (("events", 0, "summary", 0, "citations"), []),  # an uncited sentence
        (("events", 0, "summary", 0, "citations", 0, "start"), -1),
        (("events", 0, "date"), "13 Oct 2023"),
    ],
)
def test_schema_rejects_broken_digests(path, value):
    digest = digest_of(records())
    target = digest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(digest)


def test_markdown_sections_markers_sources_and_document_table():
    markdown = render.render_markdown(digest_of(records()))
    lines = markdown.splitlines()
    assert lines[0].startswith("# ")
    assert "Covering 2023-10-13 to 2023-11-09: 5 input documents, 2 events." in lines
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## 2023-10-13: White House: 1,000 containers",
        "## 2023-11-09: Blinken warns",
        "## Background: Context",
        "## Documents",
    ]
    assert "- More than 1,000 containers were delivered, the White House said. [1][2][3]" in lines
    assert "- ⚠ unverified translation: number-missing:9: Blinken warned Moscow. [1]" in lines
    assert "Sources (3 documents):" in lines
    assert f"   - original: «{CONTAINERS_FR}»" in lines
    assert "1. a (a.txt, 2023-10), sentence a:0, characters 25-65" in lines
    assert (
        "Not translated, so not summarised: 2 sentences in `de` (no model is configured for that language; "
        "add one under `models:` in models.yaml)."
    ) in lines
    table = lines[lines.index("## Documents") :]
    for row in (
        "| a | a.txt | 2023-10 | fr | used | 1 |",
        "| c | c.txt | 2023-10 | fr | duplicate of a | 1 |",
        "| d | d.bin |  |  | skipped: not text: binary content | 0 |",
        "| e | feed.jsonl line 3 | 2023-11 | de | skipped: language de has no model | 0 |",
    ):
        assert row in table


@pytest.mark.parametrize(("text", "cell"), [("a|b", "a\\|b"), ("two\nlines", "two lines")])
def test_table_cells_stay_one_cell(text, cell):
    recs = records()
    recs["documents"][3].reason = text
    assert f"| skipped: {cell} | 0 |" in render.render_markdown(digest_of(recs))


@pytest.mark.parametrize("shuffle", [lambda xs: xs[::-1], lambda xs: xs[1:] + xs[:1], lambda xs: xs[2:] + xs[:2]])
def test_record_order_does_not_change_a_byte(shuffle):
    recs = records()
    expected = (json.dumps(digest_of(recs)), render.render_markdown(digest_of(recs)), render_html(digest_of(recs)))
    shuffled = {name: shuffle(list(values)) for name, values in recs.items()}
    for summary in shuffled["summaries"]:
        for sentence in summary.summary:
            sentence.citations = shuffle(sentence.citations)
    page = render_html(digest_of(shuffled))
    assert (json.dumps(digest_of(shuffled)), render.render_markdown(digest_of(shuffled)), page) == expected


def test_only_the_timestamp_differs_between_renders():
    first, second = digest_of(records(), "2024-01-01T00:00:00+00:00"), digest_of(records(), "2025-06-30T12:00:00+00:00")
    assert {k for k in first if first[k] != second[k]} == {"generated_at"}
    md_first, md_second = render.render_markdown(first).splitlines(), render.render_markdown(second).splitlines()
    assert [(a, b) for a, b in zip(md_first, md_second, strict=True) if a != b] == [
        ("Generated at 2024-01-01T00:00:00+00:00.", "Generated at 2025-06-30T12:00:00+00:00.")
    ]


def test_run_writes_both_files_from_the_artifacts():
    recs = records()
    by_artifact = {
        DOCUMENTS: recs["documents"],
        DECISIONS: recs["decisions"],
        SUMMARIES: recs["summaries"],
        TRANSLATIONS: [],
    }
    config = Config(models={"fr": ModelConfig(id="/models/opus-mt-fr-en", revision="v1")})
    ctx = StageContext.in_memory(config, by_artifact)
    output = render.run(ctx)
    assert set(output.files) == {"digest.json", "digest.md", "digest.html"} and not output.artifacts
    digest = json.loads(output.files["digest.json"])
    jsonschema.Draft202012Validator(SCHEMA).validate(digest)
    assert digest["model"] == {"fr": {"id": "/models/opus-mt-fr-en", "revision": "v1"}}  # nothing translated by model
    assert output.counts == {"events": 2, "background": 1, "documents": 5, "cited_documents": 3}
    assert output.files["digest.md"] == render.render_markdown(digest)
    assert output.files["digest.html"] == render_html(digest)


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "![y](javascript:alert(2))",
    "*bold* `code` _em_ ~~gone~~ &lt;b&gt; <b>raw</b>",
    "a\n\n## injected heading\n\n| cell |",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markdown_shows_input_text_literally(hostile):
    """Every input-derived text (sentence, translation, title, file name, reason) renders as
    the literal text under a real CommonMark+table parser: no tag, link, heading or cell."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    plain = parser.render(render.render_markdown(digest_of(records())))
    recs = records()
    recs["documents"][0].path = f"/in/{hostile}.txt"
    recs["documents"][3].reason = hostile
    event = recs["summaries"][2]
    event.title = hostile
    event.summary[0].text = hostile
    event.summary[0].citations[0].translation = hostile
    markdown = render.render_markdown(digest_of(recs))
    page = parser.render(markdown)
    for live in ("<script", "<img", "<a ", "<b>", "<strong>", "<code>", "<em>", "<s>", "<del>", "<h2>", "<td>"):
        assert page.count(live) == plain.count(live), live
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert len(headings) == 5  # the title, three events, the documents table: nothing injected
    flat = " ".join(hostile.split())
    assert html.unescape(page).count(flat) >= 4  # title, sentence, translation, reason cell: as typed


def test_markdown_keeps_plain_text_readable():
    """File names and French punctuation pass unchanged: only active characters are escaped."""
    assert render._md("000_e807d1a348cd26e1.txt") == "000_e807d1a348cd26e1.txt"
    assert render._md("l'armée « 1 000 » (AFP) : 19-20 mars") == "l'armée « 1 000 » (AFP) : 19-20 mars"
    assert render._md("_x_ [a] <b> a|b") == "\\_x\\_ \\[a\\] &lt;b&gt; a\\|b"


def test_corroboration_and_context_follow_the_schema():
    recs = records()
    sentence = recs["summaries"][2].summary[0]
    sentence.outlets, sentence.copies = 2, {"c": "a"}
    sentence.conflicts = [Conflict("death toll", [FigureVariant("632", ["a:0"]), FigureVariant("1,037", ["b:0"])])]
    digest = digest_of(recs)
    jsonschema.Draft202012Validator(SCHEMA).validate(digest)
    rendered = digest["events"][0]["summary"][0]
    assert (rendered["outlets"], rendered["copies"]) == (2, {"c": "a"})
    assert rendered["conflicts"][0] == {
        "what": "death toll",
        "variants": [{"value": "632", "sentence_ids": ["a:0"]}, {"value": "1,037", "sentence_ids": ["b:0"]}],
    }
    lines = render.render_markdown(digest).splitlines()
    assert "- More than 1,000 containers were delivered, the White House said. [1][2][3] (2 outlets)" in lines
    assert "  - counted once: c.txt copies a.txt" in lines
    assert "  - sources disagree: death toll: 632 (a.txt); 1,037 (b.txt)" in lines
    for event in digest["events"]:
        for s in event["summary"]:
            for c in s["citations"]:
                before, after = c["context"]["before"], c["context"]["after"]
                assert TEXT[c["start"] - len(before) : c["end"] + len(after)] == before + c["source_text"] + after


def test_context_is_cut_at_word_boundaries_in_long_documents():
    words = " ".join(f"mot{i}" for i in range(400))
    text = f"{words} Phrase citée ici. {words}"
    source = "Phrase citée ici."
    start = text.index(source)
    cited = render._citation(Citation("a", "a:9", start, start + len(source), source, "x"), text)["context"]
    assert 0 < len(cited["before"]) <= render.CONTEXT_CHARS and 0 < len(cited["after"]) <= render.CONTEXT_CHARS
    assert cited["before"].startswith("mot") and cited["after"].rstrip().split()[-1].startswith("mot")
    assert text[start - len(cited["before"]) : start] == cited["before"]


def test_make_digest_passes_the_seed_memory():
    """`make digest` on a fresh clone translates seeds/ from the memory shipped beside them."""
    root = Path(__file__).resolve().parent.parent
    dry_run = subprocess.run(["make", "-n", "-C", str(root), "digest"], capture_output=True, text=True, check=True)
    command = next(line for line in dry_run.stdout.splitlines() if "pipeline run" in line)
    assert "run seeds --out outputs --memory seeds/seeds_en.tmx" in command
    assert (root / "seeds" / "seeds_en.tmx").is_file()
