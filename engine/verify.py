"""Geometric verification of candidate pairs: a copy shares its picture's keypoints under one transform.

A 30% crop, a photo inside a screenshot or a phone-shaped cut of a landscape can sit far from its original in
embedding space: one global vector has to summarise the whole frame. Its local features still match the original's
under a single similarity transform (scale, rotation, shift; mirrored too), and once aligned its pixels agree with
the original's. Two different pictures of one scene rarely pass both tests: different clothes on the same bed share
few consistent keypoints, and where they do, the aligned pixels differ.

So the pairs the network leaves just under the threshold (score in ``[low, threshold)``) are checked with SIFT
keypoints on small grey thumbnails (OpenCV), RANSAC for the transform and the normalised cross-correlation of the
aligned pixels. A pair that passes is a copy "confirmed by geometry": its score is lifted into ``[threshold, 1)``
keeping the pairs' order, so it groups at the default threshold. A pair that fails keeps the network's score.
The parameters ship in model.json (``verification``), chosen on the held-out training split; a model without them
verifies nothing. The figures behind the choice are in resources/model/MODEL_CARD.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.progress import NULL_PROGRESS, Phase, Progress


@dataclass(frozen=True)
class VerifyParams:
    low: float  # pairs scoring from here up to the threshold are checked
    min_inliers: int = 10  # keypoint matches agreeing on one transform
    min_ncc: float = 0.7  # and the correlation of the aligned grey pixels where the pictures overlap
    side: int = 400  # thumbnails' longest side, in pixels

    @classmethod
    def from_json(cls, raw: object) -> VerifyParams | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or "low" not in raw:
            raise ValueError("verification must be an object with at least 'low'")
        fields = {k: raw[k] for k in ("low", "min_inliers", "min_ncc", "side") if k in raw}
        for k, v in fields.items():
            if not isinstance(v, int | float) or isinstance(v, bool) or not np.isfinite(v):
                raise ValueError(f"verification.{k} must be a number")
        p = cls(**fields)
        if not (0 <= p.low < 1 and p.min_inliers >= 3 and -1 <= p.min_ncc <= 1):
            raise ValueError("verification: need 0 <= low < 1, min_inliers >= 3 and -1 <= min_ncc <= 1")
        if not 64 <= p.side <= 2048:
            raise ValueError("verification.side must lie in [64, 2048]")
        return p

    def to_json(self) -> dict[str, float | int]:
        return {"low": self.low, "min_inliers": self.min_inliers, "min_ncc": self.min_ncc, "side": self.side}


@dataclass(frozen=True)
class Verdict:
    inliers: int
    ncc: float  # of the aligned grey pixels where the two overlap
    verified: bool


def lifted(score: float, threshold: float) -> float:
    """A verified pair's score: into [threshold, 1), keeping the order of the pairs."""
    return threshold + (1.0 - threshold) * max(0.0, min(score, 1.0)) * 0.999


Features = tuple[np.ndarray, Any, Any]  # grey image, keypoints, descriptors


class Verifier:
    """Checks pairs of files; features are computed once per file (thread-safe), on ``workers`` threads."""

    def __init__(self, params: VerifyParams, loader: Callable[[str, int], np.ndarray] | None = None) -> None:
        import cv2

        self.cv2 = cv2
        self.params = params
        self._loader = loader or _grey_thumbnail
        self._features: dict[str, Features | None] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def _sift(self) -> Any:
        sift = getattr(self._local, "sift", None)
        if sift is None:
            sift = self._local.sift = self.cv2.SIFT_create(nfeatures=800)  # type: ignore[attr-defined]
        return sift

    def features(self, path: str) -> Features | None:
        with self._lock:
            if path in self._features:
                return self._features[path]
        try:
            grey = self._loader(path, self.params.side)
            kp, des = self._sift().detectAndCompute(grey, None)
            found: Features | None = (grey, kp, des) if des is not None and len(kp) >= 4 else None
        except Exception:  # noqa: BLE001 - an unreadable file is simply not verified
            found = None
        with self._lock:
            self._features[path] = found
        return found

    def verify(self, a: str, b: str) -> Verdict:
        fa, fb = self.features(a), self.features(b)
        if fa is None or fb is None:
            return Verdict(0, 0.0, False)
        inliers, ncc = self._align(fa, fb)
        return Verdict(inliers, ncc, self._passes(inliers, ncc))

    def _passes(self, inliers: int, ncc: float) -> bool:
        """Enough keypoints agreeing on one transform AND the aligned pixels agreeing: shared overlay text (the
        same caption on two photos) gives the first without the second."""
        p = self.params
        return inliers >= p.min_inliers and ncc >= p.min_ncc

    def _align(self, fa: Features, fb: Features) -> tuple[int, float]:
        cv2 = self.cv2
        (ga, ka, da), (gb, kb, db) = fa, fb
        knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(da, db, k=2)
        good = [m[0] for m in knn if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
        if len(good) < 6:
            return len(good) if len(good) < 3 else 0, 0.0
        pa = np.array([ka[m.queryIdx].pt for m in good], dtype=np.float32)
        pb = np.array([kb[m.trainIdx].pt for m in good], dtype=np.float32)
        tol = 0.02 * max(gb.shape)
        # a similarity (scale, rotation, shift) fits most copies best; a full affine map also covers squashed ones
        # (one axis resized); whichever agrees better counts. A stretch beyond 2.5x or a strong shear is not
        # something a copy goes through, so such an affine fit does not count.
        best = (0, 0.0)
        for fit in (cv2.estimateAffinePartial2D, cv2.estimateAffine2D):
            m, mask = fit(pa, pb, method=cv2.RANSAC, ransacReprojThreshold=tol, maxIters=2000)
            if m is None or mask is None:
                continue
            sv = np.linalg.svd(m[:, :2], compute_uv=False)
            if sv[1] <= 1e-6 or sv[0] / sv[1] > 2.5:
                continue
            found = (int(mask.sum()), self._agreement(ga, gb, m))
            if self._passes(*found) or (not self._passes(*best) and found > best):
                best = found
                if self._passes(*best):
                    break
        return best

    def _agreement(self, ga: np.ndarray, gb: np.ndarray, m: np.ndarray) -> float:
        """Correlation of the grey pixels where ``ga`` mapped by ``m`` overlaps ``gb`` (0 for a sliver)."""
        cv2 = self.cv2
        size = (gb.shape[1], gb.shape[0])
        warped = cv2.warpAffine(ga, m, size, flags=cv2.INTER_LINEAR, borderValue=0)
        cover = cv2.warpAffine(np.ones_like(ga), m, size, flags=cv2.INTER_NEAREST, borderValue=0) > 0
        if cover.sum() < 400:
            return 0.0
        x = cv2.GaussianBlur(warped, (0, 0), 1.5)[cover].astype(np.float32)
        y = cv2.GaussianBlur(gb, (0, 0), 1.5)[cover].astype(np.float32)
        return float(((x - x.mean()) * (y - y.mean())).mean() / (x.std() * y.std() + 1e-6))


def _grey_thumbnail(path: str, side: int) -> np.ndarray:
    from engine.imaging import load_thumbnail

    return np.asarray(load_thumbnail(path, side).convert("L"))


def verify_pairs(
    pairs: Sequence[tuple[str, str, float]],
    params: VerifyParams,
    threshold: float,
    progress: Progress = NULL_PROGRESS,
    workers: int = 2,
    verifier: Verifier | None = None,
) -> dict[tuple[str, str], Verdict]:
    """Verdicts for the pairs scoring in ``[params.low, threshold)``; reports Phase.VERIFY, cancellable."""
    todo = [(a, b) for a, b, s in pairs if params.low <= s < threshold]
    out: dict[tuple[str, str], Verdict] = {}
    progress.report(Phase.VERIFY, 0, len(todo))
    if not todo:
        return out
    v = verifier or Verifier(params)
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="doppel-verify")
    try:
        for n, (pair, verdict) in enumerate(zip(todo, pool.map(lambda p: v.verify(*p), todo)), 1):
            out[pair] = verdict
            progress.report(Phase.VERIFY, n, len(todo))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out


def lift_verified(
    paths: Sequence[str],
    i: np.ndarray,
    j: np.ndarray,
    score: np.ndarray,
    params: VerifyParams,
    threshold: float,
    cached: tuple[Any, str],
    progress: Progress = NULL_PROGRESS,
) -> np.ndarray:
    """``score`` with the pairs (``paths[i]``, ``paths[j]``) that pass verification lifted (:func:`lifted`).

    ``cached`` is (the scan's Cache, the search key): the verdicts of an unchanged library come from there.
    """
    import hashlib
    import json

    cache, search_key = cached
    key = hashlib.sha256(f"{search_key}|verify|{json.dumps(params.to_json(), sort_keys=True)}|{threshold:.9g}".encode())
    hit = cache.get_search(key.hexdigest())
    if hit is not None:
        vi, vj, ok = hit
        progress.report(Phase.VERIFY, len(vi), len(vi))
    else:
        band = np.flatnonzero((score >= params.low) & (score < threshold))
        verdicts = verify_pairs(
            [(paths[i[n]], paths[j[n]], float(score[n])) for n in band], params, threshold, progress
        )
        vi, vj = i[band], j[band]
        ok = np.array([verdicts[(paths[a], paths[b])].verified for a, b in zip(vi, vj)], dtype=np.float64)
        cache.put_search(key.hexdigest(), vi, vj, ok)
    verified = {(int(a), int(b)) for a, b, v in zip(vi.tolist(), vj.tolist(), ok.tolist()) if v}
    out = score.copy()
    for n, (a, b) in enumerate(zip(i.tolist(), j.tolist())):
        if (a, b) in verified:
            out[n] = lifted(float(score[n]), threshold)
    return out
