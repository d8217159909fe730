from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import engine.index as index_mod
from engine.index import nearest_pairs
from engine.progress import Cancelled, CancelToken, Progress


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def random_unit(n: int, d: int, seed: int = 0) -> np.ndarray:
    return unit(np.random.default_rng(seed).standard_normal((n, d)))


def clustered(n_groups: int, per_group: int, singletons: int, d: int, spread: float, seed: int = 0) -> np.ndarray:
    """What duplicate embeddings look like: tight groups (pairwise distance ~spread) among unrelated images."""
    rng = np.random.default_rng(seed)
    centres = random_unit(n_groups, d, seed + 1)
    noise = rng.standard_normal((n_groups * per_group, d)) * spread / np.sqrt(2 * d)
    x = np.concatenate([np.repeat(centres, per_group, axis=0) + noise, random_unit(singletons, d, seed + 2)])
    return unit(x[rng.permutation(len(x))])


def brute_force(x: np.ndarray, k: int, max_distance: float) -> dict[tuple[int, int], float]:
    d = np.sqrt(np.clip(2 - 2 * (x.astype(np.float64) @ x.T.astype(np.float64)), 0, None))
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1, kind="stable")[:, :k]
    out: dict[tuple[int, int], float] = {}
    for a in range(len(x)):
        for b in nn[a]:
            if d[a, b] <= max_distance:
                out[(min(a, int(b)), max(a, int(b)))] = float(d[a, b])
    return out


def as_dict(i: np.ndarray, j: np.ndarray, dist: np.ndarray) -> dict[tuple[int, int], float]:
    return {(a, b): c for a, b, c in zip(i.tolist(), j.tolist(), dist.tolist())}


@pytest.mark.parametrize("tile", [4096, 97])  # one tile, and many (with a ragged last one)
@pytest.mark.parametrize("k,max_distance", [(1, 1.3), (5, 1.25), (8, 2.0)])  # 2.0: every pair passes (dense)
def test_exact_equals_brute_force(monkeypatch: pytest.MonkeyPatch, tile: int, k: int, max_distance: float) -> None:
    monkeypatch.setattr(index_mod, "TILE", tile)
    x = random_unit(600, 16, seed=k)
    i, j, dist = nearest_pairs(x, k, max_distance, method="exact")
    assert i.dtype == np.int64 and j.dtype == np.int64 and dist.dtype == np.float32
    assert np.all(i < j)
    assert list(zip(i.tolist(), j.tolist())) == sorted(zip(i.tolist(), j.tolist()))
    got, want = as_dict(i, j, dist), brute_force(x, k, max_distance)
    assert got.keys() == want.keys()
    assert np.allclose([got[p] for p in want], list(want.values()), atol=1e-3)


def test_identical_vectors_are_at_distance_zero() -> None:
    x = random_unit(50, 8)
    x[7] = x[3]
    x[20] = x[3]
    i, j, dist = nearest_pairs(x, 4, 0.05, method="exact")
    assert as_dict(i, j, dist).keys() == {(3, 7), (3, 20), (7, 20)}
    assert np.all(dist < 1e-3)


def test_small_and_degenerate_inputs() -> None:
    for x in (np.empty((0, 8), np.float32), random_unit(1, 8)):
        i, j, dist = nearest_pairs(x, 16, 2.0)
        assert len(i) == len(j) == len(dist) == 0 and i.dtype == np.int64
    x = random_unit(3, 8)
    i, j, _ = nearest_pairs(x, 16, 2.0)  # k larger than N-1
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1), (0, 2), (1, 2)]
    assert len(nearest_pairs(x, 0, 2.0)[0]) == 0
    with pytest.raises(ValueError):
        nearest_pairs(x, 4, 1.0, method="fastest")
    with pytest.raises(ValueError):
        nearest_pairs(x[0], 4, 1.0)


def test_exact_never_allocates_n_by_n(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, "TILE", 256)
    n = 4000
    x = random_unit(n, 32)
    nearest_pairs(x[:10], 4, 1.0, method="exact")  # warm up numpy's lazy allocations
    tracemalloc.start()
    try:
        nearest_pairs(x, 8, 1.2, method="exact")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n * n * 4 / 8, f"peak {peak / 1e6:.1f} MB for a {n}x{n} problem"


def test_ann_recall_on_clustered_data() -> None:
    """Near-duplicates are very close neighbours: IVF must find (nearly) all of them."""
    x = clustered(n_groups=1500, per_group=3, singletons=8000, d=64, spread=0.25)
    exact = as_dict(*nearest_pairs(x, 8, 0.5, method="exact"))
    ann = as_dict(*nearest_pairs(x, 8, 0.5, method="ann"))
    assert len(exact) >= 4000, len(exact)
    recall = len(exact.keys() & ann.keys()) / len(exact)
    assert recall >= 0.95, recall
    assert ann.keys() <= exact.keys() | {p for p, d in ann.items() if d <= 0.5}  # nothing beyond the limit
    common = sorted(exact.keys() & ann.keys())
    assert np.allclose([ann[p] for p in common], [exact[p] for p in common], atol=1e-3)


def test_auto_switches_to_ann_above_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_exact, real_ivf = index_mod._exact_knn, index_mod._ivf_knn
    monkeypatch.setattr(index_mod, "_exact_knn", lambda *a, **kw: calls.append("exact") or real_exact(*a, **kw))
    monkeypatch.setattr(index_mod, "_ivf_knn", lambda *a, **kw: calls.append("ann") or real_ivf(*a, **kw))
    monkeypatch.setattr(index_mod, "EXACT_MAX_ROWS", 1000)
    nearest_pairs(random_unit(1000, 8), 4, 0.5)
    nearest_pairs(random_unit(1001, 8), 4, 0.5)
    assert calls == ["exact", "ann"]


@pytest.mark.parametrize("method", ["exact", "ann"])
def test_progress_and_cancellation(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    monkeypatch.setattr(index_mod, "TILE", 300)
    monkeypatch.setattr(index_mod, "ANN_BATCH", 300)
    x = random_unit(2000, 16)
    seen: list[tuple[str, int, int]] = []
    nearest_pairs(x, 4, 1.0, Progress(lambda *a: seen.append(a)), method=method)
    assert {p for p, _, _ in seen} == {"search"}
    assert seen[-1][1] == seen[-1][2] > 2
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)

    token = CancelToken()
    calls: list[int] = []

    def cancel_on_second(phase: str, done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        nearest_pairs(x, 4, 1.0, Progress(cancel_on_second, token), method=method)
    assert len(calls) == 2
