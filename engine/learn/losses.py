"""Distances, miners and losses, after pytorch-metric-learning: a loss takes its parts as arguments (a distance,
a margin or temperature, a miner) and scores explicit index pairs, wherever they come from.

Training mines pairs inside a batch (``loss(emb, labels)``); fine-tuning passes the user's labelled pairs and
replay pairs it built itself (``loss(emb, indices=Pairs(...))``). Both run the same :class:`ContrastiveLoss`.

Indices are rows of ``emb``. A new loss subclasses :class:`PairLoss` and implements ``compute``; a new miner is
any callable ``(dist, labels) -> Pairs | Triplets``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

Index = torch.Tensor | np.ndarray
"""Row numbers into the embeddings: a tensor, or a numpy array of integers."""


# ================================================================================================ distances
class Distance:
    """Euclidean distance, or its square: the whole matrix for mining, or only the pairs a loss needs."""

    def __init__(self, squared: bool = False) -> None:
        self.squared = squared

    def matrix(self, x: torch.Tensor) -> torch.Tensor:
        """Distances between every two rows of ``x`` (N x N)."""
        sq = (x * x).sum(1)
        d2 = (sq[:, None] + sq[None, :] - 2 * x @ x.T).clamp_min(0)
        return d2 if self.squared else d2.clamp_min(1e-12).sqrt()

    def pairs(self, x: torch.Tensor, a: Index, b: Index) -> torch.Tensor:
        """Distances between rows ``a[k]`` and ``b[k]`` of ``x``, without the N x N matrix."""
        d2 = (x[a] - x[b]).pow(2).sum(1)
        return d2 if self.squared else d2.clamp_min(1e-12).sqrt()


EUCLIDEAN = Distance()
SQUARED_EUCLIDEAN = Distance(squared=True)


def euclidean(x: torch.Tensor) -> torch.Tensor:
    """Pairwise Euclidean distances of the rows of ``x`` (N x N)."""
    return EUCLIDEAN.matrix(x)


def squared_euclidean(x: torch.Tensor) -> torch.Tensor:
    return SQUARED_EUCLIDEAN.matrix(x)


# ================================================================================================ index tuples
def _index(x: Index | list[int]) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=torch.int64)


@dataclass(frozen=True)
class Pairs:
    """Positive pairs (``pos_a[k]``, ``pos_b[k]``) and negative pairs (``neg_a[k]``, ``neg_b[k]``): rows of emb."""

    pos_a: torch.Tensor
    pos_b: torch.Tensor
    neg_a: torch.Tensor
    neg_b: torch.Tensor

    @classmethod
    def labelled(cls, a: Index | list[int], b: Index | list[int], same: Index | list[int]) -> Pairs:
        """From row arrays and a 0/1 "is a duplicate" flag per pair, keeping each class in the given order."""
        a_t, b_t = _index(a), _index(b)
        s = torch.as_tensor(same).to(torch.bool)
        return cls(a_t[s], b_t[s], a_t[~s], b_t[~s])


@dataclass(frozen=True)
class Triplets:
    """Anchor ``a[k]`` with its positive ``p[k]`` and negative ``n[k]``."""

    a: torch.Tensor
    p: torch.Tensor
    n: torch.Tensor

    def pairs(self) -> Pairs:
        """(a, p) positive and (a, n) negative, one of each per triplet."""
        return Pairs(self.a, self.p, self.a, self.n)


Miner = Callable[[torch.Tensor, torch.Tensor], "Pairs | Triplets"]
"""``miner(dist, labels)``: index pairs or triplets chosen from an N x N distance matrix and N labels."""


# ================================================================================================ miners
def _positive_pairs(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    same = labels[:, None] == labels[None, :]
    same.fill_diagonal_(False)
    a, p = same.nonzero(as_tuple=True)
    return a, p


def hard_miner(dist: torch.Tensor, labels: torch.Tensor) -> Triplets:
    """Every ordered positive pair (a, p) with the closest negative of a in the batch."""
    a, p = _positive_pairs(labels)
    neg = labels[:, None] != labels[None, :]
    d = dist.detach().masked_fill(~neg, float("inf"))
    return Triplets(a, p, d[a].argmin(1))


def semihard_miner(dist: torch.Tensor, labels: torch.Tensor) -> Triplets:
    """FaceNet's semi-hard negatives: the closest negative farther than the positive; the hardest if none is."""
    a, p = _positive_pairs(labels)
    neg = labels[:, None] != labels[None, :]
    d = dist.detach()
    d_an = d[a].masked_fill(~neg[a], float("inf"))  # P x N
    d_ap = d[a, p][:, None]
    semi = d_an.masked_fill(d_an <= d_ap, float("inf"))
    n_semi = semi.argmin(1)
    n_hard = d_an.argmin(1)
    has_semi = torch.isfinite(semi.gather(1, n_semi[:, None]))[:, 0]
    return Triplets(a, p, torch.where(has_semi, n_semi, n_hard))


MINERS: dict[str, Miner] = {"hard": hard_miner, "semihard": semihard_miner}


# ================================================================================================ losses
class PairLoss(nn.Module):
    """Base of the losses: mine from labels, or take explicit ``indices``; subclasses implement ``compute``.

    ``compute`` gets the embeddings, the index tuple and, when mining ran, the distance matrix it used (so a
    loss need not recompute distances the miner already had).
    """

    def __init__(self, distance: Distance, miner: Miner | None) -> None:
        super().__init__()
        self.distance, self.miner = distance, miner

    def forward(
        self,
        emb: torch.Tensor,
        labels: torch.Tensor | None = None,
        indices: Pairs | Triplets | None = None,
    ) -> torch.Tensor:
        dist = None
        if indices is None:
            if labels is None or self.miner is None:
                raise ValueError("a loss needs labels and a miner, or explicit indices")
            dist = self.distance.matrix(emb)
            indices = self.miner(dist, labels)
        return self.compute(emb, indices, dist)

    def compute(self, emb: torch.Tensor, indices: Pairs | Triplets, dist: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError

    def _pair_distances(
        self, emb: torch.Tensor, a: torch.Tensor, b: torch.Tensor, dist: torch.Tensor | None
    ) -> torch.Tensor:
        if dist is not None:
            return dist[a, b]
        return self.distance.pairs(emb, a.to(emb.device), b.to(emb.device))


class ContrastiveLoss(PairLoss):
    """Per pair (1-Y)/2 D^2 + Y/2 max(0, m-D)^2, Y = 1 for a dissimilar pair (Hadsell, Chopra and LeCun).

    ``reduction="mean"`` averages over every pair; ``"balanced"`` averages each class, then the two means, so a
    batch with few negatives (or positives) still weighs both. Mined triplets count as a positive and a negative
    pair each.
    """

    def __init__(
        self,
        margin: float = 1.0,
        distance: Distance = EUCLIDEAN,
        miner: Miner | None = semihard_miner,
        reduction: str = "mean",
    ) -> None:
        super().__init__(distance, miner)
        if reduction not in ("mean", "balanced"):
            raise ValueError(f"unknown reduction {reduction!r} (mean or balanced)")
        self.margin, self.reduction = margin, reduction

    def pair_terms(
        self, emb: torch.Tensor, pairs: Pairs, dist: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The loss of each positive pair and of each negative pair."""
        d_pos = self._pair_distances(emb, pairs.pos_a, pairs.pos_b, dist)
        d_neg = self._pair_distances(emb, pairs.neg_a, pairs.neg_b, dist)
        return 0.5 * d_pos**2, 0.5 * F.relu(self.margin - d_neg) ** 2

    def compute(self, emb: torch.Tensor, indices: Pairs | Triplets, dist: torch.Tensor | None) -> torch.Tensor:
        pairs = indices.pairs() if isinstance(indices, Triplets) else indices
        pos, neg = self.pair_terms(emb, pairs, dist)
        if self.reduction == "mean":
            return torch.cat([pos, neg]).mean()
        means = [t.mean() for t in (neg, pos) if len(t)]
        return torch.stack(means).mean() if means else emb.sum() * 0.0


class TripletLoss(PairLoss):
    """mean over triplets of max(d(a,p) - d(a,n) + alpha, 0), with squared Euclidean d (FaceNet)."""

    def __init__(
        self, margin: float = 0.2, distance: Distance = SQUARED_EUCLIDEAN, miner: Miner | None = semihard_miner
    ) -> None:
        super().__init__(distance, miner)
        self.margin = margin

    def compute(self, emb: torch.Tensor, indices: Pairs | Triplets, dist: torch.Tensor | None) -> torch.Tensor:
        if not isinstance(indices, Triplets):
            raise TypeError("the triplet loss needs triplets (anchor, positive, negative)")
        d_ap = self._pair_distances(emb, indices.a, indices.p, dist)
        d_an = self._pair_distances(emb, indices.a, indices.n, dist)
        return F.relu(d_ap - d_an + self.margin).mean()


class InfoNCELoss(PairLoss):
    """Instance discrimination (SSCD, Pizzi et al. 2022): each view against *every* other picture at once.

    Per positive pair (a, p): ``-log(e^{s_ap/t} / (e^{s_ap/t} + sum_n e^{s_an/t}))`` with s = 1 - d^2/2 the cosine
    similarity of the unit embeddings, n over every batch row of another instance and every ``memory`` row of
    another instance (cross-batch memory: a ring of recent embeddings, :class:`EmbeddingMemory`). Memory rows of
    the anchor's own instance are stale views of it and count as neither. With explicit ``indices`` the loss
    reads the positive pairs from them and takes the negatives from the labels as usual.
    """

    def __init__(self, temperature: float = 0.05) -> None:
        super().__init__(EUCLIDEAN, None)
        self.temperature = temperature

    def forward(  # memory is this loss's own extra part
        self,
        emb: torch.Tensor,
        labels: torch.Tensor | None = None,
        indices: Pairs | Triplets | None = None,
        memory: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        if labels is None:
            raise ValueError("the InfoNCE loss needs the instance label of every row")
        t = self.temperature
        sim = emb @ emb.T / t
        same = labels[:, None] == labels[None, :]
        neg_logits = sim.masked_fill(same, float("-inf"))  # the diagonal too
        if memory is not None and len(memory[0]):
            mem_emb, mem_labels = memory
            mem_sim = (emb @ mem_emb.T / t).masked_fill(labels[:, None] == mem_labels[None, :], float("-inf"))
            neg_logits = torch.cat([neg_logits, mem_sim], 1)
        if indices is None:
            a, p = _positive_pairs(labels)
        else:
            pairs = indices.pairs() if isinstance(indices, Triplets) else indices
            a, p = _index(pairs.pos_a).to(emb.device), _index(pairs.pos_b).to(emb.device)
        if not len(a):
            return emb.sum() * 0.0
        pos = sim[a, p]
        return (torch.logsumexp(torch.cat([pos[:, None], neg_logits[a]], 1), dim=1) - pos).mean()


class EmbeddingMemory:
    """A ring of recent (detached) embeddings and their instance labels: negatives from beyond the batch."""

    def __init__(self, size: int, dim: int, device: torch.device | str = "cpu") -> None:
        self.emb = torch.zeros(size, dim, device=device)
        self.labels = torch.full((size,), -1, dtype=torch.int64, device=device)
        self.ptr = 0
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def push(self, emb: torch.Tensor, labels: torch.Tensor) -> None:
        size = self.emb.shape[0]
        emb, labels = emb.detach()[-size:], labels.detach()[-size:]
        idx = (self.ptr + torch.arange(len(emb), device=self.emb.device)) % size
        self.emb[idx] = emb.to(self.emb)
        self.labels[idx] = labels.to(self.labels)
        self.ptr = int((self.ptr + len(emb)) % size)
        self.count = min(size, self.count + len(emb))

    def contents(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.emb[: self.count], self.labels[: self.count]


def koleo(emb: torch.Tensor, labels: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Kozachenko-Leonenko entropy term, ``-mean(log d(x, nearest row of another instance))``: lower when the
    pictures spread over the sphere instead of piling up (SSCD's regulariser)."""
    d = torch.cdist(emb, emb).masked_fill(labels[:, None] == labels[None, :], float("inf"))
    nearest = d.min(1).values
    nearest = nearest[torch.isfinite(nearest)]
    return -torch.log(nearest + eps).mean() if len(nearest) else emb.sum() * 0.0


LOSSES = ("contrastive", "triplet", "infonce")


def make_loss(name: str, mining: str = "semihard", margin: float | None = None, temperature: float = 0.05) -> PairLoss:
    """The training loss by name, with its default margin: triplet alpha 0.2, contrastive m 1.0; InfoNCE takes
    a temperature instead (and no miner: every other picture is a negative)."""
    if mining not in MINERS:
        raise ValueError(f"unknown mining {mining!r} ({' or '.join(MINERS)})")
    miner = MINERS[mining]
    if name == "triplet":
        return TripletLoss(0.2 if margin is None else margin, SQUARED_EUCLIDEAN, miner)
    if name == "contrastive":
        return ContrastiveLoss(1.0 if margin is None else margin, EUCLIDEAN, miner)
    if name == "infonce":
        return InfoNCELoss(temperature)
    raise ValueError(f"unknown loss {name!r} ({' or '.join(LOSSES)})")
