"""Average-linkage clustering over a sparse graph of candidate pairs, under a time constraint.

Written here because neither scipy's nor scikit-learn's agglomerative clustering takes both a
sparse candidate graph (without it, n documents cost n² similarities) and a cannot-link rule
(two reports dated a week apart are two happenings however alike their words). Pairs that are
not in the graph count as similarity 0, so a cluster's average linkage to another is the sum of
its known pair similarities over the product of the cluster sizes. With a heap of candidate
merges and lazy invalidation, the cost grows with the number of edges, not of node pairs.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """When a node happened, as day ordinals: the latest start and the earliest end of its
    members' periods. Two clusters may merge only if every pair of their periods lies within
    the window, i.e. max(latest starts) - min(earliest ends) <= window."""

    latest_start: int
    earliest_end: int

    def joined(self, other: Span | None) -> Span:
        if other is None:
            return self
        return Span(max(self.latest_start, other.latest_start), min(self.earliest_end, other.earliest_end))

    def fits(self, window: int) -> bool:
        return self.latest_start - self.earliest_end <= window


def cluster(
    size: int,
    edges: Mapping[tuple[int, int], float],
    threshold: float,
    spans: Sequence[Span | None] | None = None,
    window: int = 0,
) -> list[list[int]]:
    """Clusters of ``range(size)``, each sorted, in order of their smallest member.

    ``edges`` holds the similarity of candidate pairs (i < j). Merging stops when no pair of
    clusters has an average linkage of at least ``threshold``. Deterministic: on equal scores
    the pair with the lowest indices merges first.
    """
    members: dict[int, list[int]] = {i: [i] for i in range(size)}
    span: dict[int, Span | None] = {i: (spans[i] if spans is not None else None) for i in range(size)}
    links: dict[int, dict[int, float]] = {i: {} for i in range(size)}
    for (i, j), similarity in edges.items():
        if i != j:
            links[i][j] = links[i].get(j, 0.0) + similarity
            links[j][i] = links[j].get(i, 0.0) + similarity
    version = dict.fromkeys(range(size), 0)
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        a, b = min(a, b), max(a, b)
        score = links[a][b] / (len(members[a]) * len(members[b]))
        if score >= threshold:
            heapq.heappush(heap, (-score, a, b, version[a], version[b]))

    for i in range(size):
        for j in links[i]:
            if i < j:
                push(i, j)
    while heap:
        _, a, b, version_a, version_b = heapq.heappop(heap)
        if a not in members or b not in members or version[a] != version_a or version[b] != version_b:
            continue
        joined = _join(span[a], span[b])
        if joined is not None and not joined.fits(window):
            continue
        members[a] += members.pop(b)
        span[a] = joined
        version[a] += 1
        for other, similarity in links.pop(b).items():
            del links[other][b]
            if other != a:
                links[a][other] = links[a].get(other, 0.0) + similarity
                links[other][a] = links[a][other]
        links[a].pop(a, None)
        for other in links[a]:
            push(a, other)
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])


def _join(a: Span | None, b: Span | None) -> Span | None:
    if a is None:
        return b
    return a.joined(b)
