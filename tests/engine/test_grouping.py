from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from engine.grouping import form_groups, pick_keeper
from engine.results import Member
from engine.settings import KEEP_RULES


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


# ---------------------------------------------------------------------------------------------- keeper


def member(
    path: str,
    w: int = 100,
    h: int = 100,
    size: int = 1000,
    mtime_ns: int = 1_600_000_000 * 10**9,
    capture_time: str | None = None,
) -> Member:
    return Member(path=path, size=size, mtime_ns=mtime_ns, width=w, height=h, score=1.0, capture_time=capture_time)


def test_resolution_rule() -> None:
    ms = [member("/a/small.jpg", 100, 100, size=9999), member("/a/big.jpg", 200, 100)]
    assert pick_keeper(ms, ["resolution"]) == "/a/big.jpg"


def test_size_rule() -> None:
    ms = [member("/a/1.jpg", size=10), member("/a/2.jpg", size=20)]
    assert pick_keeper(ms, ["size"]) == "/a/2.jpg"


def test_oldest_and_newest_use_capture_time_then_mtime() -> None:
    shot_2010 = member("/a/exif2010.jpg", capture_time="2010-05-01T10:00:00", mtime_ns=1_700_000_000 * 10**9)
    copied_2005 = member("/a/noexif.jpg", mtime_ns=1_104_537_600 * 10**9)  # mtime 2005-01-01, no EXIF
    shot_2015 = member("/a/exif2015.jpg", capture_time="2015-01-01T00:00:00", mtime_ns=1_000)
    ms = [shot_2010, copied_2005, shot_2015]
    assert pick_keeper(ms, ["oldest"]) == "/a/noexif.jpg"
    assert pick_keeper(ms, ["newest"]) == "/a/exif2015.jpg"
    unknown = member("/a/unknown.jpg", mtime_ns=0)  # no time at all loses under both rules
    assert pick_keeper([unknown, shot_2010], ["oldest"]) == "/a/exif2010.jpg"
    assert pick_keeper([unknown, shot_2010], ["newest"]) == "/a/exif2010.jpg"


def test_unreadable_capture_time_falls_back_to_mtime() -> None:
    odd = member("/a/odd.jpg", capture_time="0000:00:00 00:00:00", mtime_ns=2 * 10**18)
    ok = member("/a/ok.jpg", mtime_ns=10**18)
    assert pick_keeper([odd, ok], ["oldest"]) == "/a/ok.jpg"


def test_shortest_path_rule() -> None:
    ms = [member("/photos/2020/copy of IMG_1.jpg"), member("/photos/IMG_1.jpg")]
    assert pick_keeper(ms, ["shortest_path"]) == "/photos/IMG_1.jpg"


def test_rules_apply_in_order_and_path_breaks_the_last_tie() -> None:
    ms = [member("/b.jpg", 100, 100, size=10), member("/a.jpg", 100, 100, size=10), member("/c.jpg", 50, 50, 99)]
    assert pick_keeper(ms, ["resolution", "size"]) == "/a.jpg"
    assert pick_keeper(ms, ["size", "resolution"]) == "/c.jpg"
    assert pick_keeper(ms, []) == "/a.jpg"
    assert pick_keeper(ms) == "/a.jpg"  # defaults: resolution, size, oldest


def test_preferred_folder_wins_before_the_rules() -> None:
    ms = [
        member("/photos/big.jpg", 4000, 3000),
        member("/archive/small.jpg", 10, 10),
        member("/archive2/tiny.jpg", 5, 5),
        member("/best/x.jpg", 1, 1),
    ]
    assert pick_keeper(ms, ["resolution"], ["/archive"]) == "/archive/small.jpg"
    assert pick_keeper(ms, ["resolution"], ["/archive/"]) == "/archive/small.jpg"
    assert pick_keeper(ms, ["resolution"], ["/arch"]) == "/photos/big.jpg"  # a prefix is not a folder
    assert pick_keeper(ms, ["resolution"], ["/best", "/archive"]) == "/best/x.jpg"  # earlier folder first
    assert pick_keeper(ms, ["resolution"], ["/nowhere"]) == "/photos/big.jpg"


def test_every_declared_rule_is_accepted_and_unknown_is_rejected() -> None:
    ms = [member("/a.jpg"), member("/b.jpg")]
    for rule in KEEP_RULES:
        assert pick_keeper(ms, [rule]) in {"/a.jpg", "/b.jpg"}
    with pytest.raises(ValueError, match="prettiest"):
        pick_keeper(ms, ["resolution", "prettiest"])
    with pytest.raises(ValueError):
        pick_keeper([], ["size"])
