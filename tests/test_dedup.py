"""Dedup: duplicate documents, sentence groups, vetoes, order independence, invariants."""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Config, DedupConfig
from pipeline.matching import SimilarityTo, analyse, lsh_candidate_pairs, minhash_signatures
from pipeline.records import Document, DocumentDecision, Sentence, SentenceGroup
from pipeline.runner import ArtifactStore, inspect_stage, run_pipeline
from pipeline.stages.artifacts import DOCUMENTS, SENTENCES
from pipeline.stages.base import StageContext
from pipeline.stages.dedup import deduplicate, run
from tests.support.paths import SEEDS

CONFIG = DedupConfig()
# Sentences end at . ! ? (or a closing quote after them) before a space, a line break or a glued capital.
_SENTENCE = re.compile(r"\S.*?(?:[.!?][»\"”]?(?=\s|$|[A-ZÉ])|(?=\n)|$)", re.S)


def make_document(doc_id: str, text: str, date: str | None = "2023-10") -> tuple[Document, list[Sentence]]:
    """A document and its sentences with exact spans, split crudely: enough for matching."""
    document = Document(
        doc_id=doc_id,
        path=f"{doc_id}.txt",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        date=date,
        lang="fr",
    )
    sentences = []
    for match in _SENTENCE.finditer(text):
        if match.group(0).strip():
            sentences.append(
                Sentence(f"{doc_id}:{len(sentences)}", doc_id, match.start(), match.end(), match.group(0), "fr")
            )
    return document, sentences


def corpus(texts: dict[str, str], dates: dict[str, str] | None = None) -> tuple[list[Document], list[Sentence]]:
    documents, sentences = [], []
    for doc_id, text in texts.items():
        document, found = make_document(doc_id, text, (dates or {}).get(doc_id, "2023-10"))
        documents.append(document)
        sentences.extend(found)
    return documents, sentences


def seed_texts() -> dict[str, str]:
    return {p.stem[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


SEED_DATES = {"000": "2023-10", "001": "2022-11", "002": "2023-10", "003": "2023-11", "004": "2023-10"}

REWORDED = "Cette révélation a suscité une vive inquiétude au sein de la communauté internationale."
UNIQUE = "La communauté internationale est restée très inquiète."


def near_copy(text: str) -> str:
    """002 re-posted: another header, changed whitespace and quote marks, one sentence reworded."""
    body = text.split("\n", 1)[1]
    body = body.replace(REWORDED, UNIQUE).replace("'", "’").replace('"', "« ", 1).replace('"', " »", 1)
    return " date 2023-10 Photo : AFP\n\n" + re.sub(r" ", "  ", body).replace("\n\n", "\n")


def copies_corpus() -> tuple[list[Document], list[Sentence]]:
    texts = seed_texts()
    texts["005"] = near_copy(texts["002"])
    texts["006"] = texts["000"]  # the same file under another name
    return corpus(texts, {**SEED_DATES, "005": "2023-10", "006": "2023-10"})


def assert_partition(groups: list[SentenceGroup], sentences: list[Sentence]) -> None:
    """Every sentence is in exactly one group; each group's representative is one of its members."""
    members = [sid for g in groups for sid in g.sentence_ids]
    assert sorted(members) == sorted(s.sentence_id for s in sentences)
    assert len(members) == len(set(members))
    by_id = {s.sentence_id: s for s in sentences}
    for group in groups:
        assert group.representative in group.sentence_ids
        assert group.text == by_id[group.representative].text
        order = [(by_id[s].doc_id, by_id[s].start) for s in group.sentence_ids]
        assert order == sorted(order)


def decisions_by_id(decisions: list[DocumentDecision]) -> dict[str, DocumentDecision]:
    return {d.doc_id: d for d in decisions}


def group_of(groups: list[SentenceGroup], sentence_id: str) -> SentenceGroup:
    return next(g for g in groups if sentence_id in g.sentence_ids)


def run_dedup(folder: Path, run_dir: Path) -> tuple[list[DocumentDecision], list[SentenceGroup], list[Sentence]]:
    """The real ingest and dedup stages through the runner."""
    result = run_pipeline([folder], run_dir, Config(), until="dedup")
    assert [s.status for s in result.stages] == ["done", "done"]
    store = ArtifactStore(run_dir)
    return (
        store.load("dedup", "documents", DocumentDecision),
        store.load("dedup", "groups", SentenceGroup),
        store.load("ingest", "sentences", Sentence),
    )


@pytest.fixture(scope="module")
def copies_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, list[DocumentDecision], list[SentenceGroup], list[Sentence]]:
    folder = tmp_path_factory.mktemp("copies")
    for path in sorted(SEEDS.glob("*.txt")):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "005_repost.txt").write_text(near_copy(seed_texts()["002"]), encoding="utf-8")
    (folder / "006_mirror.txt").write_bytes((SEEDS / "000_e807d1a348cd26e1.txt").read_bytes())
    run_dir = tmp_path_factory.mktemp("copies-run")
    return (run_dir, *run_dedup(folder, run_dir))


def test_the_five_seeds_are_five_distinct_documents(tmp_path: Path) -> None:
    decisions, groups, sentences = run_dedup(SEEDS, tmp_path)
    assert len(decisions) == 5
    assert all(d.duplicate_of is None and d.method is None for d in decisions)
    assert_partition(groups, sentences)


def test_near_copy_and_exact_copy_are_found(copies_run) -> None:
    run_dir, decisions, groups, sentences = copies_run
    by_id = {d.doc_id[:3]: d for d in decisions}
    assert by_id["006"].duplicate_of.startswith("000_") and by_id["006"].method == "exact"
    assert by_id["006"].similarity == 1.0
    assert by_id["005"].duplicate_of.startswith("002_") and by_id["005"].method == "minhash"
    assert CONFIG.doc_threshold <= by_id["005"].similarity < 1.0
    assert sorted(k for k, d in by_id.items() if d.duplicate_of) == ["005", "006"]
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["stages"]["dedup"]
    expected = {"documents": 7, "kept": 5, "duplicates": 2, "exact": 1, "near": 1}
    assert manifest["counts"] | expected == manifest["counts"]
    assert any(n.startswith("005_repost is a near-duplicate of 002_") and "Jaccard 0." in n for n in manifest["notes"])

    assert_partition(groups, sentences)
    by_text = {" ".join(s.text.split()): s.sentence_id for s in sentences}
    unique = group_of(groups, by_text[UNIQUE])
    assert unique.sentence_ids == [by_text[UNIQUE]]  # kept, in a group of its own
    assert by_text[REWORDED] not in unique.sentence_ids
    # the copy's other sentences joined the canonical's groups, represented by the canonical
    quoted = next(s for s in sentences if s.doc_id.startswith("005") and "Nous  condamnons" in s.text)
    group = group_of(groups, quoted.sentence_id)
    assert group.representative.startswith("002_") and len(group.sentence_ids) == 2
    mirrored = [g for g in groups if any(sid.startswith("006_") for sid in g.sentence_ids)]
    assert mirrored and all(len(g.sentence_ids) == 2 and g.representative.startswith("000_") for g in mirrored)


DEV_PAIRS = Path(__file__).parent / "fixtures" / "dev_pairs"


def test_wire_cores_are_contained_duplicates_and_shared_wire_sentences_are_not(tmp_path: Path) -> None:
    """Real reports: a dispatch's first paragraphs inside the full dispatch (low Jaccard, high
    containment) are near-duplicates; reports that share one to three wire sentences are not."""
    decisions, groups, sentences = run_dedup(DEV_PAIRS, tmp_path)
    found = {frozenset((d.doc_id, d.duplicate_of)) for d in decisions if d.duplicate_of}
    assert found == {frozenset(p) for p in (("029", "048"), ("012", "056"), ("011", "014"))}
    for decision in (d for d in decisions if d.duplicate_of):
        assert decision.method == "containment"
        assert decision.containment >= CONFIG.doc_containment and decision.similarity < CONFIG.doc_threshold
    assert_partition(groups, sentences)  # the copies' sentences are still there to cite
    shared = group_of(
        groups, next(s.sentence_id for s in sentences if s.doc_id == "049" and "jour historique" in s.text)
    )
    assert {sid.split(":")[0] for sid in shared.sentence_ids} == {"049"}  # reworded quote: its own group


def test_inspect_lists_documents_then_groups(copies_run) -> None:
    run_dir, decisions, groups, _ = copies_run
    rows = inspect_stage(run_dir, "dedup")
    assert [r["kind"] for r in rows] == ["document"] * len(decisions) + ["group"] * len(groups)
    assert {"doc_id", "duplicate_of", "similarity"} <= set(rows[0])
    assert {"group_id", "sentence_ids", "representative"} <= set(rows[-1])


def test_transitive_near_duplicates_resolve_to_one_canonical_document() -> None:
    text = seed_texts()["004"]
    sentences = text.split("\n")
    chain = {"a": text, "b": "\n".join(sentences[:-1]), "c": "\n".join(sentences[:-2])}
    documents, found = corpus(chain, {"a": "2023-10", "b": "2023-10-14", "c": "2023-10-15"})
    decisions = decisions_by_id(deduplicate(documents, found, CONFIG).artifacts["documents"])
    assert decisions["a"].duplicate_of is None
    assert decisions["b"].duplicate_of == "a" and decisions["c"].duplicate_of == "a"


def test_the_earliest_dated_document_is_canonical_even_when_shorter() -> None:
    text = seed_texts()["004"]
    shorter = "\n".join(text.split("\n")[:-1])
    documents, sentences = corpus({"long": text, "short": shorter}, {"long": "2023-11", "short": "2023-10"})
    decisions = decisions_by_id(deduplicate(documents, sentences, CONFIG).artifacts["documents"])
    assert decisions["long"].duplicate_of == "short" and decisions["short"].duplicate_of is None


LONG = (
    "Le porte-parole du Conseil de sécurité nationale, John Kirby, a déclaré mercredi que les États-Unis "
    "suivaient de près les livraisons de munitions vers la Russie depuis plusieurs semaines."
)
MERGED = [
    ("Plus de 1 000 conteneurs ont été livrés à la Russie.", "Plus de 1000 conteneurs ont été livrés à la Russie."),
    ("Plus de 1  000 conteneurs ont été livrés.", "Plus de 1\u00a0000 conteneurs ont été livrés."),
    ("Plus de 1,000 conteneurs ont été livrés.", "Plus de 1\u202f000 conteneurs ont été livrés."),
    ("Kirby : « Nous condamnons la RPDC pour cet envoi. »", 'Kirby : "Nous condamnons la RPDC pour cet envoi."'),
    ("L’administration n’a pas précisé le transport.", "L'administration n'a pas précisé le transport."),
    ("Kirby a refusé de fournir une estimation précise. ", "Kirby a refusé de fournir une estimation précise."),
    ("LA MAISON BLANCHE a publié des images.", "La Maison Blanche  a publié\ndes images."),
    (LONG, LONG.replace("suivaient de près", "surveillaient de près")),
    (LONG, LONG.replace("mercredi", "jeudi")),
]
NOT_MERGED = [
    ("different number", LONG + " Plus de 1 000 conteneurs.", LONG + " Plus de 2 000 conteneurs."),
    ("number in words", LONG.replace("plusieurs", "deux"), LONG.replace("plusieurs", "trois")),
    ("different date", LONG + " Le 13 octobre.", LONG + " Le 14 octobre."),
    ("different name", LONG, LONG.replace("John Kirby", "John Sullivan")),
    ("different place", LONG, LONG.replace("vers la Russie", "vers la Syrie")),
    ("ne ... pas added", LONG, LONG.replace("suivaient de près", "ne suivaient pas de près")),
    ("n'... pas added", LONG, LONG.replace("a déclaré", "n'a pas déclaré")),
    ("jamais added", LONG, LONG.replace("suivaient de près", "suivaient jamais de près")),
    ("aucun added", LONG, LONG.replace("les livraisons", "aucune livraison")),
    ("non added", LONG, LONG.replace("a déclaré mercredi", "a déclaré non mercredi")),
]


def group_pair(first: str, second: str) -> list[SentenceGroup]:
    documents, sentences = [], []
    for doc_id, text in (("a", first), ("b", second)):
        documents.append(Document(doc_id, f"{doc_id}.txt", "0", text=text, date="2023-10", lang="fr"))
        sentences.append(Sentence(f"{doc_id}:0", doc_id, 0, len(text), text, "fr"))
    groups = deduplicate(documents, sentences, CONFIG).artifacts["groups"]
    assert_partition(groups, sentences)
    return groups


@pytest.mark.parametrize(("first", "second"), MERGED)
def test_near_identical_sentences_are_merged(first: str, second: str) -> None:
    groups = group_pair(first, second)
    assert [g.sentence_ids for g in groups] == [["a:0", "b:0"]]
    assert groups[0].similarity >= CONFIG.sentence_threshold


@pytest.mark.parametrize(("why", "first", "second"), NOT_MERGED)
def test_a_veto_keeps_similar_sentences_apart(why: str, first: str, second: str) -> None:
    # similar enough to merge: only the veto keeps them apart
    assert SimilarityTo(analyse(first, "fr").tokens)(analyse(second, "fr").tokens) >= CONFIG.sentence_threshold
    assert sorted(g.sentence_ids for g in group_pair(first, second)) == [["a:0"], ["b:0"]]


def test_paraphrases_in_other_words_stay_apart() -> None:
    groups = group_pair(
        "La Corée du Nord a livré plus de 1 000 conteneurs à la Russie.",
        "Plus de 1 000 conteneurs ont été expédiés par la Corée du Nord vers la Russie.",
    )
    assert len(groups) == 2


def canonical(groups: list[SentenceGroup]) -> list[tuple]:
    return sorted((g.group_id, g.representative, tuple(g.sentence_ids), g.text, g.similarity) for g in groups)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_grouping_is_deterministic_and_independent_of_input_order(rng: random.Random) -> None:
    documents, sentences = copies_corpus()
    expected = deduplicate(documents, sentences, CONFIG)
    rng.shuffle(documents)
    rng.shuffle(sentences)
    shuffled = deduplicate(documents, sentences, CONFIG)
    assert canonical(shuffled.artifacts["groups"]) == canonical(expected.artifacts["groups"])
    assert shuffled.artifacts["documents"] == expected.artifacts["documents"]
    assert shuffled.counts == expected.counts


SEED_SENTENCES = [s.text for s in corpus(seed_texts())[1] if len(s.text.split()) >= 6]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SEED_SENTENCES), st.lists(st.sampled_from(["space", "case", "quotes", "trailing"]), max_size=4))
def test_surface_variants_of_a_sentence_share_its_group(text: str, changes: list[str]) -> None:
    variant = text
    for change in changes:
        if change == "space":
            variant = variant.replace(" ", "  ")
        elif change == "case":
            variant = variant.upper()
        elif change == "quotes":
            variant = variant.replace("’", "'").replace("« ", '"').replace(" »", '"')
        else:
            variant += " "
    groups = group_pair(text, variant)
    assert [g.sentence_ids for g in groups] == [["a:0", "b:0"]]
    assert groups[0].similarity == 1.0


def test_sentences_without_words_and_documents_without_sentences() -> None:
    documents, sentences = corpus({"a": "…\n— Kirby a parlé.", "b": "…\nKirby a parlé.", "c": ""})
    output = deduplicate(documents, sentences, CONFIG)
    assert [d.duplicate_of for d in output.artifacts["documents"]] == [None, "a", None]
    groups = output.artifacts["groups"]
    assert_partition(groups, sentences)
    assert sorted(g.sentence_ids for g in groups) == [["a:0", "b:0"], ["a:1", "b:1"]]


def test_signatures_match_datasketch() -> None:
    sets = [[3, 17, 2**31 + 5], [7], list(range(100, 400))]
    signatures = minhash_signatures(
        np.array([v for s in sets for v in s], dtype=np.uint32),
        np.array([len(s) for s in sets]),
        num_perm=64,
        seed=1,
        chunk=50,
    )
    for values, signature in zip(sets, signatures, strict=True):
        reference = MinHash(num_perm=64, seed=1, hashfunc=int)
        reference.update_batch(values)
        assert np.array_equal(reference.hashvalues, signature)


@pytest.mark.parametrize("chunk", [1, 3, 64, 299, 300, 301, 1 << 14])
def test_signatures_do_not_depend_on_the_chunk_a_large_set_is_cut_into(chunk: int) -> None:
    """One large set (a whole big document) is permuted a chunk at a time; any cut gives datasketch's result."""
    rng = np.random.default_rng(chunk)
    sets = [rng.integers(0, 2**32, n, dtype=np.uint64) for n in (1, 300, 2, 1000, 1)]
    signatures = minhash_signatures(np.concatenate(sets), np.array([len(s) for s in sets]), 16, seed=3, chunk=chunk)
    for values, signature in zip(sets, signatures, strict=True):
        reference = MinHash(num_perm=16, seed=3, hashfunc=int)
        reference.update_batch(values.tolist())
        assert np.array_equal(reference.hashvalues, signature)


def test_lsh_pairs_only_similar_sets() -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**32, 200, dtype=np.uint64)
    sets = [base, np.concatenate([base[:190], rng.integers(0, 2**32, 10, dtype=np.uint64)])]
    sets += [rng.integers(0, 2**32, 200, dtype=np.uint64) for _ in range(50)]
    signatures = minhash_signatures(np.concatenate(sets), np.array([len(s) for s in sets]), 112, seed=1)
    assert lsh_candidate_pairs(signatures, 14, 8).tolist() == [[0, 1]]


def test_run_skips_skipped_documents() -> None:
    documents, sentences = copies_corpus()
    skipped = Document("bad", "bad.txt", "0", status="skipped", reason="empty")
    ctx = StageContext.in_memory(Config(), {DOCUMENTS: [*documents, skipped], SENTENCES: sentences})
    output = run(ctx)
    assert [d.doc_id for d in output.artifacts["documents"]] == [d.doc_id for d in documents]
    assert_partition(output.artifacts["groups"], sentences)
