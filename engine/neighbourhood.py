"""Scoring a pair against its neighbourhood: a kitchen is close to another kitchen because all kitchens are close.

Copy-detection systems (SSCD and the DISC21 winners) normalise a pair's similarity by how similar each image is to
the rest of the collection. Here the collection is the library being scanned: the candidate search already finds
each image's nearest neighbours, so the k-th nearest neighbour's similarity ("density") costs nothing more.

    s'(a, b) = s(a, b) - beta * max(0, max(density(a), density(b)) - s0)

with s the cosine similarity of the unit embeddings (``1 - d^2 / 2``). A pair inside a dense cluster of look-alikes
(twenty bedrooms, a burst of shots) is lowered; a copy pair with no crowd around it keeps its score exactly (its
density is below ``s0``). The lowered similarity goes back to a distance, so the model's calibrated sigmoid reads
it as before. The parameters ship in model.json (``neighbourhood``); a model without them is not normalised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Neighbourhood:
    k: int  # which neighbour measures the density (more than the copies a photo usually has)
    beta: float  # how much of the excess density is taken off
    s0: float  # density below which a pair is left alone

    @classmethod
    def from_json(cls, raw: object) -> Neighbourhood | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise ValueError("neighbourhood must be an object with k, beta and s0")
        k, beta, s0 = raw.get("k"), raw.get("beta"), raw.get("s0")
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 64:
            raise ValueError("neighbourhood.k must be an integer from 1 to 64")
        for name, v in (("beta", beta), ("s0", s0)):
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not np.isfinite(v):
                raise ValueError(f"neighbourhood.{name} must be a number")
        b, s = float(beta), float(s0)  # type: ignore[arg-type]  # checked to be numbers just above
        if not 0 <= b <= 4 or not -1 <= s <= 1:
            raise ValueError("neighbourhood.beta must lie in [0, 4] and s0 in [-1, 1]")
        return cls(k, b, s)

    def to_json(self) -> dict[str, float | int]:
        return {"k": self.k, "beta": self.beta, "s0": self.s0}

    def search_distance(self) -> float:
        """The candidate search must reach this far for every density above ``s0`` to be seen."""
        return float(np.sqrt(max(0.0, 2.0 - 2.0 * self.s0)))

    def apply(self, n: int, i: np.ndarray, j: np.ndarray, dist: np.ndarray) -> np.ndarray:
        """Normalised distances of the pairs (i, j) among ``n`` images, from the pair list alone."""
        dens = density(n, i, j, dist, self.k)
        s = 1.0 - dist.astype(np.float64) ** 2 / 2.0
        s = s - self.beta * np.maximum(0.0, np.maximum(dens[i], dens[j]) - self.s0)
        out: np.ndarray = np.sqrt(np.clip(2.0 - 2.0 * s, 0.0, 4.0)).astype(np.float32)
        return out


def density(n: int, i: np.ndarray, j: np.ndarray, dist: np.ndarray, k: int) -> np.ndarray:
    """Each image's similarity to its k-th nearest other image among the listed pairs; -1 with fewer than k.

    The candidate search lists every image's own top-k (within its distance limit) plus pairs where it is in
    another image's top-k, which are never closer than its own k-th; so the k-th best listed is the true one.
    """
    out = np.full(n, -1.0)
    if not len(i):
        return out
    node = np.concatenate([i, j])
    sim = np.concatenate([1.0 - dist.astype(np.float64) ** 2 / 2.0] * 2)
    order = np.lexsort((-sim, node))
    node, sim = node[order], sim[order]
    starts = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
    counts = np.diff(np.r_[starts, len(node)])
    has_k = counts >= k
    out[node[starts[has_k]]] = sim[starts[has_k] + k - 1]
    return out
