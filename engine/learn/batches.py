"""What each training step sees: which instances share a batch, and which two views of each form the pair.

Random batches of a diverse collection hold few hard negatives: a bedroom rarely meets another bedroom. With
``neighbour_batches`` every epoch starts with a global nearest-neighbour pass over the clean views (the tail's
current embeddings), and batches are built from small neighbourhoods: an instance and its closest unused
instances. The negatives inside a batch are then the look-alikes the model still confuses, across the whole
training set, not only what a random batch happens to hold.

Views: half the pairs are clean vs a copy, half two copies; but two *cuts* (crops, phone crops) of one picture
may share no pixel, so such a pair is replaced by cut vs clean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

CUT_FAMILIES = ("crop", "phone_crop")


def cut_mask(families: Sequence[Sequence[str]]) -> np.ndarray:
    """(n, views) bool: the view's edits include a cut, so it may show only part of the picture."""
    return np.array([[any(f in v.split("+") for f in CUT_FAMILIES) for v in fams] for fams in families], dtype=bool)


def view_pairs(seed: int, epoch: int, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two different views per instance for one epoch: (v1, v2), never two cuts."""
    n, views = cuts.shape
    rng = np.random.default_rng([seed, epoch, 1])
    v1 = np.where(rng.random(n) < 0.5, 0, rng.integers(1, views, n))
    v2 = (v1 + rng.integers(1, views, n)) % views
    rows = np.arange(n)
    v2 = np.where(cuts[rows, v1] & cuts[rows, v2], 0, v2)
    return v1, v2


def random_batches(seed: int, epoch: int, n: int, size: int) -> list[np.ndarray]:
    perm = np.random.default_rng([seed, epoch]).permutation(n)
    return [np.sort(perm[b * size : (b + 1) * size]) for b in range(max(1, n // size))]


def nearest_neighbours(emb: torch.Tensor, k: int, block: int = 1024) -> np.ndarray:
    """(n, k) indices of each row's k most similar other rows (unit vectors), computed in blocks."""
    n = emb.shape[0]
    k = min(k, n - 1)
    out = []
    for i in range(0, n, block):
        s = emb[i : i + block] @ emb.T
        rows = torch.arange(s.shape[0])
        s[rows, rows + i] = -3.0
        out.append(s.topk(k, dim=1).indices)
    return torch.cat(out).cpu().numpy()


def neighbour_batches(emb: torch.Tensor, seed: int, epoch: int, size: int, cluster: int) -> list[np.ndarray]:
    """Batches of ``size`` built from neighbourhoods of ``cluster`` instances: a random unused instance and its
    nearest unused neighbours (by ``emb``). Halves of one photo land together often: they are different pictures,
    each other's best negatives."""
    n = emb.shape[0]
    nbrs = nearest_neighbours(emb, cluster * 3)
    rng = np.random.default_rng([seed, epoch])
    used = np.zeros(n, dtype=bool)
    clusters: list[list[int]] = []
    for s in rng.permutation(n).tolist():
        if used[s]:
            continue
        members = [s]
        used[s] = True
        for j in nbrs[s].tolist():
            if len(members) == cluster:
                break
            if not used[j]:
                members.append(j)
                used[j] = True
        clusters.append(members)
    order = rng.permutation(len(clusters))
    flat = np.concatenate([np.asarray(clusters[c], dtype=np.int64) for c in order])
    return [np.sort(flat[b * size : (b + 1) * size]) for b in range(max(1, n // size))]
