"""The synthetic archive of benchmarks/events_scale.py is what it claims: reports of events."""

from __future__ import annotations

import re

import pytest

from benchmarks.events_scale import MAX_REPORTS, MEMORY, build_corpus

pytestmark = pytest.mark.skipif(not MEMORY.exists(), reason="the dev corpus memory is not checked out")


@pytest.mark.parametrize(("size", "seed"), [(40, 1), (120, 7)])
def test_the_archive_holds_distinct_reports_of_events(size: int, seed: int) -> None:
    corpus = build_corpus(size, seed)
    texts = {d.doc_id: d.text for d in corpus.documents}
    assert len(corpus.documents) == size == sum(corpus.event_sizes)
    assert all(1 <= k <= MAX_REPORTS for k in corpus.event_sizes)
    assert all(texts[s.doc_id][s.start : s.end] == s.text for s in corpus.sentences)
    assert len({s.text for s in corpus.sentences}) == len(corpus.sentences)
    assert [g.sentence_ids for g in corpus.groups] == [[s.sentence_id] for s in corpus.sentences]
    assert all(
        t.origin == "memory" and t.translation and t.source == g.text
        for t, g in zip(corpus.translations, corpus.groups, strict=True)
    )
    dated = [d for d in corpus.documents if d.date is not None]
    assert 0 < len(dated) < size
    assert all(re.fullmatch(r"20\d\d-\d\d", d.date or "") and d.text.startswith(f" date {d.date} ") for d in dated)
    per_report = [sum(1 for s in corpus.sentences if s.doc_id == d.doc_id) for d in corpus.documents]
    assert min(per_report) >= 8 and max(per_report) <= 12


def test_the_same_seed_builds_the_same_archive() -> None:
    first, second = build_corpus(30, 3), build_corpus(30, 3)
    assert [d.text for d in first.documents] == [d.text for d in second.documents]
    assert [t.translation for t in first.translations] == [t.translation for t in second.translations]
