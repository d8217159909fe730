from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from engine.grouping import form_groups


def groups_of(
    pairs: list[tuple[int, int, float]], n: int, threshold: float = 0.8, forbidden: set[frozenset[int]] | None = None
) -> list[tuple[int, list[tuple[int, float]]]]:
    i, j, s = (np.array(c) for c in zip(*pairs)) if pairs else (np.empty(0),) * 3
    return form_groups(n, i, j, s, threshold, forbidden)


def test_chain_does_not_make_one_group() -> None:
    a, b, c, d = range(4)
    pairs = [(a, b, 0.95), (b, c, 0.85), (c, d, 0.9), (a, c, 0.5), (b, d, 0.5), (a, d, 0.1)]
    groups = groups_of(pairs, 4)
    assert groups == [(b, [(b, 1.0), (a, 0.95), (c, 0.85)])]  # b: two edges, the strongest total
    for _, members in groups:
        assert not {a, d} <= {m for m, _ in members}


def test_chain_with_equal_scores_breaks_ties_by_index() -> None:
    pairs = [(0, 1, 0.9), (1, 2, 0.9), (2, 3, 0.9)]
    assert groups_of(pairs, 4) == [(1, [(1, 1.0), (0, 0.9), (2, 0.9)])]


def test_clique_is_one_group_with_scores_against_the_reference() -> None:
    rng = np.random.default_rng(3)
    pairs = [(x, y, float(0.9 + rng.uniform(0, 0.09))) for x, y in itertools.combinations(range(5), 2)]
    score = {frozenset((x, y)): s for x, y, s in pairs}
    [(ref, members)] = groups_of(pairs, 8)
    assert members[0] == (ref, 1.0)
    assert sorted(m for m, _ in members) == [0, 1, 2, 3, 4]
    for m, s in members[1:]:
        assert s == pytest.approx(score[frozenset((ref, m))])
    assert [s for _, s in members[1:]] == sorted((s for _, s in members[1:]), reverse=True)
    # every node has four edges; the reference is the one with the strongest total
    totals = {v: sum(s for k, s in score.items() if v in k) for v in range(5)}
    assert ref == max(totals, key=lambda v: (totals[v], -v))


def test_below_threshold_self_pairs_and_empty() -> None:
    assert groups_of([], 3) == []
    assert groups_of([(0, 1, 0.5)], 2) == []
    assert groups_of([(1, 1, 1.0)], 2) == []
    assert groups_of([(0, 1, 0.8)], 2) == [(0, [(0, 1.0), (1, 0.8)])]  # the threshold is inclusive


def test_duplicate_and_reversed_pairs_keep_the_best_score() -> None:
    assert groups_of([(0, 1, 0.85), (1, 0, 0.95), (0, 1, 0.9)], 2) == [(0, [(0, 1.0), (1, 0.95)])]


def test_out_of_range_index_is_rejected() -> None:
    with pytest.raises(ValueError):
        groups_of([(0, 5, 0.9)], 3)


def test_forbidden_pair_is_not_an_edge() -> None:
    assert groups_of([(0, 1, 0.99)], 2, forbidden={frozenset((0, 1))}) == []


def test_forbidden_members_never_share_a_group() -> None:
    # 2 is close to 0 and 1, which the user said are not duplicates of each other
    pairs = [(0, 1, 0.99), (0, 2, 0.95), (1, 2, 0.9), (3, 1, 0.9)]
    groups = groups_of(pairs, 4, forbidden={frozenset((0, 1))})
    for _, members in groups:
        assert not {0, 1} <= {m for m, _ in members}
    # 1 and 2 both have 2 edges; 2 scores 1.85 in total, 1 scores 1.8: 2 is the reference, 0 (0.95) is kept,
    # 1 (0.9) conflicts with 0 and leaves; then 1 and 3 form their own group
    assert groups == [(1, [(1, 1.0), (3, 0.9)]), (2, [(2, 1.0), (0, 0.95)])]


def test_result_is_independent_of_input_order() -> None:
    rng = random.Random(7)
    pairs = [
        (x, y, round(rng.uniform(0.7, 1.0), 3)) for x, y in itertools.combinations(range(12), 2) if rng.random() < 0.4
    ]
    expected = groups_of(pairs, 12)
    for _ in range(5):
        rng.shuffle(pairs)
        flipped = [(y, x, s) if rng.random() < 0.5 else (x, y, s) for x, y, s in pairs]
        assert groups_of(flipped, 12) == expected


@pytest.mark.parametrize("seed", range(5))
def test_invariants_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    n, threshold = 60, 0.8
    pairs = [(x, y, rng.uniform(0.5, 1.0)) for x, y in itertools.combinations(range(n), 2) if rng.random() < 0.08]
    forbidden = {frozenset(rng.sample(range(n), 2)) for _ in range(15)}
    score = {frozenset((x, y)): s for x, y, s in pairs}
    groups = groups_of(pairs, n, threshold, forbidden)
    seen: set[int] = set()
    for ref, members in groups:
        assert members[0] == (ref, 1.0) and len(members) >= 2
        nodes = [m for m, _ in members]
        assert not seen & set(nodes)
        seen |= set(nodes)
        for m, s in members[1:]:
            assert s >= threshold and s == score[frozenset((ref, m))]
        for x, y in itertools.combinations(nodes, 2):
            assert frozenset((x, y)) not in forbidden
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)
    # greedy runs until no edge is left between two ungrouped nodes
    for key, s in score.items():
        if s >= threshold and key not in forbidden:
            assert key & seen
