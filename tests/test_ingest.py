"""The ingest stage on the seeds and on a folder of awkward inputs, through the runner and the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import Config, IngestConfig
from pipeline.errors import ConfigError, NoInputError
from pipeline.langid import assign_languages, check_languages
from pipeline.records import Document, Sentence
from pipeline.runner import ArtifactStore, run_pipeline
from pipeline.sources import load_original
from pipeline.stages.ingest import _BATCH_SIZE, analyse_batch, analyse_documents, read_inputs
from tests.support.paths import SEEDS

SEED_IDS = [p.stem for p in sorted(SEEDS.glob("*.txt"))]
BOILERPLATE_MARKS = (
    "[ad_1]",
    "[ad_2]",
    "Source link",
    "Lire aussi",
    "Publicité",
    "Photo :",
    "Soutien nous",
    "devenez un mécène",
    "Lire l’article original",
    " date 2023",
)
ENGLISH = (
    "The White House said on Friday that North Korea had delivered more than one thousand containers "
    "of military equipment to Russia. The spokesman added that the United States would keep watching "
    "the situation very closely in the coming weeks.\n"
)
MIXED = (
    "La Maison-Blanche a annoncé vendredi que la Corée du Nord avait livré des armes à la Russie. "
    "The spokesman said that the United States condemned these deliveries in the strongest terms. "
    "Le porte-parole John Kirby a ajouté que Washington resterait très attentif à la situation. "
    "Kirby a dit.\n"
)


@dataclasses.dataclass
class Ingested:
    run_dir: Path
    result: object
    documents: dict[str, Document]
    sentences: list[Sentence]

    def of(self, doc_id: str) -> list[Sentence]:
        return [s for s in self.sentences if s.doc_id == doc_id]

    def texts(self, doc_id: str) -> list[str]:
        return [s.text for s in self.of(doc_id)]


def ingest(inputs: list[Path], run_dir: Path, config: Config | None = None) -> Ingested:
    result = run_pipeline(inputs, run_dir, config or Config(), until="ingest")
    store = ArtifactStore(run_dir)
    documents = {d.doc_id: d for d in store.load("ingest", "documents", Document)}
    return Ingested(run_dir, result, documents, store.load("ingest", "sentences", Sentence))


def assert_spans_exact(ingested: Ingested) -> None:
    for sentence in ingested.sentences:
        document = ingested.documents[sentence.doc_id]
        assert document.text[sentence.start : sentence.end] == sentence.text, sentence.sentence_id
        assert sentence.text == sentence.text.strip() and sentence.text


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    return ingest([SEEDS], tmp_path_factory.mktemp("seeds-run"))


# --- the seeds -------------------------------------------------------------------------------


def test_every_seed_sentence_is_an_exact_span_of_the_file(seeds: Ingested) -> None:
    assert sorted(seeds.documents) == SEED_IDS
    assert_spans_exact(seeds)
    for document in seeds.documents.values():
        assert load_original(document.path, document.encoding) == document.text
        assert document.text == Path(document.path).read_bytes().decode("utf-8")


def test_sentence_ids_are_numbered_in_document_order(seeds: Ingested) -> None:
    for doc_id in SEED_IDS:
        sentences = seeds.of(doc_id)
        assert [s.sentence_id for s in sentences] == [f"{doc_id}:{n}" for n in range(len(sentences))]
        assert all(a.end <= b.start for a, b in zip(sentences, sentences[1:], strict=False))


@pytest.mark.parametrize(
    ("doc_id", "date", "removed", "count"),
    [
        ("000_e807d1a348cd26e1", "2023-10", {"photo_credit": 1}, 12),
        ("001_79c30380bc51d99a", None, {"ad_marker": 2, "source_link": 1}, 21),
        ("002_32c327842ad30ca0", "2023-10", {"advertisement": 1}, 12),
        ("003_e4bbdcf3da66dee7", "2023-11", {"read_also": 2, "donation_appeal": 1, "original_article": 1}, 15),
        ("004_70b2050b1808ca1b", None, {}, 22),
    ],
)
def test_seed_date_boilerplate_and_sentence_count(
    seeds: Ingested, doc_id: str, date: str | None, removed: dict[str, int], count: int
) -> None:
    document = seeds.documents[doc_id]
    assert (document.status, document.date, document.removed, document.lang) == ("used", date, removed, "fr")
    assert len(seeds.of(doc_id)) == count
    for text in seeds.texts(doc_id):
        assert not any(mark in text for mark in BOILERPLATE_MARKS), text
    assert {s.lang for s in seeds.of(doc_id)} == {"fr"}


def test_seed_counts(seeds: Ingested) -> None:
    [report] = seeds.result.stages
    assert report.counts == {
        "documents": 5,
        "used": 5,
        "skipped": 0,
        "sentences": 82,
        "boilerplate_removed": 9,
        "languages": {"fr": 5},
    }
    assert report.notes == []


def test_seed_000_glued_sentences_are_split(seeds: Ingested) -> None:
    texts = seeds.texts("000_e807d1a348cd26e1")
    assert texts[1].endswith("un responsable anonyme de Washington.")
    for start in (
        "Selon cette source gouvernementale",
        "Ce soutien armé",
        "Le département américain de la Défense",
        "Jusqu'à présent",
        "Le gouvernement américain continue",
    ):
        assert any(t.startswith(start) for t in texts), start
    assert not any(
        glue in t
        for t in texts
        for glue in ("Washington.Selon", "contrepartie.Ce", "coréen.Le", "Pentagone.Jusqu", "Unis.Le")
    )


def test_seed_003_first_body_sentence_shares_the_header_line(seeds: Ingested) -> None:
    first = seeds.of("003_e4bbdcf3da66dee7")[0]
    assert first.start == len(" date 2023-11 ")
    assert first.text.startswith("Le secrétaire d’État américain Antony Blinken a averti")
    assert first.text.endswith("pour mener sa guerre en Ukraine.")


def test_seed_quotes_keep_their_closing_mark(seeds: Ingested) -> None:
    texts = seeds.texts("002_32c327842ad30ca0") + seeds.texts("004_70b2050b1808ca1b")
    assert any(
        t.endswith('"Nous condamnons la RPDC pour avoir fourni cet équipement militaire à la Russie."') for t in texts
    )
    assert "Kirby a dit." not in seeds.texts("001_79c30380bc51d99a")  # the quote and its attribution stay one


def test_seed_004_headline_is_the_title_and_a_sentence(seeds: Ingested) -> None:
    headline = "La Corée du Nord approvisionne désormais la Russie dans sa lutte contre l'Ukraine"
    assert seeds.documents["004_70b2050b1808ca1b"].title == headline
    assert seeds.texts("004_70b2050b1808ca1b")[0] == headline
    assert all(seeds.documents[d].title is None for d in SEED_IDS[:4])  # their first lines end with a period


def test_inspect_rows_join_the_path(seeds: Ingested) -> None:
    from pipeline.runner import inspect_stage

    rows = inspect_stage(seeds.run_dir, "ingest")
    assert len(rows) == 82
    for row in rows:
        original = load_original(row["path"], row["encoding"], row["line"])
        assert original[row["start"] : row["end"]] == row["text"]
        assert row["sentence_id"].startswith(row["doc_id"] + ":") and row["lang"] == "fr"


# --- awkward inputs --------------------------------------------------------------------------

FIVE_MB = 5 * 1024 * 1024


def _seed(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_bytes().decode("utf-8")


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    folder = tmp_path_factory.mktemp("awkward")
    files: dict[str, bytes] = {
        "good.txt": _seed("001").encode("utf-8"),
        "empty.txt": b"",
        "blank.md": b"  \n\n\t \r\n",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "latin1.txt": _seed("002").encode("latin-1"),
        "cp1252.txt": _seed("003").encode("cp1252"),
        "bom.txt": b"\xef\xbb\xbf" + _seed("000").encode("utf-8"),
        "crlf.txt": _seed("004").replace("\n", "\r\n").encode("utf-8"),
        "noend.txt": b"une seule ligne sans ponctuation finale, avec 3,5 % de texte",
        "boilerplate_only.txt": b"[ad_1]\nPublicit\xc3\xa9\nSource link -32\n",
        "english.txt": ENGLISH.encode("utf-8"),
        "mixed.txt": MIXED.encode("utf-8"),
        "huge.txt": b"Une phrase. " * (FIVE_MB // 12 + FIVE_MB // 24),  # 7.5 MB, over the 6 MB limit
        "feed.jsonl": "\n".join(
            [
                json.dumps(
                    {
                        "id": "dépêche-1",
                        "text": "Kirby a parlé vendredi. Il a condamné la RPDC.",
                        "date": "2023-10-13",
                        "title": "Kirby",
                        "url": "https://example.com/1",
                    },
                    ensure_ascii=False,
                ),
                "{ceci n'est pas du JSON",
                json.dumps({"title": "sans texte"}),
                json.dumps({"text": " date 2023-11 Le texte porte son en-tête. Et une suite."}),
            ]
        ).encode("utf-8"),
        "good.md": b"# Un titre\n\nUne phrase en Markdown.\n",  # same stem as good.txt
    }
    body = "\n\n".join(_seed(n) for n in ("000", "001", "002", "003", "004")) + "\n\n"
    files["five_mb.txt"] = (body * (FIVE_MB // len(body.encode("utf-8")) + 1)).encode("utf-8")
    for name, raw in files.items():
        (folder / name).write_bytes(raw)
    locked = folder / "locked.txt"
    locked.write_bytes(b"Une phrase illisible.")
    locked.chmod(0)
    config = dataclasses.replace(Config(), ingest=IngestConfig(max_file_mb=6, max_document_chars=6_000_000))
    try:
        return ingest([folder], tmp_path_factory.mktemp("awkward-run"), config)
    finally:
        locked.chmod(0o644)


def _locked_is_unreadable() -> bool:
    return os.name == "posix" and os.geteuid() != 0


SKIPPED = [
    ("empty", "empty file"),
    ("blank", "empty file"),
    ("binary", "binary file"),
    ("huge", "larger than 6 MB"),
    ("boilerplate_only", "no sentences"),
    ("feed-2", "jsonl line 2: not valid JSON"),
    ("feed-3", "jsonl line 3: no text"),
]


@pytest.mark.parametrize(("doc_id", "reason"), SKIPPED)
def test_unusable_inputs_are_skipped_with_their_reason(awkward: Ingested, doc_id: str, reason: str) -> None:
    document = awkward.documents[doc_id]
    assert (document.status, document.reason) == ("skipped", reason)
    assert awkward.of(doc_id) == []
    assert any(note.endswith(f"skipped ({reason})") for note in awkward.result.stages[0].notes)


@pytest.mark.skipif(not _locked_is_unreadable(), reason="root reads files whatever their mode")
def test_unreadable_file_is_skipped(awkward: Ingested) -> None:
    document = awkward.documents["locked"]
    assert (document.status, document.reason) == ("skipped", "unreadable: Permission denied")


def test_nothing_else_is_lost(awkward: Ingested) -> None:
    assert_spans_exact(awkward)
    used = {d.doc_id for d in awkward.documents.values() if not d.skipped}
    readable = {
        "good",
        "good-2",
        "latin1",
        "cp1252",
        "bom",
        "crlf",
        "noend",
        "english",
        "mixed",
        "five_mb",
        "dépêche-1",
        "feed-4",
    }
    assert used == readable | (set() if _locked_is_unreadable() else {"locked"})
    counts = awkward.result.stages[0].counts
    assert counts["used"] == len(used)
    assert counts["skipped"] == len(SKIPPED) + (1 if _locked_is_unreadable() else 0)
    utf8_files = 9 if _locked_is_unreadable() else 10
    assert counts["encodings"] == {"cp1252": 1, "latin-1": 1, "utf-8": utf8_files, "utf-8-sig": 1}
    assert awkward.result.partial  # exit code 2 from the CLI


@pytest.mark.parametrize(
    ("doc_id", "encoding", "seed"),
    [
        ("latin1", "latin-1", "002"),
        ("cp1252", "cp1252", "003"),
        ("bom", "utf-8-sig", "000"),
        ("crlf", "utf-8", "004"),
        ("good-2", "utf-8", "001"),
    ],
)
def test_decoded_inputs_split_like_their_seed(
    awkward: Ingested, seeds: Ingested, doc_id: str, encoding: str, seed: str
) -> None:
    document = awkward.documents[doc_id]
    assert document.encoding == encoding
    original = load_original(document.path, document.encoding, document.line)
    assert original == document.text
    for sentence in awkward.of(doc_id):
        assert original[sentence.start : sentence.end] == sentence.text
        assert "\r" not in sentence.text
    seed_id = next(d for d in SEED_IDS if d.startswith(seed))
    assert awkward.texts(doc_id) == seeds.texts(seed_id)
    assert document.date == seeds.documents[seed_id].date


def test_crlf_spans_count_the_carriage_returns(awkward: Ingested) -> None:
    document = awkward.documents["crlf"]
    second = awkward.of("crlf")[1]
    assert document.text[second.start - 2 : second.start] == "\r\n"


def test_text_without_a_sentence_end_is_one_sentence(awkward: Ingested) -> None:
    assert awkward.texts("noend") == ["une seule ligne sans ponctuation finale, avec 3,5 % de texte"]


def test_five_megabyte_file_is_ingested(awkward: Ingested, seeds: Ingested) -> None:
    document = awkward.documents["five_mb"]
    assert len(document.text.encode("utf-8")) > FIVE_MB
    assert document.lang == "fr"
    assert len(awkward.of("five_mb")) > 20_000
    assert awkward.texts("five_mb")[:12] == seeds.texts("000_e807d1a348cd26e1")


def test_colliding_stems_get_suffixes_in_sorted_order(awkward: Ingested) -> None:
    assert awkward.documents["good-2"].path.endswith("good.txt")  # good.md sorts first and keeps "good"
    assert awkward.documents["good"].path.endswith("good.md")
    assert awkward.documents["good"].title == "Un titre"
    assert awkward.texts("good") == ["Un titre", "Une phrase en Markdown."]


def test_jsonl_lines_are_documents(awkward: Ingested) -> None:
    first = awkward.documents["dépêche-1"]
    assert (first.line, first.title, first.date, first.url) == (1, "Kirby", "2023-10-13", "https://example.com/1")
    assert awkward.texts("dépêche-1") == ["Kirby a parlé vendredi.", "Il a condamné la RPDC."]
    fourth = awkward.documents["feed-4"]
    assert (fourth.line, fourth.date) == (4, "2023-11")
    assert awkward.texts("feed-4") == ["Le texte porte son en-tête.", "Et une suite."]
    for doc_id in ("dépêche-1", "feed-4"):
        document = awkward.documents[doc_id]
        original = load_original(document.path, document.encoding, document.line)
        assert all(original[s.start : s.end] == s.text for s in awkward.of(doc_id))


def test_english_and_mixed_documents(awkward: Ingested) -> None:
    assert awkward.documents["english"].lang == "en"
    assert {s.lang for s in awkward.of("english")} == {"en"}
    assert awkward.documents["mixed"].lang == "fr"
    assert [s.lang for s in awkward.of("mixed")] == ["fr", "en", "fr", "fr"]  # "Kirby a dit." inherits


@pytest.mark.parametrize(
    ("text", "given", "expected"),
    [
        (" date 2023-11 Le texte.", None, "2023-11"),
        (" date 2023-11 Le texte.", "2023-10-13", "2023-10-13"),  # the jsonl field wins when valid
        (" date 2023-11 Le texte.", "hier", "2023-11"),
        ("Le texte.", "2023-10-13T08:00:00Z", "2023-10-13"),
        ("Le texte.", "13/10/2023", None),
    ],
)
def test_document_date(text: str, given: str | None, expected: str | None) -> None:
    [(document, sentences)] = analyse_batch([Document("d", "d.jsonl", "", text=text, date=given)], ("fr",))
    assert document.date == expected
    assert [s.text for s in sentences] == ["Le texte."]


# --- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentences", "document_lang", "langs"),
    [
        (
            ["Le porte-parole a confirmé la livraison de munitions à la Russie.", "Kirby.", "1 000"],
            "fr",
            ["fr", "fr", "fr"],
        ),
        (["The spokesman confirmed that ammunition had been delivered to Russia.", "Kirby."], "en", ["en", "en"]),
        (["Die Regierung hat die Lieferung von Munition an Russland bestätigt.", "Ja."], "de", ["de", "de"]),
    ],
)
def test_assign_languages(sentences: list[str], document_lang: str, langs: list[str]) -> None:
    assert assign_languages(sentences, IngestConfig().languages) == (document_lang, langs)


def test_a_single_configured_language_needs_no_detection() -> None:
    assert assign_languages(["The spokesman confirmed it.", "Oui."], ("fr",)) == ("fr", ["fr", "fr"])


@pytest.mark.parametrize("languages", [("fr", "xx"), ()])
def test_unknown_language_codes_are_config_errors(languages: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError, match="ingest.languages"):
        check_languages(languages)


def test_worker_processes_give_the_same_result_as_the_loop() -> None:
    seeds = read_inputs(sorted(SEEDS.glob("*.txt")), IngestConfig())
    # one document per seed paragraph, enough for several worker tasks
    paragraphs = [p for d in seeds for p in d.text.split("\n") if p.strip()] + [ENGLISH, MIXED]
    documents = seeds + [
        Document(f"p{i}", "p.jsonl", "", text=paragraphs[i % len(paragraphs)], line=i + 1)
        for i in range(2 * _BATCH_SIZE + 1)
    ]
    languages = IngestConfig().languages
    in_a_loop = analyse_documents(documents, languages)
    assert analyse_documents(documents, languages, parallel_min=1) == in_a_loop
    assert {d.lang for d, _ in in_a_loop if not d.skipped} == {"fr", "en"}


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_run_and_inspect_on_the_seeds(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(SEEDS), "--out", str(tmp_path), "--until", "ingest"])
    assert result.exit_code == 0, result.output
    inspected = runner.invoke(app, ["inspect", str(tmp_path), "ingest"])
    assert inspected.exit_code == 0
    rows = [json.loads(line) for line in inspected.stdout.splitlines()]
    assert len(rows) == 82
    for row in rows:
        assert {"sentence_id", "doc_id", "path", "start", "end", "text", "lang"} <= set(row)
        assert load_original(row["path"], row["encoding"], row["line"])[row["start"] : row["end"]] == row["text"]


def test_cli_exit_code_2_when_an_input_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text("Une phrase complète. Et une autre.", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(app, ["run", str(folder), "--out", str(tmp_path / "run"), "--until", "ingest"])
    assert result.exit_code == 2, result.output
    assert "empty file" in result.output
    store = ArtifactStore(tmp_path / "run")
    assert [s.text for s in store.load("ingest", "sentences", Sentence)] == ["Une phrase complète.", "Et une autre."]


@pytest.mark.parametrize("until", ["ingest", "dedup"])
def test_a_library_run_with_no_usable_input_raises_instead_of_an_empty_digest(tmp_path: Path, until: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "zero.txt").write_bytes(b"")
    (folder / "blank.md").write_text("  \n\n", encoding="utf-8")
    with pytest.raises(NoInputError, match="no usable input document") as raised:
        run_pipeline([folder], tmp_path / "run", Config(), until=until)
    assert str(folder) in str(raised.value) and "empty file" in str(raised.value)
    assert raised.value.exit_code == 1
    store = ArtifactStore(tmp_path / "run")
    assert store.marker("dedup") is None  # nothing ran past ingest
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert {d["status"] for d in manifest["documents"]} == {"skipped:empty file"}
