"""Groups from scored pairs (the suggested file to keep in each is ``engine.keeper``'s business).

A group is a reference and the images that each score at or above the threshold against that reference.
Connected components would chain A~B~C~D into one group although A and D look nothing alike; scoring
everyone against one reference makes "these are duplicates of this picture" true for every member.
"""

from __future__ import annotations

import heapq

import numpy as np


def form_groups(
    n: int,
    i: np.ndarray,
    j: np.ndarray,
    score: np.ndarray,
    threshold: float,
    forbidden: set[frozenset[int]] | None = None,
) -> list[tuple[int, list[tuple[int, float]]]]:
    """Greedy star groups: ``[(reference, [(reference, 1.0), (member, score), ...]), ...]``.

    Repeatedly the ungrouped node with the most edges to ungrouped nodes (then the highest total score, then the
    lowest index) becomes a reference and takes all its ungrouped neighbours. Pairs in ``forbidden`` (the user
    said "not a duplicate") are not edges; and when two would-be members form a forbidden pair, the one with the
    lower score against the reference (then the higher index) stays out and may join a later group.

    Members are listed by score, highest first (ties by index); groups by reference index. Only groups of two
    or more are returned. Duplicate pairs keep their highest score.
    """
    conflicts = _conflicts(forbidden)
    a, b, s = _edges(n, i, j, score, threshold, conflicts)
    if not len(a):
        return []
    # both directions in CSR form
    src = np.r_[a, b]
    dst = np.r_[b, a]
    val = np.r_[s, s]
    order = np.argsort(src, kind="stable")
    src, dst, val = src[order], dst[order], val[order]
    indptr = np.searchsorted(src, np.arange(n + 1))
    dst_list: list[int] = dst.tolist()
    val_list: list[float] = val.tolist()

    degree = np.diff(indptr).tolist()
    strength = np.bincount(src, weights=val, minlength=n).tolist()
    heap = [(-degree[v], -strength[v], v) for v in range(n) if degree[v]]
    heapq.heapify(heap)
    assigned = [False] * n
    groups: list[tuple[int, list[tuple[int, float]]]] = []

    while heap:
        neg_deg, neg_str, ref = heapq.heappop(heap)
        if assigned[ref] or -neg_deg != degree[ref] or -neg_str != strength[ref]:
            continue  # outdated entry: a newer one with the current counts is in the heap
        if degree[ref] == 0:
            continue
        lo, hi = indptr[ref], indptr[ref + 1]
        candidates = sorted(
            ((val_list[e], dst_list[e]) for e in range(lo, hi) if not assigned[dst_list[e]]),
            key=lambda t: (-t[0], t[1]),
        )
        members = [(ref, 1.0)]
        for sc, v in candidates:
            if conflicts and any(m in conflicts.get(v, ()) for m, _ in members[1:]):
                continue
            members.append((v, float(sc)))
        for v, _ in members:
            assigned[v] = True
        for v, _ in members:  # the neighbours left behind lose these edges
            for e in range(indptr[v], indptr[v + 1]):
                u = dst_list[e]
                if not assigned[u]:
                    degree[u] -= 1
                    strength[u] -= val_list[e]
                    if degree[u]:
                        heapq.heappush(heap, (-degree[u], -strength[u], u))
        groups.append((ref, members))
    groups.sort(key=lambda g: g[0])
    return groups


def _edges(
    n: int, i: np.ndarray, j: np.ndarray, score: np.ndarray, threshold: float, conflicts: dict[int, set[int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs at or above ``threshold`` as (low index, high index, score), one per pair with its best score,
    without forbidden pairs and self-pairs; checks the indices."""
    i = np.asarray(i, dtype=np.int64).ravel()
    j = np.asarray(j, dtype=np.int64).ravel()
    score = np.asarray(score, dtype=np.float64).ravel()
    if not (len(i) == len(j) == len(score)):
        raise ValueError("i, j and score must have the same length")
    keep = (score >= threshold) & (i != j)
    a, b, s = np.minimum(i, j)[keep], np.maximum(i, j)[keep], score[keep]
    if len(a) and (a.min() < 0 or b.max() >= n):
        raise ValueError(f"pair indices must lie in [0, {n})")
    if conflicts:
        key = a * n + b
        bad = np.array(sorted(x * n + y for x, ys in conflicts.items() for y in ys if x < y), dtype=np.int64)
        ok = ~np.isin(key, bad)
        a, b, s = a[ok], b[ok], s[ok]
    if not len(a):
        return a, b, s
    order = np.lexsort((-s, b, a))
    a, b, s = a[order], b[order], s[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return a[first], b[first], s[first]


def _conflicts(forbidden: set[frozenset[int]] | None) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for pair in forbidden or ():
        if len(pair) != 2:
            continue
        x, y = sorted(int(v) for v in pair)
        out.setdefault(x, set()).add(y)
        out.setdefault(y, set()).add(x)
    return out
