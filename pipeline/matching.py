"""Normalisation for matching, the vetoes that keep different facts apart, and MinHash/LSH.

Two sentences match when they are the same after normalisation (case, accents, whitespace,
punctuation, quote marks, ``1 000`` = ``1000`` = ``1,000``) or near-identical (a changed word),
unless a veto applies: different numbers, different names, or different negation.

MinHash uses datasketch's permutations (scheme ``affine32``) and reproduces its arithmetic
exactly (``tests/test_dedup.py`` checks the signatures against ``datasketch.MinHash``), but
applies it to all documents or sentences at once with numpy: ``MinHash.update_batch`` and
``MinHashLSH.insert``/``query`` work one set at a time in Python, which is most of the cost
at hundreds of thousands of sentences.
"""

from __future__ import annotations

import difflib
import re
import sys
import zlib
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from pipeline.lang import PROFILES, profile
from pipeline.numbers import extract_numbers
from pipeline.words import strip_accents

# A number with thousands groups (1 000, 1.000, 1,000), a plain or decimal number, or a word.
# Whitespace is collapsed to one space first, so "1\u202f000" and "1  000" are "1 000".
_TOKEN = re.compile(r"\d{1,3}(?:[ .,]\d{3})+(?!\d)|\d+(?:[.,]\d+)?|[^\W\d_]+")
_GROUP_SEPARATORS = re.compile(r"[ .,](?=\d{3})")
_WHITESPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# "1,000" is a thousand in the brief's sense even in French, where pipeline.numbers reads 1.000
_COMMA_GROUP = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

# A sentence of unknown language is checked against every language's negations, less the
# fragments that negate in one language only ("t" of "don't" is also "a-t-il").
_ANY_NEGATION = frozenset().union(*(p.negations for p in PROFILES.values())) - frozenset().union(
    *(p.negation_fragments for p in PROFILES.values())
)
_ANY_ELISION = {short: full for p in PROFILES.values() for short, full in p.elided_negations.items()}


@dataclass(frozen=True)
class MatchText:
    """What matching sees of one sentence."""

    tokens: tuple[str, ...]  # casefolded, accent-free words and canonical numbers
    names: frozenset[str]  # words written with a capital after the first word, casefolded
    negations: tuple[str, ...]  # sorted negation words: the polarity signature
    digits: tuple[str, ...]  # sorted distinct numbers written in digits
    key: str  # the tokens joined: equal keys are exact duplicates


def _canonical_number(token: str) -> str:
    digits = _GROUP_SEPARATORS.sub("", token)
    return digits.replace(",", ".")


def analyse(text: str, lang: str | None) -> MatchText:
    """Tokens and veto features of one sentence."""
    plain = _WHITESPACE.sub(" ", strip_accents(text))
    raw = _TOKEN.findall(plain)
    tokens = [sys.intern(t.casefold()) for t in raw]  # shared across sentences: a corpus has few distinct words
    digits: tuple[str, ...] = ()
    if _DIGIT.search(plain):
        tokens = [_canonical_number(t) if t[0].isdigit() else t for t in tokens]
        digits = tuple(sorted({t for t in tokens if t[0].isdigit()}))
    names = frozenset(t.casefold() for t in raw[1:] if t[0].isupper())
    language = profile(lang)
    negation_words = language.negations if language else _ANY_NEGATION
    negations: tuple[str, ...] = ()
    if not negation_words.isdisjoint(tokens):
        elided = language.elided_negations if language else _ANY_ELISION
        negations = tuple(sorted(elided.get(t, t) for t in tokens if t in negation_words))
    return MatchText(tuple(tokens), names, negations, digits, " ".join(tokens))


def number_values(text: str, lang: str | None) -> frozenset[str]:
    """Every number the sentence states, digits or words (``un millier`` = ``1 000``)."""
    if lang is None or profile(lang) is None:
        return frozenset(analyse(text, lang).digits)
    return frozenset(m.value for m in extract_numbers(_COMMA_GROUP.sub("", text), lang))


def veto(a: MatchText, b: MatchText, numbers_a: frozenset[str], numbers_b: frozenset[str]) -> str | None:
    """Why two similar sentences must still not be merged, or None."""
    if numbers_a != numbers_b or a.digits != b.digits:
        return "number"
    if not a.names <= set(b.tokens) or not b.names <= set(a.tokens):
        return "name"  # case-insensitive: "Maison Blanche" and "maison blanche" are the same name
    if a.negations != b.negations:
        return "negation"
    return None


class SimilarityTo:
    """Ratio of matching tokens in order (difflib, 2*M/T) between one sentence and others.

    difflib indexes its second sequence; keeping the representative there indexes it once
    for all its candidates.
    """

    def __init__(self, tokens: tuple[str, ...]):
        self._matcher = difflib.SequenceMatcher(None, autojunk=False)
        self._matcher.set_seq2(tokens)

    def __call__(self, tokens: tuple[str, ...], threshold: float = 0.0) -> float:
        """The ratio, or 0.0 as soon as a cheap upper bound shows it cannot reach ``threshold``."""
        matcher = self._matcher
        matcher.set_seq1(tokens)
        if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
            return 0.0
        return matcher.ratio()


def hash_tokens(tokens: tuple[str, ...], vocabulary: dict[str, int]) -> list[int]:
    """32-bit hashes of tokens, each distinct token hashed once (crc32: stable across processes)."""
    for token in set(tokens).difference(vocabulary):
        vocabulary[token] = zlib.crc32(token.encode())
    return list(map(vocabulary.__getitem__, tokens))


# Odd 64-bit multipliers: a shingle's hash is a weighted sum of its token hashes.
_MIX = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0x94D049BB133111EB,
        0xBF58476D1CE4E5B9,
        0x2545F4914F6CDD1D,
        0x9FB21C651E98DF25,
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
    ],
    dtype=np.uint64,
)


def shingle_hashes(token_hashes: np.ndarray, size: int) -> np.ndarray:
    """32-bit hashes of the word ``size``-grams of one token sequence (the whole sequence if shorter)."""
    if len(token_hashes) == 0:
        return np.zeros(0, dtype=np.uint32)
    size = min(size, len(token_hashes), len(_MIX))
    values = token_hashes.astype(np.uint64)
    count = len(values) - size + 1
    total = np.zeros(count, dtype=np.uint64)
    for k in range(size):
        total += values[k : k + count] * _MIX[k]
    return (total >> np.uint64(32)).astype(np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, as datasketch's affine32 scheme pre-mixes its inputs."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def minhash_signatures(
    values: np.ndarray, lengths: np.ndarray, num_perm: int, seed: int, chunk: int = 1 << 14
) -> np.ndarray:
    """One MinHash signature (uint32[num_perm]) per set; the sets are consecutive runs of ``values``.

    Same result as ``datasketch.MinHash(num_perm, seed, hashfunc=int).update_batch(set)``.
    Every length must be >= 1. Values are permuted ``chunk`` at a time whatever the set sizes,
    so memory stays at ``num_perm * chunk`` words: one large document (a 50 MB file holds
    millions of shingles) must not be permuted whole. A set cut by a chunk boundary takes the
    minimum of its pieces.
    """
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    mixed = _fmix32(values.astype(np.uint32))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    out = np.full((num_perm, len(lengths)), np.iinfo(np.uint32).max, dtype=np.uint32)  # one permutation per row
    for lo in range(0, len(mixed), chunk):
        hi = min(lo + chunk, len(mixed))
        first = int(np.searchsorted(starts, lo, side="right")) - 1  # the set holding value `lo`
        last = int(np.searchsorted(starts, hi, side="left"))  # sets starting before `hi`
        permuted = a[:, None] * mixed[None, lo:hi]
        permuted += b[:, None]
        pieces = np.maximum(starts[first:last], lo) - lo
        np.minimum(out[:, first:last], np.minimum.reduceat(permuted, pieces, axis=1), out=out[:, first:last])
    return out.T


def estimated_jaccard(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise share of equal signature values (the MinHash Jaccard estimate)."""
    return (left == right).mean(axis=-1)


# Band pairs held before they are folded into the distinct pairs found so far.
_PENDING_PAIRS = 4_000_000


def lsh_candidate_pairs(
    signatures: np.ndarray, bands: int, rows: int, blocks: np.ndarray | None = None, all_pairs_within: int = 16
) -> np.ndarray:
    """Pairs (i < j) of rows that share a band bucket, as an int64 array of shape (n, 2).

    This is the only all-to-all step of dedup: every set meets every other through the
    bucket sort. ``blocks`` (uint64 per row) joins every band's key, so rows that a veto
    would keep apart never become candidates. Within a bucket, rows less than
    ``all_pairs_within`` apart (in row order, which callers make their priority order) are
    paired; later rows are paired with the bucket's first row, so a huge bucket costs linear
    time, not quadratic.
    """
    count = len(signatures)
    if count < 2:
        return np.zeros((0, 2), dtype=np.int64)
    # each band's pairs are folded into the distinct pairs so far: the pairs of every band at
    # once, before removing repeats, took gigabytes on 280,000 sentences of one archive
    codes, pending = np.zeros(0, dtype=np.int64), []
    positions = np.arange(count)
    for band in range(bands):
        columns = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
        keys = (columns * _MIX[np.arange(rows) % len(_MIX)]).sum(axis=1, dtype=np.uint64)
        keys ^= np.uint64((band + 1) * 0x9E3779B97F4A7C15 % (1 << 64))
        if blocks is not None:
            keys ^= blocks
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        found = []
        for distance in range(1, min(all_pairs_within, count)):
            same = sorted_keys[distance:] == sorted_keys[:-distance]
            if not same.any():
                break
            found.append(np.stack([order[:-distance][same], order[distance:][same]], axis=1))
        run_start = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
        head = np.maximum.accumulate(np.where(run_start, positions, 0))
        far = positions - head >= all_pairs_within
        if far.any():
            found.append(np.stack([order[head[far]], order[far]], axis=1))
        if found:
            pairs = np.concatenate(found).astype(np.int64)
            pending.append(np.unique(pairs.min(axis=1) * count + pairs.max(axis=1)))
            if sum(map(len, pending)) > len(codes) + _PENDING_PAIRS:
                codes, pending = np.unique(np.concatenate([codes, *pending])), []
    codes = np.unique(np.concatenate([codes, *pending]))
    return np.stack([codes // count, codes % count], axis=1)


def block_key(*parts: object) -> int:
    """A 64-bit bucket key for values that must be equal for two rows to be compared."""
    data = repr(parts).encode()
    return zlib.crc32(data) << 32 | zlib.adler32(data)
