"""Threshold choice, average precision and the sigmoid calibration of distances, on held-out pairs.

numpy only: the GUI and the benchmarks can use it without loading torch.
"""

from __future__ import annotations

import numpy as np


def pair_distances(emb: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances and same-photo flags of every unordered pair (i < j) of the rows of ``emb``."""
    sq = (emb * emb).sum(1)
    d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * emb @ emb.T, 1e-12))
    iu = np.triu_indices(len(emb), 1)
    return d[iu], (labels[:, None] == labels[None, :])[iu]


def average_precision(dist: np.ndarray, same: np.ndarray) -> float:
    order = np.argsort(dist, kind="stable")
    hits = same[order].astype(np.float64)
    prec = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((prec * hits).sum() / max(hits.sum(), 1))


def _cuts(dist: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every cut of the pairs ranked by distance: (sorted distances, precision, recall, F1) at each."""
    order = np.argsort(dist, kind="stable")
    hits = same[order]
    tp = np.cumsum(hits)
    prec, rec = tp / np.arange(1, len(hits) + 1), tp / max(hits.sum(), 1)
    return dist[order], prec, rec, 2 * prec * rec / np.maximum(prec + rec, 1e-12)


def best_f1(dist: np.ndarray, same: np.ndarray) -> tuple[float, float, float, float]:
    """(f1, precision, recall, distance threshold) at the best cut."""
    sorted_dist, prec, rec, f1 = _cuts(dist, same)
    i = int(f1.argmax())
    return float(f1[i]), float(prec[i]), float(rec[i]), float(sorted_dist[i])


def choose_threshold(
    dist: np.ndarray, same: np.ndarray, min_precision: float = 0.99
) -> tuple[float, float, float, float]:
    """(distance, f1, precision, recall) of the best-F1 cut among those with precision >= ``min_precision``.

    Falls back to the plain best-F1 cut when no cut is that precise. A wrong merge costs the user more than a
    missed one (they may delete the file), hence the precision floor.
    """
    sorted_dist, prec, rec, f1 = _cuts(dist, same)
    ok = prec >= min_precision
    i = int(np.where(ok, f1, -1).argmax()) if ok.any() else int(f1.argmax())
    return float(sorted_dist[i]), float(f1[i]), float(prec[i]), float(rec[i])


def fit_calibration(dist: np.ndarray, same: np.ndarray, balanced: bool = False, iters: int = 50) -> tuple[float, float]:
    """Logistic regression of same ~ distance: score = P(duplicate | distance).

    ``balanced=False`` keeps the pairs' own prior (on the validation split, every pair of 2,000 views: about one
    duplicate pair in 700, like a photo library), so 0.5 means "as likely duplicate as not" in such a
    collection. ``balanced=True`` weights the classes equally (0.5 = likelihood ratio 1), which puts the useful
    range of scores within a hair of 1.0. Returns (scale, offset) for score = sigmoid(scale * (offset - distance)).
    """
    x = dist.astype(np.float64)
    y = same.astype(np.float64)
    if balanced:
        w = np.where(y > 0, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    else:
        w = np.full(len(y), 1.0 / max(len(y), 1))
    a, b = 0.0, -1.0  # logit = a + b x
    for _ in range(iters):  # Newton steps with a small ridge
        p = 1 / (1 + np.exp(-(a + b * x)))
        g = np.array([(w * (p - y)).sum(), (w * (p - y) * x).sum()]) + 1e-6 * np.array([a, b])
        s = w * p * (1 - p)
        h = np.array([[s.sum(), (s * x).sum()], [(s * x).sum(), (s * x * x).sum()]]) + 1e-6 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    scale = -b
    return float(scale), float(a / scale)
