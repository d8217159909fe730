"""Candidate pairs for grouping: each image's nearest neighbours, never a dense N x N matrix.

Exact search (up to EXACT_MAX_ROWS vectors) multiplies tiles of TILE x TILE rows, keeps only the
similarities that pass the distance limit, and merges them into a running top-k per row: memory is
O(N*k + TILE^2) whatever N is, and each tile is computed once (tiles below the diagonal are the transpose).

Above EXACT_MAX_ROWS the search is approximate: a faiss inverted file (Euclidean, nlist ~ sqrt(16 N) cells,
nprobe 16) over fp16 codes, ``IndexIVFScalarQuantizer(QT_fp16)``. The distances of the pairs found are then
recomputed exactly from the float32 vectors.

Why IVF with fp16 codes (against IVFFlat, HNSW and hnswlib, at 100,000 to 1,000,000 vectors): the measurements
are in bench/RESULTS.md, "Candidate search: choosing the index".
"""

from __future__ import annotations

import math
import os

import numpy as np

from engine.progress import NULL_PROGRESS, Phase, Progress
from engine.runtime import quiet_openmp

EXACT_MAX_ROWS = 50_000  # "auto" searches exactly up to this many vectors
TILE = 4096  # rows per side of an exact tile: 64 MiB of float32 similarities
IVF_NPROBE = 16  # cells visited per query; near-duplicates sit in the same or an adjacent cell
IVF_TRAIN_PER_LIST = 40  # k-means training points per cell (faiss warns below 39)
ANN_BATCH = 16_384  # queries per faiss call: progress and cancellation between calls
_FP16_SLACK = 1e-2  # fp16 codes move distances by ~1e-3; the exact distance decides
_PAIR_CHUNK = 16_384  # pairs whose exact distance is computed at once (2 x 16 MiB at D=256)


def nearest_pairs(
    vectors: np.ndarray, k: int, max_distance: float, progress: Progress = NULL_PROGRESS, method: str = "auto"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique pairs ``i < j`` within ``max_distance`` where j is among i's k nearest or i among j's.

    ``vectors`` are L2-normalised rows (N, D). Returns ``(i, j, dist)`` as int64, int64, float32 arrays
    sorted by (i, j). Reports phase ``Phase.SEARCH`` and raises Cancelled between blocks.
    """
    if method not in ("auto", "exact", "ann"):
        raise ValueError(f"unknown method {method!r}: use 'auto', 'exact' or 'ann'")
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {x.shape}")
    n = x.shape[0]
    k = min(int(k), n - 1)
    if k < 1 or max_distance < 0:
        return _empty()
    if method == "auto":
        method = "exact" if n <= EXACT_MAX_ROWS else "ann"
    if method == "exact":
        src, dst, _ = _exact_knn(x, k, max_distance, progress)
    else:
        src, dst, _ = _ivf_knn(x, k, max_distance, progress)
    return _pairs(x, src, dst, max_distance)


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32)


def _min_similarity(max_distance: float) -> np.float32:
    """For unit vectors d^2 = 2 - 2 cos, so d <= max_distance  <=>  cos >= 1 - max_distance^2 / 2."""
    return np.float32(1.0 - max_distance * max_distance / 2.0)


class _TopK:
    """Directed candidates (src -> dst, similarity), trimmed to the k best per src whenever they pile up."""

    def __init__(self, n: int, k: int) -> None:
        self.k = k
        self.limit = max(4 * n * k, 1 << 16)
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.count = 0

    def add(self, src: np.ndarray, dst: np.ndarray, sim: np.ndarray) -> None:
        if len(src):
            self.parts.append((src.astype(np.int32), dst.astype(np.int32), sim.astype(np.float32)))
            self.count += len(src)
            if self.count > self.limit:
                self.parts = [self.result()]
                self.count = len(self.parts[0][0])

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.parts:
            e = np.empty(0, np.int32)
            return e, e, np.empty(0, np.float32)
        src, dst, sim = (np.concatenate(p) for p in zip(*self.parts))
        order = np.lexsort((dst, -sim, src))  # best first within each src; ties by index, deterministic
        src, dst, sim = src[order], dst[order], sim[order]
        starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
        rank = np.arange(len(src)) - np.repeat(starts, np.diff(np.r_[starts, len(src)]))
        keep = rank < self.k
        return src[keep], dst[keep], sim[keep]


def _exact_knn(
    x: np.ndarray, k: int, max_distance: float, progress: Progress = NULL_PROGRESS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact top-k within the distance limit, by tiles of the upper triangle."""
    n = x.shape[0]
    tile = TILE
    floor = _min_similarity(max_distance)
    top = _TopK(n, k)
    starts = range(0, n, tile)
    total = len(starts) * (len(starts) + 1) // 2
    done = 0
    progress.report(Phase.SEARCH, 0, total)
    for r0 in starts:
        a = x[r0 : r0 + tile]
        for c0 in range(r0, n, tile):
            s = a @ x[c0 : c0 + tile].T
            if c0 == r0:
                np.fill_diagonal(s, -np.inf)
            _tile_hits(s, r0, c0, k, floor, top)
            done += 1
            progress.report(Phase.SEARCH, done, total)
    return top.result()


def _tile_hits(s: np.ndarray, r0: int, c0: int, k: int, floor: np.float32, top: _TopK) -> None:
    """Feed one tile's candidates in both directions (row -> column and column -> row)."""
    rows, cols = s.shape
    diagonal = r0 == c0
    passing = s >= floor
    hits = int(np.count_nonzero(passing))
    if hits == 0:
        return
    if hits <= 2 * k * (rows + cols):  # sparse: the usual case for a sensible distance limit
        r, c = np.nonzero(np.triu(passing, 1) if diagonal else passing)
        v = s[r, c]
        top.add(np.r_[r + r0, c + c0], np.r_[c + c0, r + r0], np.r_[v, v])
        return
    # dense (a very loose limit): only each row's and each column's k best can be anyone's top-k
    kr = min(k, cols - 1 if diagonal else cols)
    if kr >= 1:
        idx = np.argpartition(-s, kr - 1, axis=1)[:, :kr]
        v = np.take_along_axis(s, idx, axis=1)
        ok = v >= floor
        r = np.nonzero(ok)[0]
        top.add(r + r0, idx[ok] + c0, v[ok])
    if not diagonal:  # a diagonal tile is symmetric: its rows already cover its columns
        kc = min(k, rows)
        idx = np.argpartition(-s, kc - 1, axis=0)[:kc, :]
        v = np.take_along_axis(s, idx, axis=0)
        ok = v >= floor
        c = np.nonzero(ok)[1]
        top.add(c + c0, idx[ok] + r0, v[ok])


def _ivf_params(n: int) -> tuple[int, int]:
    """(nlist, nprobe): cells ~ sqrt(nprobe * N) balances the quantiser's cost against the scan's."""
    nlist = 2 ** round(math.log2(max(64.0, math.sqrt(IVF_NPROBE * n))))
    nlist = max(1, min(nlist, n // IVF_TRAIN_PER_LIST))
    return nlist, min(IVF_NPROBE, nlist)


def _ivf_knn(
    x: np.ndarray, k: int, max_distance: float, progress: Progress = NULL_PROGRESS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    quiet_openmp()  # before faiss loads: spinning threads made its training 3x slower on a busy machine
    import faiss  # only large searches pay for the import

    n, d = x.shape
    nlist, nprobe = _ivf_params(n)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    batches = range(0, n, ANN_BATCH)
    total = 1 + 2 * len(batches)
    progress.report(Phase.SEARCH, 0, total)
    quantiser = faiss.IndexFlatL2(d)
    index = faiss.IndexIVFScalarQuantizer(quantiser, d, nlist, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_L2)
    index.cp.seed = 1234
    index.cp.niter = 10  # the centroids only route queries; a rough clustering loses nothing measurable
    index.cp.min_points_per_centroid = 1
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(n, size=min(n, IVF_TRAIN_PER_LIST * nlist), replace=False))
    index.train(x[sample])
    done = 1
    progress.report(Phase.SEARCH, done, total)
    for b0 in batches:
        index.add(x[b0 : b0 + ANN_BATCH])
        done += 1
        progress.report(Phase.SEARCH, done, total)
    index.nprobe = nprobe
    limit = np.float32(max_distance + _FP16_SLACK) ** 2  # _pairs applies the exact limit
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for b0 in batches:
        d2, ids = index.search(x[b0 : b0 + ANN_BATCH], k + 1)  # +1: the query itself, usually first
        rows = np.arange(b0, b0 + len(ids))[:, None]
        found = (ids >= 0) & (ids != rows)
        found &= np.cumsum(found, axis=1) <= k  # a row's results come sorted: its first k others are its top-k
        ok = found & (d2 <= limit)
        src = np.broadcast_to(rows, ids.shape)[ok]
        parts.append((src.astype(np.int32), ids[ok].astype(np.int32), (1.0 - d2[ok] / 2.0).astype(np.float32)))
        done += 1
        progress.report(Phase.SEARCH, done, total)
    del index, quantiser  # free the index's copy of the vectors before the pairs are made
    src, dst, sim = (np.concatenate(p) for p in zip(*parts))
    return src, dst, sim


def _pairs(
    x: np.ndarray, src: np.ndarray, dst: np.ndarray, max_distance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed top-k hits -> unique pairs i < j within the limit, with exact Euclidean distances.

    Computed from the vectors, not from ``2 - 2 cos`` (which loses the digits that matter for near-identical
    images) nor from the fp16 codes, so both methods report the same distance for the same pair.
    """
    n = len(x)
    if not len(src):
        return _empty()
    keys = np.minimum(src, dst).astype(np.int64) * n
    keys += np.maximum(src, dst)
    keys = np.unique(keys)
    i, j = keys // n, keys % n
    dist = np.empty(len(keys), np.float32)
    for c0 in range(0, len(keys), _PAIR_CHUNK):
        diff = x[i[c0 : c0 + _PAIR_CHUNK]] - x[j[c0 : c0 + _PAIR_CHUNK]]
        dist[c0 : c0 + _PAIR_CHUNK] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    keep = dist <= max_distance
    return i[keep], j[keep], dist[keep]
