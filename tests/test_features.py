"""TF-IDF features of event clustering: the sparse builder the events stage uses at scale."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.features import SparseTfidf, content_words, tfidf
from tests.support.paths import SEEDS

CORPORA = {
    "empty": [],
    "one empty document": [[]],
    "repeated words": [["coup", "coup", "niger"], ["niger"], []],
    "seed words": [content_words(p.read_text(encoding="utf-8"), "fr") for p in sorted(SEEDS.glob("*.txt"))],
}


@pytest.mark.parametrize("documents", CORPORA.values(), ids=CORPORA.keys())
def test_the_sparse_builder_gives_the_dense_tfidf(documents: list[list[str]]) -> None:
    built = SparseTfidf()
    for words in documents:
        built.add(iter(words))  # a generator is enough: nothing is read twice
    sparse_rows, dense_rows = built.matrix().toarray(), tfidf(documents)
    assert sparse_rows.shape == dense_rows.shape
    # the columns come in another order; the weights of each row and the similarities do not
    np.testing.assert_allclose(np.sort(sparse_rows, axis=1), np.sort(dense_rows, axis=1), atol=1e-12)
    np.testing.assert_allclose(sparse_rows @ sparse_rows.T, dense_rows @ dense_rows.T, atol=1e-12)
